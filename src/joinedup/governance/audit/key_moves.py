"""Moving a signing key an older joinedup left beside a SQLite store: a last head signed with
it (and witnessed), its public half kept as a retired key trusted up to that head, the
private key deleted. Above ``keys``, ``heads`` and ``witness`` (which ``keys`` must not
import).
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Engine, func, select

from joinedup.governance.audit import witness
from joinedup.governance.audit.heads import checkpoint
from joinedup.governance.audit.keys import (
    KEY_ENV,
    TRUSTED_KEYS_ENV,
    AuditKeyError,
    legacy_key_file,
    legacy_signer,
    load_signer,
    retire,
)
from joinedup.store.audit_tables import audit_tree_head

_log = logging.getLogger(__name__)


def move_legacy_key(engine: Engine) -> dict[str, Any]:
    """Retire the key an older joinedup left beside this SQLite store: a last head signed
    with it (and witnessed), its public half kept as a retired key trusted up to that head,
    the private key deleted. Returns what was done (for the audit entry)."""
    legacy = legacy_signer(engine.url)
    if legacy is None or legacy.key_file is None:
        raise AuditKeyError(f"no signing key beside the database ({legacy_key_file(engine.url)})")
    current = load_signer(engine.url)
    if current.key_file is None:
        raise AuditKeyError(
            f"the key comes from {KEY_ENV}: keep the old public key (`openssl pkey -pubout -in "
            f"{legacy.key_file}`) where {TRUSTED_KEYS_ENV} lists it, then delete the old key"
        )
    if current.key_id == legacy.key_id:
        raise AuditKeyError(
            f"{current.key_file} is the key from beside the database: whoever could read it "
            "there may hold a copy; `joinedup audit rotate-key` replaces it"
        )
    with engine.begin() as connection:
        last = checkpoint(connection, legacy)
        size = connection.scalar(
            select(func.max(audit_tree_head.c.tree_size)).where(
                audit_tree_head.c.key_id == legacy.key_id
            )
        )
    if last is not None:
        witness.record(engine.url, last)
    size = int(size or 0)  # the largest head it signed: trusted up to there, never beyond
    retire(legacy, current.key_file, size)
    legacy.key_file.unlink()
    _log.warning("retired the audit signing key %s from beside the database", legacy.key_file)
    return {
        "old_key_id": legacy.key_id,
        "new_key_id": current.key_id,
        "last_tree_size": size,
        "moved_from": str(legacy.key_file),
        "key_file": str(current.key_file),
    }

"""Keeping the tamper-evident audit log: verify it, prove entries, sign and witness heads, and
look after the key that signs them (rotate it; move one an older version left beside the
database).

These work on the log's structure (hashes, signed heads, keys), never on what an entry says
about a person, so they take no caller identity: they are the operator's tasks (the command
line records the operating-system user beside every entry they write). Searching the log's
entries is the privacy officer's, in ``oversight``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.domain.nesting import bounded
from joinedup.errors import BadInput
from joinedup.governance.audit import append, key_moves, proofs, witness
from joinedup.governance.audit import heads as audit_heads

# (re-exported: the error, and exit code, of a broken log; what ``check_proof`` raises)
from joinedup.governance.audit.heads import AuditLogBroken as AuditLogBroken
from joinedup.governance.audit.merkle import ProofError as ProofError
from joinedup.governance.audit.verify import VerifyResult, verify_log


def read_saved_head(path: Path) -> audit_heads.TreeHead:
    """A signed head saved earlier (``audit checkpoint --json``), kept outside the store."""
    try:
        data = bounded(json.loads, path.read_text())
        return audit_heads.TreeHead(
            int(data["tree_size"]),
            str(data["root_hash"]),
            datetime.fromisoformat(data["signed_at"]),
            str(data["key_id"]),
            str(data["signature"]),
        )
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise BadInput(f"{path} is not a saved signed head ({error})") from None


def verify(
    engine: Engine,
    trusted_key_files: list[Path] | None = None,
    saved_heads: list[Path] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> VerifyResult:
    """Check every entry and signed head, against the installation's keys (or only
    ``trusted_key_files``), the witness and the ``saved_heads``; stops at the first problem."""
    keys = audit_heads.trusted_keys(engine.url, trusted_key_files or None)
    copies = [read_saved_head(path) for path in saved_heads or []]
    with engine.connect() as connection:
        return verify_log(connection, keys, progress, copies)


def prove_inclusion(engine: Engine, seq: int, tree_size: int | None = None) -> dict[str, Any]:
    """An inclusion proof of entry ``seq`` (against the newest signed head by default)."""
    with engine.connect() as connection:
        return proofs.inclusion(connection, seq, tree_size)


def prove_consistency(engine: Engine, old: int, new: int) -> dict[str, Any]:
    """A proof that the log of ``new`` entries only appended to the log of ``old``."""
    with engine.connect() as connection:
        return proofs.consistency(connection, old, new)


def check_proof(engine: Engine, path: Path, trusted_key_files: list[Path] | None = None) -> str:
    """Check a saved proof offline against its signed head and a trusted key; says what it
    proves, or raises ``ProofError`` saying why it does not hold."""
    try:
        document = bounded(json.loads, path.read_text())
    except (OSError, ValueError) as error:  # bad JSON, not UTF-8, NestedTooDeep
        raise BadInput(f"cannot read {path}: {error}") from None
    keys = audit_heads.trusted_keys(engine.url, trusted_key_files or None)
    return proofs.check_proof_document(document, keys)


def checkpoint(engine: Engine) -> audit_heads.TreeHead | None:
    """Sign a head over every entry so far and witness it once committed (None: the log is
    empty). Unlike the sealing at the end of a command, a broken log is an error here."""
    with engine.begin() as connection:
        head = audit_heads.checkpoint(connection)
    if head is not None:
        witness.record(engine.url, head)
    return head


def public_key(engine: Engine) -> dict[str, str]:
    """The public key that checks this installation's heads (not secret), its id, and where
    the private half comes from."""
    signer = audit_heads.load_signer(engine.url)
    return {
        "key_id": signer.key_id,
        "public_key_pem": audit_heads.public_pem(signer.public_key),
        "private_key_source": signer.source,
    }


def rotate_signing_key(engine: Engine, *, actor: str) -> dict[str, str]:
    """Sign a last head with the current key, retire it (still trusted for the heads it
    signed), start signing with a new one, and log the rotation under a head of the new key."""
    last = checkpoint(engine)
    old, new = audit_heads.rotate_key(engine.url, last.tree_size if last else 0)
    rotated = {"old_key_id": old, "new_key_id": new}
    with engine.begin() as connection:
        append(connection, kind="AUDIT_KEY_ROTATED", actor=actor, details=rotated)
        audit_heads.checkpoint(connection)
    return rotated


def move_signing_key(engine: Engine, *, actor: str) -> dict[str, Any]:
    """Retire the key an older joinedup generated beside a SQLite store (where whoever can
    rewrite the database can read it) and sign with the key away from the store; logged."""
    moved = key_moves.move_legacy_key(engine)
    with engine.begin() as connection:
        append(connection, kind="AUDIT_KEY_MOVED", actor=actor, details=moved)
    return moved

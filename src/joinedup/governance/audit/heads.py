"""Signed tree heads: ``(tree_size, root_hash, signed_at)`` signed with an Ed25519 key.

A head commits to the first ``tree_size`` entries: anyone holding the public key and the
head can check an inclusion or consistency proof without trusting the database. Heads are
cheap: each stores its compact range (``frontier``), so the next checkpoint hashes only the
entries appended since.

The keys that sign heads, and which are trusted to check them, are ``keys``'s business.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, null, select, update

from joinedup.governance.audit.chain import GENESIS, as_utc, entry_problem, lock_log

# The key functions are re-exported: callers name them as ``heads.*`` since before the split.
from joinedup.governance.audit.keys import (  # noqa: F401
    KEY_DIR_ENV,
    KEY_ENV,
    KEY_FILE_NAME,
    TRUSTED_KEYS_ENV,
    AuditKeyError,
    Signer,
    TrustedKeys,
    key_file_for,
    key_id_of,
    legacy_key_file,
    legacy_signer,
    load_signer,
    private_folder,
    public_pem,
    refuse_beside_store,
    retire,
    rotate_key,
    signature_problem,
    sqlite_file,
    trusted_keys,
)
from joinedup.governance.audit.merkle import CompactRange, leaf_hash
from joinedup.governance.audit.treehead import (  # noqa: F401  (re-exported)
    HEAD_DOMAIN,
    AuditLogBroken,
    TreeHead,
    head_message,
)
from joinedup.store.audit_tables import audit_entry, audit_tree_head


def _head(row: Any) -> TreeHead:
    return TreeHead(
        int(row.tree_size), row.root_hash, as_utc(row.signed_at), row.key_id, row.signature
    )


def heads(connection: Connection) -> list[TreeHead]:
    """Every signed head, smallest tree first (few: one per checkpoint)."""
    rows = connection.execute(select(audit_tree_head).order_by(audit_tree_head.c.tree_size))
    return [_head(row) for row in rows]


def head_covering(
    connection: Connection, seq: int, tree_size: int | None = None
) -> TreeHead | None:
    """The head of exactly ``tree_size`` entries, or else the newest head covering ``seq``."""
    query = select(audit_tree_head)
    if tree_size is not None:
        query = query.where(audit_tree_head.c.tree_size == tree_size)
    else:
        query = query.where(audit_tree_head.c.tree_size > seq).order_by(
            audit_tree_head.c.tree_size.desc()
        )
    row = connection.execute(query.limit(1)).first()
    return None if row is None else _head(row)


def _resume(connection: Connection) -> tuple[CompactRange, str, int]:
    """Where the next checkpoint starts: the newest head's compact range and the hash of its
    last entry, when its stored frontier reproduces its signed root; else from scratch."""
    row = connection.execute(
        select(audit_tree_head).order_by(audit_tree_head.c.tree_size.desc()).limit(1)
    ).first()
    if row is None:
        return CompactRange(), GENESIS, 0
    size = int(row.tree_size)
    try:
        compact = CompactRange(size, [bytes.fromhex(h) for h in row.frontier or []])
        resumable = compact.root().hex() == row.root_hash
    except (ValueError, TypeError):
        resumable = False
    last = connection.scalar(select(audit_entry.c.entry_hash).where(audit_entry.c.seq == size - 1))
    if resumable and last is not None:
        return compact, str(last), size
    return CompactRange(), GENESIS, size


def checkpoint(
    connection: Connection, signer: Signer | None = None, now: datetime | None = None
) -> TreeHead | None:
    """Sign a head over every entry so far, in the caller's transaction; returns it (the
    existing head if the log has not grown, None for an empty log). Raises
    ``AuditLogBroken`` instead of signing entries that fail their checks."""
    lock_log(connection)
    last_seq = connection.scalar(select(func.max(audit_entry.c.seq)))
    if last_seq is None:
        return None
    size = int(last_seq) + 1
    compact, prev_hash, newest = _resume(connection)
    if newest > size:
        raise AuditLogBroken(f"a head covers {newest} entries but the log has {size}")
    if newest == size:
        return head_covering(connection, size - 1, size)
    rows = connection.execute(
        select(audit_entry)
        .where(audit_entry.c.seq >= compact.size)
        .order_by(audit_entry.c.seq)
        .execution_options(yield_per=2000)
    )
    for row in rows:
        problem = entry_problem(row, compact.size, prev_hash)
        if problem:
            raise AuditLogBroken(f"entry {compact.size}: {problem}")
        compact.append(leaf_hash(bytes(row.leaf)))
        prev_hash = row.entry_hash
    signer = signer or load_signer(connection.engine.url)
    head = signer.sign(size, compact.root().hex(), now or datetime.now(UTC))
    connection.execute(
        insert(audit_tree_head).values(
            tree_size=head.tree_size,
            root_hash=head.root_hash,
            signed_at=head.signed_at,
            key_id=head.key_id,
            signature=head.signature,
            frontier=[h.hex() for h in compact.hashes()],
        )
    )
    # Only the newest head's range is ever resumed from: older ones would make a head cost
    # a kilobyte more, and heads are now signed at the end of every command and request.
    if newest:
        connection.execute(
            update(audit_tree_head)
            .where(audit_tree_head.c.tree_size == newest)
            .values(frontier=null())
        )
    return head

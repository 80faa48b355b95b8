"""Appending to the audit log. Every access, share, policy change, break-glass and review is
one entry; entries are hash-linked (each carries the hash of the one before) and are leaves
of an RFC 6962 Merkle tree whose heads are signed (see ``merkle`` and ``heads``)."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from joinedup.store.audit_tables import audit_entry

GENESIS = "0" * 64


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    recorded_at: datetime
    kind: str
    actor: str
    actor_role: str | None
    purpose: str | None
    subject: str | None
    details: dict[str, Any]
    prev_hash: str
    entry_hash: str


def canonical_bytes(content: dict[str, Any]) -> bytes:
    """The exact bytes that are hashed: sorted keys, no whitespace, UTF-8."""
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    ).encode("utf-8")


def chain_hash(prev_hash: str, leaf: bytes) -> str:
    return hashlib.sha256(bytes.fromhex(prev_hash) + leaf).hexdigest()


def _lock_tail(connection: Connection) -> Any:
    """The last entry, locked so concurrent appends get contiguous sequence numbers.

    SQLite serialises writers already; PostgreSQL needs an explicit lock, taken on a
    transaction-scoped advisory lock so an empty log is covered too.
    """
    if connection.dialect.name == "postgresql":
        from sqlalchemy import text

        connection.execute(text("SELECT pg_advisory_xact_lock(6962)"))
    return connection.execute(
        select(audit_entry.c.seq, audit_entry.c.entry_hash)
        .order_by(audit_entry.c.seq.desc())
        .limit(1)
    ).first()


def append(
    connection: Connection,
    *,
    kind: str,
    actor: str,
    details: dict[str, Any],
    actor_role: str | None = None,
    purpose: str | None = None,
    subject: str | None = None,
    recorded_at: datetime | None = None,
) -> AuditEntry:
    """Append one entry in the caller's transaction (so it commits with the change it
    records) and return it."""
    tail = _lock_tail(connection)
    seq = 0 if tail is None else int(tail.seq) + 1
    prev_hash = GENESIS if tail is None else str(tail.entry_hash)
    recorded_at = recorded_at or datetime.now(UTC)
    content = {
        "seq": seq,
        "recorded_at": recorded_at.isoformat(),
        "kind": kind,
        "actor": actor,
        "actor_role": actor_role,
        "purpose": purpose,
        "subject": subject,
        "details": details,
        "prev_hash": prev_hash,
    }
    leaf = canonical_bytes(content)
    entry_hash = chain_hash(prev_hash, leaf)
    connection.execute(
        insert(audit_entry).values(
            seq=seq,
            recorded_at=recorded_at,
            kind=kind,
            actor=actor,
            actor_role=actor_role,
            purpose=purpose,
            subject=subject,
            details=details,
            leaf=leaf,
            prev_hash=prev_hash,
            entry_hash=entry_hash,
        )
    )
    return AuditEntry(
        seq, recorded_at, kind, actor, actor_role, purpose, subject, details, prev_hash, entry_hash
    )

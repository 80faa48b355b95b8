"""Appending to the audit log. Every access, share, policy change, break-glass and review is
one entry; entries are hash-linked (each carries the hash of the one before) and are leaves
of an RFC 6962 Merkle tree whose heads are signed (see ``merkle`` and ``heads``)."""

from __future__ import annotations

import logging
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from joinedup.config import settings

# The chain's names are re-exported: callers name them as ``log.*`` since before the split.
from joinedup.governance.audit.chain import (  # noqa: F401
    GENESIS,
    LEAF_FIELDS,
    AuditEntry,
    as_utc,
    canonical_bytes,
    chain_hash,
    columns_differing_from_leaf,
    entry_problem,
    json_equal,
    lock_log,
)
from joinedup.governance.audit.seal import note_append
from joinedup.store.audit_tables import audit_entry

_log = logging.getLogger(__name__)
# Who is at the keyboard when an entry is written outside the web app: the command line sets
# its channel and the operating-system user, recorded beside the account the command acts as
# (a typed ``--as`` names an account; the login that typed it is kept too).
OPERATOR: ContextVar[dict[str, str] | None] = ContextVar("joinedup_audit_operator", default=None)


def _with_operator(details: dict[str, Any]) -> dict[str, Any]:
    operator = OPERATOR.get()
    return (
        details if operator is None or "operator" in details else {**details, "operator": operator}
    )


# Built once: composing statements per append costs more than executing them.
_TAIL = (
    select(audit_entry.c.seq, audit_entry.c.entry_hash).order_by(audit_entry.c.seq.desc()).limit(1)
)
_INSERT = insert(audit_entry)


def _lock_tail(connection: Connection) -> Any:
    """The last entry, locked so concurrent appends get contiguous sequence numbers.

    PostgreSQL takes a transaction-scoped advisory lock (so an empty log is covered too);
    SQLite takes its database write lock early (see ``lock_log``).
    """
    lock_log(connection)
    return connection.execute(_TAIL).first()


def checkpoint_interval() -> int:
    """How many entries between automatic signed tree heads (0: only on demand, ``joinedup
    audit checkpoint``, and at the end of each command and request)."""
    return settings().audit.checkpoint_every


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
    records) and return it. Every ``JOINEDUP_AUDIT_CHECKPOINT_EVERY`` entries (default
    1000) a signed tree head is added in the same transaction."""
    tail = _lock_tail(connection)
    seq = 0 if tail is None else int(tail.seq) + 1
    prev_hash = GENESIS if tail is None else str(tail.entry_hash)
    # UTC so the hashed text can be recomputed from what either database hands back.
    recorded_at = as_utc(recorded_at or datetime.now(UTC))
    details = _with_operator(details)
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
        _INSERT,
        {
            "seq": seq,
            "recorded_at": recorded_at,
            "kind": kind,
            "actor": actor,
            "actor_role": actor_role,
            "purpose": purpose,
            "subject": subject,
            "details": details,
            "leaf": leaf,
            "prev_hash": prev_hash,
            "entry_hash": entry_hash,
        },
    )
    note_append(connection.engine)  # a signed head when this command or request ends
    every = checkpoint_interval()
    if every and (seq + 1) % every == 0:
        _periodic_checkpoint(connection)
    return AuditEntry(
        seq, recorded_at, kind, actor, actor_role, purpose, subject, details, prev_hash, entry_hash
    )


def append_many(connection: Connection, entries: list[dict[str, Any]]) -> list[AuditEntry]:
    """Append several entries, in order, in the caller's transaction: the same entries as
    calling ``append`` for each (same chain, same periodic tree heads), with one lock, one
    read of the tail and one INSERT of many rows per checkpoint interval. Each item holds
    ``append``'s keyword arguments. (Alerts raise a delivery's alerts in bulk: appending
    their governance decisions one at a time cost three round trips each.)"""
    if not entries:
        return []
    tail = _lock_tail(connection)
    seq = 0 if tail is None else int(tail.seq) + 1
    prev_hash = GENESIS if tail is None else str(tail.entry_hash)
    every = checkpoint_interval()
    written: list[AuditEntry] = []
    rows: list[dict[str, Any]] = []
    for item in entries:
        recorded_at = as_utc(item.get("recorded_at") or datetime.now(UTC))
        content = {
            "seq": seq,
            "recorded_at": recorded_at.isoformat(),
            "kind": item["kind"],
            "actor": item["actor"],
            "actor_role": item.get("actor_role"),
            "purpose": item.get("purpose"),
            "subject": item.get("subject"),
            "details": _with_operator(item["details"]),
            "prev_hash": prev_hash,
        }
        leaf = canonical_bytes(content)
        entry_hash = chain_hash(prev_hash, leaf)
        row = {**content, "recorded_at": recorded_at, "leaf": leaf, "entry_hash": entry_hash}
        rows.append(row)
        written.append(AuditEntry(**{k: row[k] for k in AuditEntry.__dataclass_fields__}))
        if every and (seq + 1) % every == 0:
            connection.execute(_INSERT, rows)
            rows = []
            _periodic_checkpoint(connection)
        prev_hash, seq = entry_hash, seq + 1
    if rows:
        connection.execute(_INSERT, rows)
    note_append(connection.engine)
    return written


def _periodic_checkpoint(connection: Connection) -> None:
    # A failed periodic checkpoint must not take the access it records down with it: the
    # entry stays, the head waits for the next checkpoint, and the error is logged loudly
    # (``joinedup audit checkpoint`` and ``verify`` report the same problem to an operator).
    from joinedup.errors import JoinedUpError
    from joinedup.governance.audit.heads import checkpoint

    savepoint = connection.begin_nested()
    try:
        checkpoint(connection)
    except JoinedUpError as error:
        savepoint.rollback()
        _log.error("audit checkpoint skipped: %s", error)
    else:
        savepoint.commit()

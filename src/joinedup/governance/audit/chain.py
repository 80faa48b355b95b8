"""The hash chain: what an audit entry is, the exact bytes hashed, how each entry links to
the one before, the lock that serialises writers of the log, and the checks that an entry
read back is the entry that was written.

The lowest of the audit modules: ``log`` (appending), ``heads`` (signed tree heads) and
``verify`` build on it, and it imports none of them.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, text

GENESIS = "0" * 64
LEAF_FIELDS = (
    "seq",
    "recorded_at",
    "kind",
    "actor",
    "actor_role",
    "purpose",
    "subject",
    "details",
    "prev_hash",
)
_PG_LOCK = text("SELECT pg_advisory_xact_lock(6962)")
_SQLITE_LOCK = text("UPDATE audit_tree_head SET tree_size = tree_size WHERE 1 = 0")


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
    """The entry hash: SHA-256 of the previous entry's hash (32 bytes) and this leaf."""
    return hashlib.sha256(bytes.fromhex(prev_hash) + leaf).hexdigest()


def as_utc(moment: datetime) -> datetime:
    """The same instant in UTC; a naive value (SQLite drops the zone) is taken as UTC."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def lock_log(connection: Connection) -> None:
    """Serialise writers of the log (appends and checkpoints) until the transaction ends."""
    if connection.dialect.name == "postgresql":
        connection.execute(_PG_LOCK)
    elif connection.dialect.name == "sqlite":
        # A write that changes nothing takes SQLite's write lock now (waiting out the busy
        # timeout), before the tail is read: otherwise two appends can read the same tail
        # and the second fails to upgrade its read snapshot to a write ("database is locked").
        connection.execute(_SQLITE_LOCK)


_SCALARS = frozenset({str, int, float, bool, type(None)})
_TEXT = frozenset({str})


def json_equal(a: Any, b: Any) -> bool:
    """Equal as JSON values: numbers by value (PostgreSQL's JSONB may rewrite 1e20 as an
    integer) but never a boolean for a number, and containers element by element."""
    kind = a.__class__
    if kind is b.__class__ and kind in _SCALARS:
        # Two scalars of one type (nearly every value a checkpoint compares): plain equality
        # is the answer the checks below would give, without them.
        return bool(a == b)
    if kind is list and b.__class__ is list and {*map(type, a), *map(type, b)} <= _TEXT:
        return bool(a == b)  # two lists of strings (fields, reasons): element by element
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple) and isinstance(b, list | tuple):
        return len(a) == len(b) and all(json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b


def columns_differing_from_leaf(row: Any) -> list[str]:
    """The stored columns of an entry that disagree with its hashed leaf (empty: none).

    The leaf is what the hashes protect; the columns are what queries read. Comparing them
    catches an edit to a column that left ``leaf`` alone.
    """
    try:
        content = json.loads(bytes(row.leaf))
    except (ValueError, UnicodeDecodeError):
        return ["leaf"]
    if not isinstance(content, dict) or set(content) != set(LEAF_FIELDS):
        return ["leaf"]
    differing = [
        name
        for name in ("seq", "kind", "actor", "actor_role", "purpose", "subject", "prev_hash")
        if not json_equal(content[name], getattr(row, name))
    ]
    try:
        hashed_at = datetime.fromisoformat(content["recorded_at"])
        if hashed_at.tzinfo is None or as_utc(hashed_at) != as_utc(row.recorded_at):
            differing.append("recorded_at")
    except (TypeError, ValueError):
        differing.append("recorded_at")
    if not json_equal(content["details"], row.details):
        differing.append("details")
    return differing


def entry_problem(row: Any, expected_seq: int, prev_hash: str) -> str | None:
    """Why the stored entry ``row`` cannot be entry ``expected_seq`` following an entry whose
    hash is ``prev_hash``; None when it can. Checks in the order an auditor would: position,
    link to the previous entry, agreement of columns with the leaf, then the entry hash."""
    if row.seq != expected_seq:
        return f"entry {expected_seq} is missing (the next stored entry is {row.seq})"
    if row.prev_hash != prev_hash:
        return "it does not link to the entry before it (prev_hash differs)"
    differing = columns_differing_from_leaf(row)
    if differing:
        return f"its stored {', '.join(differing)} differ from the hashed content"
    try:
        expected_hash = chain_hash(row.prev_hash, bytes(row.leaf))
    except ValueError:
        return "its prev_hash is not a SHA-256 hash"
    if row.entry_hash != expected_hash:
        return "its entry_hash is not the hash of its content"
    return None

"""Reading the audit log: searching entries (for the data protection officer) and listing
everything recorded about one person (for the transparency report)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from joinedup.governance.audit.log import AuditEntry, as_utc
from joinedup.store.audit_tables import audit_entry


def _entry(row: Any) -> AuditEntry:
    return AuditEntry(
        int(row.seq),
        as_utc(row.recorded_at),
        row.kind,
        row.actor,
        row.actor_role,
        row.purpose,
        row.subject,
        dict(row.details or {}),
        row.prev_hash,
        row.entry_hash,
    )


def search(
    connection: Connection,
    *,
    subject: str | None = None,
    actor: str | None = None,
    kind: str | None = None,
    since: datetime | None = None,
    limit: int | None = 1000,
    after: int | None = None,
) -> list[AuditEntry]:
    """Entries matching every filter given, oldest first (at most ``limit``; only those
    after the entry numbered ``after``, to page through many)."""
    query = select(audit_entry).order_by(audit_entry.c.seq)
    if after is not None:
        query = query.where(audit_entry.c.seq > after)
    if subject is not None:
        query = query.where(audit_entry.c.subject == subject)
    if actor is not None:
        query = query.where(audit_entry.c.actor == actor)
    if kind is not None:
        query = query.where(audit_entry.c.kind == kind)
    if since is not None:
        query = query.where(audit_entry.c.recorded_at >= as_utc(since))
    if limit is not None:
        query = query.limit(limit)
    return [_entry(row) for row in connection.execute(query)]


def entries_about(
    connection: Connection, subject: str, kinds: tuple[str, ...]
) -> Iterator[AuditEntry]:
    """Every entry of the given kinds whose subject is ``subject``, oldest first."""
    query = (
        select(audit_entry)
        .where(audit_entry.c.subject == subject, audit_entry.c.kind.in_(kinds))
        .order_by(audit_entry.c.seq)
    )
    for row in connection.execute(query):
        yield _entry(row)


def entry_at(connection: Connection, seq: int) -> AuditEntry | None:
    """The entry with this sequence number, if there is one."""
    row = connection.execute(select(audit_entry).where(audit_entry.c.seq == seq)).first()
    return None if row is None else _entry(row)


def entry_to_dict(entry: AuditEntry) -> dict[str, Any]:
    """JSON-ready form of an entry."""
    return {
        "seq": entry.seq,
        "recorded_at": entry.recorded_at.isoformat(),
        "kind": entry.kind,
        "actor": entry.actor,
        "actor_role": entry.actor_role,
        "purpose": entry.purpose,
        "subject": entry.subject,
        "details": entry.details,
        "entry_hash": entry.entry_hash,
    }

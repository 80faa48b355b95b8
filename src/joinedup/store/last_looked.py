"""When each reader last opened each child's single view: what the home page and "My
children" count "new since you last looked" from.

Why a table and not the audit log's own read entries: the log records every governed read
of a child as the same kind of entry (``ACCESS``), and the home page, "My children", the
triage list and alerts routed to the reader are governed reads too, so "last looked" taken
from the log would move each time the home page listed the child, unless every entry's
JSON details were decoded to tell a single view from a listing (on every home page, over a
history that only grows). The log stays the record of who read what; this table is one
row per reader and child, replaced by the single view in the transaction that writes that
read's audit entry, so it never says a child was opened when the read did not commit.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select

from joinedup.store.casework_tables import last_looked


def mark_looked(connection: Connection, reader: str, person_id: str, at: datetime) -> None:
    """The reader opened the child's single view ``at`` (the row replaced: the portable
    upsert, in the caller's transaction)."""
    connection.execute(
        delete(last_looked).where(
            last_looked.c.reader == reader, last_looked.c.person_id == person_id
        )
    )
    connection.execute(insert(last_looked).values(reader=reader, person_id=person_id, looked_at=at))


def looked_at(
    connection: Connection, reader: str, person_ids: Iterable[str]
) -> dict[str, datetime]:
    """When the reader last opened each of ``person_ids`` (absent: never)."""
    ids = sorted(set(person_ids))
    if not ids:
        return {}
    rows = connection.execute(
        select(last_looked.c.person_id, last_looked.c.looked_at).where(
            last_looked.c.reader == reader, last_looked.c.person_id.in_(ids)
        )
    )
    return {r.person_id: r.looked_at for r in rows}


def recently_looked(connection: Connection, reader: str, limit: int = 5) -> list[str]:
    """The children the reader opened most recently, newest first."""
    rows = connection.execute(
        select(last_looked.c.person_id)
        .where(last_looked.c.reader == reader)
        .order_by(last_looked.c.looked_at.desc(), last_looked.c.person_id)
        .limit(limit)
    )
    return [r.person_id for r in rows]

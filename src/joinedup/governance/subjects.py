"""Who a person is, as the store links them: every agency record that is theirs, how
confidently each joined, and the seals on them. What the gate decides about, and what a
MASH triage case is opened for; imports neither.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from joinedup.errors import NotFound
from joinedup.governance.roles import sealed_kind
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_merge, linkage_record
from joinedup.store.merged_persons import current_person_id
from joinedup.store.tables import person_link, person_record

CHUNK = 5000  # ids per IN list (SQLite's bound-parameter limit)


@dataclass(frozen=True, slots=True)
class LinkedRecord:
    agency: str
    source_table: str
    source_id: str
    person_record_id: int
    match_probability: float | None  # 0..1, None when alone or linked by a decision


@dataclass(frozen=True, slots=True)
class Subject:
    """A person as the store links them: every agency record that is theirs."""

    person_id: str
    records: tuple[LinkedRecord, ...]
    sealed: frozenset[str] = frozenset()

    @property
    def agency_records(self) -> list[tuple[str, str]]:
        return [(r.agency, r.source_id) for r in self.records]


def subject(connection: Connection, person_id: str) -> Subject:
    """The person's linked records; ``NotFound`` for an unknown person id. An id merged into
    another person (a bridge merge) answers for the person it was merged into."""
    person_id = current_person_id(connection, person_id)
    found = _subjects(connection, [person_id]).get(person_id)
    if found is None:
        raise _unknown(person_id)
    return found


def subjects(connection: Connection, person_ids: Iterable[str]) -> dict[str, Subject]:
    """``subject`` for many ids in a few queries, keyed by the id asked for (an id merged
    away answers for its survivor); ``NotFound`` for the first unknown id, in order."""
    asked = list(dict.fromkeys(person_ids))
    merged = set()
    for start in range(0, len(asked), CHUNK):
        merged |= set(
            connection.execute(
                select(linkage_merge.c.merged_person_id).where(
                    linkage_merge.c.merged_person_id.in_(asked[start : start + CHUNK]),
                    linkage_merge.c.undone_at.is_(None),
                )
            ).scalars()
        )
    current = {p: current_person_id(connection, p) if p in merged else p for p in asked}
    found = _subjects(connection, sorted(set(current.values())))
    for person_id in asked:
        if current[person_id] not in found:
            raise _unknown(current[person_id])
    return {p: found[current[p]] for p in asked}


def _unknown(person_id: str) -> NotFound:
    return NotFound(f"no person {person_id!r} (search for them, or run `joinedup link`)")


def _subjects(connection: Connection, person_ids: list[str]) -> dict[str, Subject]:
    """The linked records of each of ``person_ids`` (current ids); unknown ids are absent."""
    rows_of: dict[str, list[Any]] = {}
    for start in range(0, len(person_ids), CHUNK):
        rows = connection.execute(
            select(
                linkage_record.c.person_id,
                linkage_record.c.agency_id,
                linkage_record.c.source_table,
                linkage_record.c.source_id,
                person_record.c.id,
                person_link.c.match_probability,
                person_record.c.attributes,
            )
            .join(person_record, LINKED_PERSON_RECORD)
            .outerjoin(person_link, person_link.c.person_record_id == person_record.c.id)
            .where(linkage_record.c.person_id.in_(person_ids[start : start + CHUNK]))
        ).all()
        for row in rows:
            rows_of.setdefault(row.person_id, []).append(row)
    return {p: _subject(p, rows) for p, rows in rows_of.items()}


def _subject(person_id: str, rows: list[Any]) -> Subject:
    rows = sorted(rows, key=lambda r: (r.agency_id, r.source_id, r.source_table))
    sealed: set[str] = set()
    for row in rows:
        marker = (row.attributes or {}).get("sealed")
        if marker:
            values = [marker] if isinstance(marker, str) else list(marker)
            sealed.update(sealed_kind(str(v)).value for v in values)
    records = tuple(
        LinkedRecord(
            r.agency_id,
            r.source_table,
            r.source_id,
            int(r.id),
            None if r.match_probability is None else r.match_probability / 1000,
        )
        for r in rows
    )
    return Subject(person_id, records, frozenset(sealed))

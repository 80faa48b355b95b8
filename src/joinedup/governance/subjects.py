"""Who a person is, as the store links them: every agency record that is theirs, how
confidently each joined, and the seals on them. What the gate decides about, and what a
MASH triage case is opened for; imports neither.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from joinedup.errors import NotFound
from joinedup.governance.roles import sealed_kind
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.merged_persons import current_person_id
from joinedup.store.tables import person_link, person_record


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
    rows = connection.execute(
        select(
            linkage_record.c.agency_id,
            linkage_record.c.source_table,
            linkage_record.c.source_id,
            person_record.c.id,
            person_link.c.match_probability,
            person_record.c.attributes,
        )
        .join(person_record, LINKED_PERSON_RECORD)
        .outerjoin(person_link, person_link.c.person_record_id == person_record.c.id)
        .where(linkage_record.c.person_id == person_id)
        .order_by(linkage_record.c.agency_id, linkage_record.c.source_id)
    ).all()
    if not rows:
        raise NotFound(f"no person {person_id!r} (search for them, or run `joinedup link`)")
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

"""What the rules and routing need to know from the store, about one person on one day.

Store-aware (takes the caller's ``Connection``, so reads see the ingest transaction's own
rows); no decisions here. People are linked persons (``linkage_record.person_id``);
their records are ``(agency, source_table, source_id)``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, and_, or_, select

from joinedup.store.linkage_tables import linkage_household_member, linkage_record
from joinedup.store.tables import event, involvement, person_record, practitioner

Record = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Contact:
    agency: str
    key: str
    name: str
    email: str | None
    team: str | None


def person_of(connection: Connection, agency: str, person_source_id: str) -> str | None:
    return connection.execute(
        select(linkage_record.c.person_id)
        .where(
            linkage_record.c.agency_id == agency,
            linkage_record.c.source_id == person_source_id,
        )
        .limit(1)
    ).scalar()


def records_of(connection: Connection, person_id: str) -> list[Record]:
    rows = connection.execute(
        select(
            linkage_record.c.agency_id, linkage_record.c.source_table, linkage_record.c.source_id
        ).where(linkage_record.c.person_id == person_id)
    )
    return [(a, t, s) for a, t, s in rows]


def _of(records: Iterable[Record], agency: str) -> list[str]:
    return [s for a, _, s in records if a == agency]


def birth_date(connection: Connection, records: list[Record]) -> date | None:
    """The date of birth most of the person's records agree on."""
    if not records:
        return None
    keys = or_(
        *(
            and_(
                person_record.c.agency_id == a,
                person_record.c.source_table == t,
                person_record.c.source_id == s,
            )
            for a, t, s in records
        )
    )
    births = Counter(
        b
        for b in connection.execute(select(person_record.c.date_of_birth).where(keys)).scalars()
        if b is not None
    )
    return births.most_common(1)[0][0] if births else None


def age_on(born: date | None, on: date) -> int | None:
    if born is None:
        return None
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def is_child(born: date | None, on: date) -> bool:
    age = age_on(born, on)
    return age is not None and 0 <= age < 18


def _active(start: Any, end: Any, on: date) -> Any:
    return and_(or_(start.is_(None), start <= on), or_(end.is_(None), end >= on))


def active_social_care(
    connection: Connection, records: list[Record], event_types: Iterable[str], on: date
) -> list[str]:
    """The social care episodes (CP_PLAN, LOOKED_AFTER...) of the person open on ``on``."""
    ids = _of(records, "social_care")
    if not ids:
        return []
    rows = connection.execute(
        select(event.c.event_type).where(
            event.c.agency_id == "social_care",
            event.c.person_source_id.in_(ids),
            event.c.event_type.in_(list(event_types)),
            event.c.occurred_on <= on,
            or_(event.c.ended_on.is_(None), event.c.ended_on >= on),
        )
    )
    return sorted(set(rows.scalars()))


def lead_practitioners(
    connection: Connection, records: list[Record], agency: str, on: date
) -> list[Contact]:
    """The person's lead practitioners in ``agency`` on ``on`` (allocated social worker,
    school DSL, GP practice, key worker), most recently started first."""
    ids = _of(records, agency)
    if not ids:
        return []
    rows = connection.execute(
        select(
            practitioner.c.practitioner_key,
            practitioner.c.name,
            practitioner.c.email,
            practitioner.c.team,
        )
        .join(
            practitioner,
            and_(
                practitioner.c.agency_id == involvement.c.agency_id,
                practitioner.c.practitioner_key == involvement.c.practitioner_key,
            ),
        )
        .where(
            involvement.c.agency_id == agency,
            involvement.c.person_source_id.in_(ids),
            involvement.c.is_lead.is_(True),
            _active(involvement.c.start_date, involvement.c.end_date, on),
        )
        .order_by(involvement.c.start_date.desc(), involvement.c.id.desc())
    )
    seen: dict[str, Contact] = {}
    for key, name, email, team in rows:
        seen.setdefault(key, Contact(agency, key, name, email, team))
    return list(seen.values())


def household_members(connection: Connection, person_id: str, on: date) -> list[str]:
    """Everyone who shares a household with the person on ``on`` (not the person)."""
    mine = linkage_household_member
    other = linkage_household_member.alias("other")
    rows = connection.execute(
        select(other.c.person_id)
        .join(mine, mine.c.household_id == other.c.household_id)
        .where(
            mine.c.person_id == person_id,
            other.c.person_id != person_id,
            _active(mine.c.from_date, mine.c.to_date, on),
            _active(other.c.from_date, other.c.to_date, on),
        )
    )
    return sorted(set(rows.scalars()))


def missing_days(connection: Connection, records: list[Record], since: date, until: date) -> set:
    """The days in [since, until] on which the child was reported missing by police or
    social care (several reports of one day are one episode)."""
    police, social = _of(records, "police"), _of(records, "social_care")
    clauses = []
    if police:
        clauses.append(
            and_(
                event.c.agency_id == "police",
                event.c.person_source_id.in_(police),
                event.c.event_type == "MISSING_PERSON",
                event.c.role == "MISSING_PERSON",
            )
        )
    if social:
        clauses.append(
            and_(
                event.c.agency_id == "social_care",
                event.c.person_source_id.in_(social),
                event.c.event_type == "MISSING_EPISODE",
            )
        )
    if not clauses:
        return set()
    rows = connection.execute(
        select(event.c.occurred_on).where(
            or_(*clauses), event.c.occurred_on >= since, event.c.occurred_on <= until
        )
    )
    return set(rows.scalars())


def earlier_event_types(
    connection: Connection, agency: str, person_source_id: str, before_event_id: int, on: date
) -> set[str]:
    """Event types recorded for this record on or before ``on``, other than the event."""
    rows = connection.execute(
        select(event.c.event_type).where(
            event.c.agency_id == agency,
            event.c.person_source_id == person_source_id,
            event.c.occurred_on <= on,
            event.c.id != before_event_id,
        )
    )
    return set(rows.scalars())


def own_record(connection: Connection, records: list[Record], agency: str) -> dict[str, Any]:
    """How the recipient's own agency knows the child (its own data: always shown)."""
    for a, t, s in records:
        if a != agency:
            continue
        row = connection.execute(
            select(person_record.c.forenames, person_record.c.surname).where(
                person_record.c.agency_id == a,
                person_record.c.source_table == t,
                person_record.c.source_id == s,
            )
        ).first()
        if row is not None:
            name = " ".join(x for x in (row.forenames, row.surname) if x)
            return {"reference": s, "name": name}
    return {}


def window(on: date, days: int) -> date:
    return on - timedelta(days=days - 1)

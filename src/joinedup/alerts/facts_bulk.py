"""The facts of a whole delivery's events, read in a few set-based queries.

``warm(connection, events, agencies)`` reads, for every event's person and every person in
their households, what ``facts`` would otherwise read one query at a time (the linked
person, records, date of birth, household on the event's day, open plans or care, lead
practitioners in ``agencies``, names, seals), and stores each answer in the ``facts`` memo under
the key its reader uses. The rules then run unchanged, in Python, against the memo; what
the bulk reads did not cover (a record not linked yet, a missing-episode count) the readers
still read themselves. Must run inside ``facts.remembering()``.

Each answer is the one the one-at-a-time reader gives: the same filters, applied in Python
to the rows of all the people at once, and rows kept in the order the reader's ORDER BY
gives on this database (NULL start dates sort differently on PostgreSQL and SQLite).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, bindparam, select, tuple_

from joinedup.alerts import facts
from joinedup.alerts.evaluate import ON_PLAN_OR_LOOKED_AFTER
from joinedup.governance.minimisation import sealed_kinds
from joinedup.store.linkage_tables import (
    LINKED_PERSON_RECORD,
    linkage_household_member,
    linkage_record,
)
from joinedup.store.tables import event, involvement, person_record, practitioner

CHUNK = 1000
_mine = linkage_household_member
_other = linkage_household_member.alias("other")
_PERSONS = select(linkage_record.c.record_key, linkage_record.c.person_id).where(
    linkage_record.c.record_key.in_(bindparam("keys", expanding=True))
)
_HOUSEHOLDS = (
    select(
        _mine.c.person_id,
        _mine.c.from_date,
        _mine.c.to_date,
        _other.c.person_id,
        _other.c.from_date,
        _other.c.to_date,
    )
    .join(_mine, _mine.c.household_id == _other.c.household_id)
    .where(
        _mine.c.person_id.in_(bindparam("people", expanding=True)),
        _other.c.person_id != _mine.c.person_id,
    )
)
_RECORDS = select(
    linkage_record.c.person_id,
    linkage_record.c.agency_id,
    linkage_record.c.source_table,
    linkage_record.c.source_id,
).where(linkage_record.c.person_id.in_(bindparam("people", expanding=True)))
_PEOPLES_RECORDS = (
    select(
        linkage_record.c.person_id,
        person_record.c.agency_id,
        person_record.c.source_table,
        person_record.c.source_id,
        person_record.c.date_of_birth,
        person_record.c.forenames,
        person_record.c.surname,
        person_record.c.attributes,
    )
    .join(linkage_record, LINKED_PERSON_RECORD)
    .where(linkage_record.c.person_id.in_(bindparam("people", expanding=True)))
)
_EPISODES = select(
    event.c.person_source_id, event.c.event_type, event.c.occurred_on, event.c.ended_on
).where(
    event.c.agency_id == "social_care",
    event.c.person_source_id.in_(bindparam("ids", expanding=True)),
    event.c.event_type.in_(ON_PLAN_OR_LOOKED_AFTER),
    event.c.occurred_on <= bindparam("until"),
)
_LEADS = (
    select(
        involvement.c.id,
        involvement.c.agency_id,
        involvement.c.person_source_id,
        involvement.c.start_date,
        involvement.c.end_date,
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
        tuple_(involvement.c.agency_id, involvement.c.person_source_id).in_(
            bindparam("records", expanding=True)
        ),
        involvement.c.is_lead.is_(True),
    )
    .order_by(involvement.c.start_date.desc(), involvement.c.id.desc())
)


def _chunks(values: list[Any]) -> Iterable[list[Any]]:
    for n in range(0, len(values), CHUNK):
        yield values[n : n + CHUNK]


def _active(start: date | None, end: date | None, on: date) -> bool:
    return (start is None or start <= on) and (end is None or end >= on)


def warm(connection: Connection, events: list[Mapping[str, Any]], agencies: Iterable[str]) -> None:
    """Read the facts of ``events``' people (and their households) into the memo."""
    days: dict[str, set[date]] = defaultdict(set)  # person -> the days asked about
    subjects = _persons(connection, events, days)
    if not subjects:
        return
    households = _households(connection, subjects, days)
    people = sorted(set(subjects) | {m for members in households.values() for m in members})
    # A household member is asked about on the days of its household's events.
    theirs: dict[str, set[date]] = defaultdict(set)
    for subject in subjects:
        for member in households[subject]:
            theirs[member].update(days[subject])
    for member, on in theirs.items():
        days[member] |= on
    records = _records(connection, people)
    _births_and_names(connection, people)
    _plans_or_care(connection, records, days)
    _leads(connection, records, days, sorted(set(agencies)))


def _persons(
    connection: Connection, events: list[Mapping[str, Any]], days: dict[str, set[date]]
) -> set[str]:
    wanted: dict[str, tuple[str, str]] = {}
    for found in events:
        agency, source = found["agency_id"], found["person_source_id"]
        for table in facts.person_tables(connection, agency):
            wanted[f"{agency}|{table}|{source}"] = (agency, source)
    person: dict[tuple[str, str], str] = {}
    for keys in _chunks(sorted(wanted)):
        for key, person_id in connection.execute(_PERSONS, {"keys": keys}):
            person.setdefault(wanted[key], person_id)
    for (agency, source), person_id in person.items():
        facts.remember(("person", agency, source), person_id)
    for found in events:
        person_id = person.get((found["agency_id"], found["person_source_id"]))
        if person_id is not None:
            days[person_id].add(found["occurred_on"])
    return set(days)


def _households(
    connection: Connection, subjects: set[str], days: dict[str, set[date]]
) -> dict[str, set[str]]:
    rows: dict[str, list[Any]] = defaultdict(list)
    for people in _chunks(sorted(subjects)):
        for row in connection.execute(_HOUSEHOLDS, {"people": people}):
            rows[row[0]].append(row)
    everyone: dict[str, set[str]] = {}
    for subject in subjects:
        everyone[subject] = set()
        for on in days[subject]:
            members = sorted(
                {
                    other
                    for _, mine_from, mine_to, other, other_from, other_to in rows[subject]
                    if _active(mine_from, mine_to, on) and _active(other_from, other_to, on)
                }
            )
            facts.remember(("household", subject, on), members)
            everyone[subject].update(members)
    return everyone


def _records(connection: Connection, people: list[str]) -> dict[str, list[facts.Record]]:
    records: dict[str, list[facts.Record]] = {p: [] for p in people}
    for chunk in _chunks(people):
        for person_id, agency, table, source in connection.execute(_RECORDS, {"people": chunk}):
            records[person_id].append((agency, table, source))
    for person_id, found in records.items():
        facts.remember(("records", person_id), found)
    return records


def _births_and_names(connection: Connection, people: list[str]) -> None:
    births: dict[str, Counter[date]] = {p: Counter() for p in people}
    for chunk in _chunks(people):
        rows = connection.execute(_PEOPLES_RECORDS, {"people": chunk})
        for person_id, agency, table, source, born, forenames, surname, attributes in rows:
            if born is not None:
                births[person_id][born] += 1
            facts.remember(("name", agency, table, source), facts.name_of(forenames, surname))
            facts.remember(("sealed", agency, table, source), sealed_kinds(attributes or {}))
    for person_id, counted in births.items():
        facts.remember(("born", person_id), counted.most_common(1)[0][0] if counted else None)


def _plans_or_care(
    connection: Connection, records: dict[str, list[facts.Record]], days: dict[str, set[date]]
) -> None:
    ids = sorted({s for found in records.values() for a, _, s in found if a == "social_care"})
    every_day = [d for person_days in days.values() for d in person_days]
    if not ids or not every_day:
        return
    episodes: dict[str, list[Any]] = defaultdict(list)
    for chunk in _chunks(ids):
        rows = connection.execute(_EPISODES, {"ids": chunk, "until": max(every_day)})
        for source, kind, start, end in rows:
            episodes[source].append((kind, start, end))
    types = tuple(sorted(ON_PLAN_OR_LOOKED_AFTER))
    for person_id, found in records.items():
        mine = [s for a, _, s in found if a == "social_care"]
        if not mine:
            continue
        for on in days.get(person_id, ()):
            open_ = sorted(
                {
                    kind
                    for s in mine
                    for kind, start, end in episodes[s]
                    if start <= on and (end is None or end >= on)
                }
            )
            facts.remember(("social_care", tuple(mine), types, on), open_)


def _leads(
    connection: Connection,
    records: dict[str, list[facts.Record]],
    days: dict[str, set[date]],
    agencies: list[str],
) -> None:
    wanted = sorted({(a, s) for found in records.values() for a, _, s in found if a in agencies})
    ordered: list[Any] = []
    for chunk in _chunks(wanted):
        ordered.extend(connection.execute(_LEADS, {"records": chunk}))
    if len(wanted) > CHUNK:  # each chunk came in order; the reader orders them all at once
        ordered = _in_order(connection, ordered)
    rows: dict[tuple[str, str], list[tuple[int, Any]]] = defaultdict(list)
    for position, row in enumerate(ordered):
        rows[(row.agency_id, row.person_source_id)].append((position, row))
    for person_id, found in records.items():
        for agency in agencies:
            ids = [s for a, _, s in found if a == agency]
            if not ids:
                continue
            mine = sorted((p, r) for s in ids for p, r in rows[(agency, s)])
            for on in days.get(person_id, ()):
                seen: dict[str, facts.Contact] = {}
                for _, r in mine:
                    if _active(r.start_date, r.end_date, on):
                        seen.setdefault(
                            r.practitioner_key,
                            facts.Contact(agency, r.practitioner_key, r.name, r.email, r.team),
                        )
                facts.remember(("leads", agency, tuple(ids), on), list(seen.values()))


def _in_order(connection: Connection, rows: list[Any]) -> list[Any]:
    """Rows of several chunks in the reader's order: start date descending (NULL first on
    PostgreSQL, last on SQLite), then id descending."""
    nulls_first = connection.dialect.name == "postgresql"
    return sorted(
        rows,
        key=lambda r: (
            (0 if nulls_first else 2) if r.start_date is None else 1,
            -r.start_date.toordinal() if r.start_date else 0,
            -r.id,
        ),
    )

"""The bulk gate: ``gate.open_person`` for a set of people in one call, with set-based queries.

For each person id it makes exactly the decision the per-person gate makes (the same linked
records and seals, the same legitimate relationships, the same break-glass grants, the same
field mask and reasons) and appends exactly the same audit entries, in the order the ids were
given: what a loop over ``gate.open_person`` would write, byte for byte. Where the per-person
gate asks the store a handful of questions per person, this asks each question once for the
whole set (in chunks of ``CHUNK`` ids), so a list, a network or an export of thousands of
people costs a few queries rather than thousands. ``tests/integration/governance/
test_bulk_gate.py`` holds the two to the same answer over a generated partnership.

An id given twice is decided (and audited) once. An unknown id raises ``NotFound``, as the
per-person loop would at that id (the caller's transaction then records nothing).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, func, or_, select

from joinedup.governance.gate import ALL_FIELDS, Opened, _in_the_mash, request_for
from joinedup.governance.grants import active_grants_for
from joinedup.governance.pdp import UK
from joinedup.governance.purposes import Relationship
from joinedup.governance.reader import Reader
from joinedup.governance.recording import decide_and_record_many
from joinedup.governance.roles import Role
from joinedup.governance.subjects import CHUNK, Subject, subjects
from joinedup.governance.triage_cases import MASH_CONTACT_DAYS, PROMPTS, TRIAGE_CASE_DAYS
from joinedup.store.casework_tables import triage_case
from joinedup.store.governance_tables import access_review_task, emergency_access
from joinedup.store.risk_tables import exploitation_score, risk_score
from joinedup.store.tables import event, involvement, practitioner


def open_people(
    connection: Connection,
    reader: Reader,
    person_ids: Iterable[str],
    fields: Iterable[str] = ALL_FIELDS,
    *,
    now: datetime | None = None,
) -> dict[str, Opened]:
    """Decide (and audit) the reader's access to ``fields`` of each person, keyed by the id
    asked for: ``{id: gate.open_person(connection, reader, id, fields, now=now)}``."""
    now = now or datetime.now(UTC)
    reader.check_purpose()
    fields = frozenset(fields)
    found = subjects(connection, person_ids)
    if not found:
        return {}
    current = {s.person_id: s for s in found.values()}
    rels = _relationships(connection, reader, current, now)
    grants = active_grants_for(connection, reader.user_id, {*found, *current}, now)
    readers = {
        # A grant in force for the id asked for puts the reader in an emergency, as in
        # ``open_person``; the decision then checks it covers the (current) child and purpose.
        asked: reader.in_emergency() if not reader.emergency and grants.get(asked) else reader
        for asked in found
    }
    requests = [request_for(readers[a], s, fields, rels[s.person_id]) for a, s in found.items()]
    decisions = decide_and_record_many(connection, requests, now=now, grants=grants)
    return {
        asked: Opened(s, decision, rels[s.person_id], readers[asked])
        for (asked, s), decision in zip(found.items(), decisions, strict=True)
    }


def _chunks(items: Sequence[str]) -> Iterator[list[str]]:
    for start in range(0, len(items), CHUNK):
        yield list(items[start : start + CHUNK])


def _relationships(
    connection: Connection, reader: Reader, people: dict[str, Subject], now: datetime
) -> dict[str, frozenset[Relationship]]:
    """``gate.relationships`` for each person, each question asked once for them all."""
    found: dict[str, set[Relationship]] = {p: set() for p in people}
    if reader.practitioner_key:
        _involved(connection, reader, people, now.astimezone(UK).date(), found)
    if _in_the_mash(reader):
        for person_id in _on_mash_list(connection, people, now):
            found[person_id].add(Relationship.MASH_TRIAGE)
    if reader.role is Role.PRIVACY_OFFICER:
        for person_id in _under_access_review(connection, list(people)):
            found[person_id].add(Relationship.ACCESS_REVIEW)
    return {p: frozenset(r) for p, r in found.items()}


def _involved(
    connection: Connection,
    reader: Reader,
    people: dict[str, Subject],
    on: date,
    found: dict[str, set[Relationship]],
) -> None:
    """INVOLVED and TEAM_CASELOAD, as ``recording.relationships_from_store`` finds them."""
    agency, key = reader.agency.value, reader.practitioner_key
    sources = {p: {r.source_id for r in s.records if r.agency == agency} for p, s in people.items()}
    every = sorted(set().union(*sources.values()))
    if not every:
        return
    p, i = practitioner.c, involvement.c
    team = connection.execute(
        select(p.team).where(p.agency_id == agency, p.practitioner_key == key)
    ).scalar()
    colleagues = (
        set(
            connection.execute(
                select(p.practitioner_key).where(p.agency_id == agency, p.team == team)
            ).scalars()
        )
        if team is not None
        else set()
    )
    keys: dict[str, set[str]] = {}
    for chunk in _chunks(every):
        rows = connection.execute(
            select(i.person_source_id, i.practitioner_key).where(
                i.agency_id == agency,
                i.person_source_id.in_(chunk),
                or_(i.start_date.is_(None), i.start_date <= on),
                or_(i.end_date.is_(None), i.end_date >= on),
            )
        ).all()
        for row in rows:
            keys.setdefault(row.person_source_id, set()).add(row.practitioner_key)
    for person_id, own in sources.items():
        theirs = set().union(*(keys.get(s, set()) for s in own))
        if key in theirs:
            found[person_id].add(Relationship.INVOLVED)
        if theirs & colleagues:
            found[person_id].add(Relationship.TEAM_CASELOAD)


def _on_mash_list(connection: Connection, people: dict[str, Subject], now: datetime) -> set[str]:
    """The people on the MASH's triage list: ``gate.on_mash_list`` for each of them."""
    ids = sorted(people)
    c = triage_case.c
    listed: set[str] = set()
    closed: dict[str, datetime] = {}
    scored: dict[str, datetime] = {}
    for chunk in _chunks(ids):
        listed |= set(
            connection.execute(
                select(c.person_id).where(
                    c.person_id.in_(chunk),
                    c.closed_at.is_(None),
                    c.opened_at >= now - timedelta(days=TRIAGE_CASE_DAYS),
                )
            ).scalars()
        )
        for row in connection.execute(
            select(c.person_id, func.max(c.closed_at).label("at"))
            .where(c.person_id.in_(chunk), c.closed_at.is_not(None))
            .group_by(c.person_id)
        ):
            closed[row.person_id] = _aware(row.at)
        for scores in (risk_score, exploitation_score):
            s = scores.c
            for row in connection.execute(
                select(s.person_id, func.max(s.scored_at).label("at"))
                .where(s.person_id.in_(chunk), s.current.is_(True), s.flagged.is_(True))
                .group_by(s.person_id)
            ):
                at = _aware(row.at)
                scored[row.person_id] = max(at, scored.get(row.person_id, at))
    prompts = _recent_prompts(connection, people, now)
    for person_id in ids:
        if person_id in listed:
            continue
        ended = closed.get(person_id)
        prompted = prompts.get(person_id)
        flagged = scored.get(person_id)
        if (prompted is not None and (ended is None or ended.date() < prompted)) or (
            flagged is not None and (ended is None or ended < flagged)
        ):
            listed.add(person_id)
    return listed


def _recent_prompts(
    connection: Connection, people: dict[str, Subject], now: datetime
) -> dict[str, date]:
    """The date of each person's latest contact or referral in the last
    ``MASH_CONTACT_DAYS`` days (``triage_cases.recent_prompt``'s date)."""
    owners: dict[str, set[str]] = {}
    for person_id, found in people.items():
        for record in found.records:
            if record.agency == "social_care":
                owners.setdefault(record.source_id, set()).add(person_id)
    day = now.astimezone(UK).date()
    e = event.c
    latest: dict[str, date] = {}
    for chunk in _chunks(sorted(owners)):
        for row in connection.execute(
            select(e.person_source_id, func.max(e.occurred_on).label("on"))
            .where(
                e.agency_id == "social_care",
                e.person_source_id.in_(chunk),
                e.event_type.in_(PROMPTS),
                e.occurred_on >= day - timedelta(days=MASH_CONTACT_DAYS),
                e.occurred_on <= day,
            )
            .group_by(e.person_source_id)
        ):
            for person_id in owners[row.person_source_id]:
                if person_id not in latest or latest[person_id] < row.on:
                    latest[person_id] = row.on
    return latest


def _under_access_review(connection: Connection, ids: list[str]) -> set[str]:
    """The people with an open review task (a break-glass review) about their record."""
    under: set[str] = set()
    for chunk in _chunks(ids):
        under |= set(
            connection.execute(
                select(emergency_access.c.child_id)
                .select_from(access_review_task)
                .join(
                    emergency_access,
                    emergency_access.c.id == access_review_task.c.emergency_access_id,
                )
                .where(
                    emergency_access.c.child_id.in_(chunk),
                    access_review_task.c.status == "OPEN",
                )
            ).scalars()
        )
    return under


def _aware(moment: Any) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

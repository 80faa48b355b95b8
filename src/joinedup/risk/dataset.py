"""Children's histories from the store: their own events and those of adults living with them.

Store-aware (takes a SQLAlchemy ``Connection``), no web framework. Events are tied to linked
people through ``linkage_record`` (agency + person source id -> person); adults' events count
for a child while the adult and the child live in the same linked household
(``linkage_household_member``, open-ended periods when a date is unknown); an adult's events
from before they moved in count from the day they did (a new partner's history matters).
Each child also carries free school meals (school census) and the deprivation decile of
their home postcode, which the model reads.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import replace
from datetime import date

from sqlalchemy import Connection, and_, select

from joinedup.risk.deprivation import decile_of
from joinedup.risk.factors import (
    DETAIL_AGENCIES,
    AgencyEvent,
    Evidence,
    evidence_of,
    is_outcome,
    sibling_evidence,
)
from joinedup.risk.features import ChildHistory
from joinedup.risk.people import (  # noqa: F401  (Profile, load_profiles and load_teams: here too)
    Profile,
    as_day,
    as_json,
    chunks,
    load_profiles,
    load_teams,
    raw_value,
)
from joinedup.risk.relevance import may_matter, sql_screen
from joinedup.store.linkage_tables import (
    linkage_household_member,
    linkage_record,
)
from joinedup.store.tables import event

_SOCIAL_CARE_EPISODES = {"CP_PLAN", "LOOKED_AFTER", "REFERRAL", "EARLY_HELP"}


def _households(
    connection: Connection, person_ids: list[str] | None
) -> dict[str, list[tuple[str, date | None, date | None]]]:
    """household id -> members (person, from, to)."""
    m = linkage_household_member
    if person_ids is None:
        rows = connection.execute(
            select(m.c.household_id, m.c.person_id, m.c.from_date, m.c.to_date)
        )
        found = defaultdict(list)
        for hid, pid, start, end in rows:
            found[hid].append((pid, start, end))
        return found
    found = defaultdict(list)
    for c in chunks(person_ids):  # one read per chunk: the members of the chunk's households
        theirs = select(m.c.household_id).where(m.c.person_id.in_(c))
        earlier = set(found)  # a household met through an earlier chunk is complete already
        rows = connection.execute(
            select(m.c.household_id, m.c.person_id, m.c.from_date, m.c.to_date).where(
                m.c.household_id.in_(theirs)
            )
        )
        for hid, pid, start, end in rows:
            if hid not in earlier:
                found[hid].append((pid, start, end))
    return found


def _events(
    connection: Connection, person_ids: list[str] | None
) -> Iterable[tuple[str, AgencyEvent]]:
    query = (
        select(
            linkage_record.c.person_id,
            event.c.id,
            event.c.agency_id,
            event.c.source_table,
            event.c.event_type,
            raw_value(event.c.occurred_on),
            raw_value(event.c.ended_on),
            event.c.role,
            raw_value(event.c.codes),
            raw_value(event.c.detail),
        )
        .join(
            linkage_record,
            and_(
                linkage_record.c.agency_id == event.c.agency_id,
                linkage_record.c.source_id == event.c.person_source_id,
            ),
        )
        .where(sql_screen(event))
    )
    batches = (
        [query] if person_ids is None else
        [query.where(linkage_record.c.person_id.in_(c)) for c in chunks(person_ids)]
    )  # fmt: skip
    for batch in batches:
        for (
            pid,
            eid,
            agency,
            table,
            etype,
            on,
            ended,
            role,
            raw_codes,
            detail,
        ) in connection.execute(batch):
            codes = tuple(as_json(raw_codes, ()))
            if not may_matter(agency, table, etype, codes):
                continue
            yield (
                pid,
                AgencyEvent(
                    eid,
                    agency,
                    table,
                    etype,
                    as_day(on),  # type: ignore[arg-type]
                    role,
                    codes,
                    as_json(detail, {}) if agency in DETAIL_AGENCIES else {},
                    as_day(ended),
                ),
            )


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day < end)


def _counts_from(day: date, periods: list[tuple[date | None, date | None]]) -> date | None:
    """From when an adult's event on ``day`` counts for a child they lived with in
    ``periods``: the day itself while they live together; the day they moved in together for
    an event from before (a new partner's domestic abuse, a parent's diagnosis before the
    birth: Clare's Law asks exactly this); never for an event after they parted. One date
    per child, so an adult met in two households is not counted twice."""
    best: date | None = None
    for start, end in periods:
        if end is not None and day >= end:
            continue
        since = day if start is None or day >= start else start
        if best is None or since < best:
            best = since
    return best


def load_histories(
    connection: Connection,
    *,
    born_after: date,
    person_ids: list[str] | None = None,
    profiles: dict[str, Profile] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
) -> dict[str, ChildHistory]:
    """The history of every child (born after ``born_after``), or of ``person_ids`` only:
    evidence of factors (own and household adults'), social care episodes, and outcomes."""
    profiles = profiles if profiles is not None else load_profiles(connection, person_ids)
    children = {
        pid: ChildHistory(
            pid, p.dob, free_school_meals=p.fsm, deprivation_decile=decile_of(p.postcode)
        )
        for pid, p in profiles.items()
        if p.dob is not None and p.dob > born_after and (person_ids is None or pid in person_ids)
    }
    # Adults living with each child: (child, adult) -> periods where both were members.
    adults_of: dict[str, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    # Brothers and sisters: sibling -> children whose history their social care events join.
    siblings_of: dict[str, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    households = _households(connection, None if person_ids is None else sorted(children))
    young = set(children)
    if person_ids is not None:
        # why: a brother or sister not asked for is still a child, not an adult of the
        # household (re-scoring one child read a sibling's police record as an adult's)
        others = sorted({m[0] for members in households.values() for m in members} - young)
        young.update(
            pid
            for pid, p in load_profiles(connection, others).items()
            if p.dob is not None and p.dob > born_after
        )
    for members in households.values():
        kids = [m for m in members if m[0] in children]
        for kid, k_from, k_to in kids:
            for other, o_from, o_to in members:
                if other == kid:
                    continue
                start = max((d for d in (k_from, o_from) if d), default=None)
                end = min((d for d in (k_to, o_to) if d), default=None)
                if other in young:
                    siblings_of[other].append((kid, start, end))
                else:
                    adults_of[kid].append((other, start, end))
    # adult -> child -> the periods they lived together
    children_of_adult: dict[str, dict[str, list[tuple[date | None, date | None]]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for kid, adults in adults_of.items():
        for adult, start, end in adults:
            children_of_adult[adult][kid].append((start, end))
    wanted = None
    if person_ids is not None:
        wanted = sorted(set(children) | set(children_of_adult) | set(siblings_of))
    for done, (pid, ev) in enumerate(_events(connection, wanted), start=1):
        if progress and done % 50_000 == 0:
            progress("reading events", done, done)
        child = children.get(pid)
        if child is not None:
            child.evidence.extend(evidence_of(ev, dob=child.dob, adult=False))
            if ev.agency == "social_care" and ev.event_type in _SOCIAL_CARE_EPISODES:
                child.social_care.append(ev)
                code = {"CP_PLAN": "sc_previous_cp_plan", "LOOKED_AFTER": "sc_previous_care"}
                if ev.ended_on is not None and ev.event_type in code:
                    child.evidence.append(
                        Evidence(code[ev.event_type], ev.ended_on, ev.id, ev.agency)
                    )
            kind = is_outcome(ev, child.dob)
            if kind:
                child.outcomes.append((ev.occurred_on, kind))
        for kid, periods in children_of_adult.get(pid, {}).items():
            since = _counts_from(ev.occurred_on, periods)
            if since is None:
                continue
            found = evidence_of(ev, dob=None, adult=True)
            if since > ev.occurred_on:
                found = [replace(e, known_on=max(e.known_on, since)) for e in found]
            children[kid].evidence.extend(found)
        for kid, start, end in siblings_of.get(pid, ()):
            if _within(ev.occurred_on, start, end) and kid in children:
                children[kid].evidence.extend(sibling_evidence(ev))
    for child in children.values():
        child.evidence.sort(key=lambda e: (e.known_on, e.event_id))
        child.outcomes.sort()
    return children


def family_groups(connection: Connection, person_ids: Iterable[str]) -> dict[str, str]:
    """A family key per child: children who ever shared a linked household share a key
    (union-find over household membership), so folds never split siblings."""
    wanted = set(person_ids)
    parent: dict[str, str] = {p: p for p in wanted}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for members in _households(connection, None).values():
        kids = sorted({m[0] for m in members if m[0] in wanted})
        for other in kids[1:]:
            a, b = find(kids[0]), find(other)
            if a != b:
                parent[max(a, b)] = min(a, b)
    return {p: find(p) for p in wanted}

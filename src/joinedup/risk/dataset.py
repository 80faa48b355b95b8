"""Children's histories from the store: their own events and those of adults living with them.

Store-aware (takes a SQLAlchemy ``Connection``), no web framework. Events are tied to linked
people through ``linkage_record`` (agency + person source id -> person); adults' events count
for a child only while the adult and the child lived in the same linked household
(``linkage_household_member``, open-ended periods when a date is unknown).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, and_, select

from joinedup.risk.factors import (
    AgencyEvent,
    Evidence,
    evidence_of,
    is_outcome,
    sibling_evidence,
)
from joinedup.risk.features import ChildHistory
from joinedup.store.linkage_tables import (
    LINKED_PERSON_RECORD,
    linkage_household_member,
    linkage_record,
)
from joinedup.store.tables import event, involvement, person_record, practitioner

_DOB_PRIORITY = ("health", "education", "social_care", "police")
_SOCIAL_CARE_EPISODES = {"CP_PLAN", "LOOKED_AFTER", "REFERRAL", "EARLY_HELP"}
CHUNK = 500  # person ids per IN (...) query


@dataclass(slots=True)
class Profile:
    """What the triage list shows and filters on, and the fairness audit groups by."""

    person_id: str
    dob: date | None = None
    sex: str = "U"
    ethnicity: str | None = None
    postcode: str | None = None
    school_urn: str | None = None
    sen: bool = False
    fsm: bool = False
    disability: bool = False
    team: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "person_id": self.person_id,
            "date_of_birth": self.dob.isoformat() if self.dob else None,
            "sex": self.sex,
            "ethnicity": self.ethnicity,
            "postcode": self.postcode,
            "school_urn": self.school_urn,
            "sen": self.sen,
            "fsm": self.fsm,
            "disability": self.disability,
            "team": self.team,
        }


def _chunks(ids: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(ids), CHUNK):
        yield ids[i : i + CHUNK]


def _pick(values: dict[str, list[Any]]) -> Any:
    for agency in _DOB_PRIORITY:
        if values.get(agency):
            return Counter(values[agency]).most_common(1)[0][0]
    rest = [v for vs in values.values() for v in vs]
    return Counter(rest).most_common(1)[0][0] if rest else None


def load_profiles(
    connection: Connection, person_ids: list[str] | None = None
) -> dict[str, Profile]:
    """Profiles of linked people (all, or ``person_ids``): the most trusted agency's date of
    birth, sex and postcode; ethnicity, school and SEN from education or social care."""
    query = select(
        linkage_record.c.person_id,
        person_record.c.agency_id,
        person_record.c.date_of_birth,
        person_record.c.sex,
        person_record.c.ethnicity,
        person_record.c.postcode,
        person_record.c.attributes,
    ).join(person_record, LINKED_PERSON_RECORD)
    batches = (
        [query] if person_ids is None else
        [query.where(linkage_record.c.person_id.in_(c)) for c in _chunks(person_ids)]
    )  # fmt: skip
    fields: dict[str, dict[str, dict[str, list[Any]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(list))
    )
    extra: dict[str, Profile] = {}
    for batch in batches:
        for pid, agency, dob, sex, ethnicity, postcode, attributes in connection.execute(batch):
            f = fields[pid]
            if dob is not None:
                f["dob"][agency].append(dob)
            if sex in ("M", "F"):
                f["sex"][agency].append(sex)
            if postcode:
                f["postcode"][agency].append(postcode)
            if ethnicity:
                f["ethnicity"][agency].append(ethnicity)
            profile = extra.setdefault(pid, Profile(pid))
            attributes = attributes or {}
            if agency == "education":
                profile.school_urn = attributes.get("urn") or profile.school_urn
                profile.sen = profile.sen or attributes.get("sen_provision") in ("E", "K")
                profile.fsm = profile.fsm or bool(attributes.get("fsm_eligible"))
    for pid, profile in extra.items():
        f = fields[pid]
        profile.dob = _pick(f["dob"])
        profile.sex = _pick(f["sex"]) or "U"
        profile.postcode = _pick(f["postcode"])
        profile.ethnicity = _pick(f["ethnicity"])
    return extra


def load_teams(connection: Connection, person_ids: list[str] | None = None) -> dict[str, str]:
    """The team of each child's open allocated social worker (the lead practitioner)."""
    query = (
        select(linkage_record.c.person_id, practitioner.c.team, involvement.c.start_date)
        .join(
            involvement,
            and_(
                involvement.c.agency_id == linkage_record.c.agency_id,
                involvement.c.person_source_id == linkage_record.c.source_id,
            ),
        )
        .join(
            practitioner,
            and_(
                practitioner.c.agency_id == involvement.c.agency_id,
                practitioner.c.practitioner_key == involvement.c.practitioner_key,
            ),
        )
        .where(linkage_record.c.agency_id == "social_care", involvement.c.end_date.is_(None))
    )
    batches = (
        [query] if person_ids is None else
        [query.where(linkage_record.c.person_id.in_(c)) for c in _chunks(person_ids)]
    )  # fmt: skip
    teams: dict[str, tuple[date, str]] = {}
    for batch in batches:
        for pid, team, start in connection.execute(batch):
            if team and (pid not in teams or (start or date.min) >= teams[pid][0]):
                teams[pid] = (start or date.min, team)
    return {pid: team for pid, (_, team) in teams.items()}


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
    ids: set[str] = set()
    for c in _chunks(person_ids):
        ids.update(
            connection.execute(select(m.c.household_id).where(m.c.person_id.in_(c))).scalars()
        )
    found = defaultdict(list)
    for c in _chunks(sorted(ids)):
        rows = connection.execute(
            select(m.c.household_id, m.c.person_id, m.c.from_date, m.c.to_date).where(
                m.c.household_id.in_(c)
            )
        )
        for hid, pid, start, end in rows:
            found[hid].append((pid, start, end))
    return found


def _events(
    connection: Connection, person_ids: list[str] | None
) -> Iterable[tuple[str, AgencyEvent]]:
    query = select(
        linkage_record.c.person_id,
        event.c.id,
        event.c.agency_id,
        event.c.source_table,
        event.c.event_type,
        event.c.occurred_on,
        event.c.ended_on,
        event.c.role,
        event.c.codes,
        event.c.detail,
    ).join(
        linkage_record,
        and_(
            linkage_record.c.agency_id == event.c.agency_id,
            linkage_record.c.source_id == event.c.person_source_id,
        ),
    )
    batches = (
        [query] if person_ids is None else
        [query.where(linkage_record.c.person_id.in_(c)) for c in _chunks(person_ids)]
    )  # fmt: skip
    for batch in batches:
        for pid, eid, agency, table, etype, on, ended, role, codes, detail in connection.execute(
            batch
        ):
            yield (
                pid,
                AgencyEvent(
                    eid, agency, table, etype, on, role, tuple(codes or ()), detail or {}, ended
                ),
            )


def _within(day: date, start: date | None, end: date | None) -> bool:
    return (start is None or start <= day) and (end is None or day < end)


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
        pid: ChildHistory(pid, p.dob)
        for pid, p in profiles.items()
        if p.dob is not None and p.dob > born_after and (person_ids is None or pid in person_ids)
    }
    # Adults living with each child: (child, adult) -> periods where both were members.
    adults_of: dict[str, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    # Brothers and sisters: sibling -> children whose history their social care events join.
    siblings_of: dict[str, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    households = _households(connection, None if person_ids is None else sorted(children))
    for members in households.values():
        kids = [m for m in members if m[0] in children]
        for kid, k_from, k_to in kids:
            for other, o_from, o_to in members:
                if other == kid:
                    continue
                start = max((d for d in (k_from, o_from) if d), default=None)
                end = min((d for d in (k_to, o_to) if d), default=None)
                if other in children:
                    siblings_of[other].append((kid, start, end))
                else:
                    adults_of[kid].append((other, start, end))
    children_of_adult: dict[str, list[tuple[str, date | None, date | None]]] = defaultdict(list)
    for kid, adults in adults_of.items():
        for adult, start, end in adults:
            children_of_adult[adult].append((kid, start, end))
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
        for kid, start, end in children_of_adult.get(pid, ()):
            if _within(ev.occurred_on, start, end):
                children[kid].evidence.extend(evidence_of(ev, dob=None, adult=True))
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

"""The clerical review queue in the order a steward's week should take it (issue 20).

A steward cannot decide every uncertain pair of a 100,000-child partnership in a week, so the
pairs that would change what a practitioner sees about a child come first:

1. ``CHILD``: a record of the pair belongs to a child (a person with a record whose date of
   birth is under 18 years ago): deciding it joins or separates a child's own records;
2. ``CHILDS_HOUSEHOLD``: a record belongs to an adult who shares a household with a child, or
   has a family tie to one (a parent, a partner): deciding it joins or separates the history
   (domestic abuse, drugs, probation) that the child's view shows about the people at home;
3. ``OTHER``: adults with no child known to be near them.

Within a tier, pairs nearest the link threshold first: there one decision most often turns a
"not linked" into a "linked" (or confirms a link on thin evidence). ``size`` states the queue's
size, its share of the partnership's records and the weeks one steward needs at
``PAIRS_PER_STEWARD_WEEK``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date
from typing import Any

from sqlalchemy import Connection, func, or_, select, union

from joinedup.store.linkage_tables import (
    LINKED_PERSON_RECORD,
    linkage_family_tie,
    linkage_household_member,
    linkage_model,
    linkage_record,
    linkage_review,
    linkage_run,
)
from joinedup.store.tables import person_record

TIERS = ("CHILD", "CHILDS_HOUSEHOLD", "OTHER")
# A steward deciding one pair in about two minutes, for half of a 37-hour week.
PAIRS_PER_STEWARD_WEEK = 500
ADULT_AGE = 18
_CHUNK = 500  # ids per IN list (SQLite's limit on parameters)


@dataclass(frozen=True, slots=True)
class Ranked:
    id: int
    tier: str
    distance: float  # |match weight - link threshold|


def _born_after(today: date) -> date:
    try:
        return today.replace(year=today.year - ADULT_AGE)
    except ValueError:  # 29 February
        return today.replace(year=today.year - ADULT_AGE, day=28)


def link_threshold(connection: Connection) -> float:
    thresholds = connection.execute(
        select(linkage_model.c.thresholds)
        .where(linkage_model.c.active.is_(True))
        .order_by(linkage_model.c.id.desc())
        .limit(1)
    ).scalar_one_or_none()
    return float((thresholds or {}).get("link", 0.0))


def _queue_keys() -> Any:
    lr = linkage_review.c
    return union(
        select(lr.record_key_l.label("record_key")).where(lr.status == "OPEN"),
        select(lr.record_key_r.label("record_key")).where(lr.status == "OPEN"),
    ).subquery()


def _chunks(values: set[str]) -> list[list[str]]:
    ordered = sorted(values)
    return [ordered[i : i + _CHUNK] for i in range(0, len(ordered), _CHUNK)]


def _children_among(connection: Connection, persons: set[str], today: date) -> set[str]:
    lr = linkage_record.c
    found: set[str] = set()
    for chunk in _chunks(persons):
        found |= set(
            connection.execute(
                select(lr.person_id)
                .join(person_record, LINKED_PERSON_RECORD)
                .where(lr.person_id.in_(chunk), person_record.c.date_of_birth > _born_after(today))
                .distinct()
            ).scalars()
        )
    return found


def _near_children(
    connection: Connection, persons: set[str], today: date
) -> tuple[set[str], set[str]]:
    """(children, adults near a child) among ``persons``: only their households' members and
    the people tied to them are looked at, not every child of the partnership."""
    hm, ft = linkage_household_member.c, linkage_family_tie.c
    homes_of: dict[str, set[str]] = {}
    for chunk in _chunks(persons):
        for home, pid in connection.execute(
            select(hm.household_id, hm.person_id).where(hm.person_id.in_(chunk))
        ):
            homes_of.setdefault(pid, set()).add(home)
    members: dict[str, set[str]] = {}
    for chunk in _chunks({h for homes in homes_of.values() for h in homes}):
        for home, pid in connection.execute(
            select(hm.household_id, hm.person_id).where(hm.household_id.in_(chunk))
        ):
            members.setdefault(home, set()).add(pid)
    tied: dict[str, set[str]] = {}
    for chunk in _chunks(persons):
        for a, b in connection.execute(
            select(ft.person_id, ft.related_person_id).where(
                or_(ft.person_id.in_(chunk), ft.related_person_id.in_(chunk))
            )
        ):
            tied.setdefault(a, set()).add(b)
            tied.setdefault(b, set()).add(a)
    around = (
        persons | {p for m in members.values() for p in m} | {p for t in tied.values() for p in t}
    )
    children = _children_among(connection, around, today)
    near = {
        p
        for p in persons - children
        if tied.get(p, set()) & children
        or any(members.get(home, set()) & children for home in homes_of.get(p, ()))
    }
    return persons & children, near


def _tiers(connection: Connection, items: list[Any], today: date) -> dict[int, str]:
    keys = _queue_keys()
    person_of = dict(
        connection.execute(
            select(linkage_record.c.record_key, linkage_record.c.person_id).where(
                linkage_record.c.record_key.in_(select(keys.c.record_key))
            )
        ).all()
    )
    children, near = _near_children(connection, set(person_of.values()), today)
    tiers = {}
    for item in items:
        persons = {person_of.get(item.record_key_l), person_of.get(item.record_key_r)}
        tiers[item.id] = TIERS[0 if persons & children else 1 if persons & near else 2]
    return tiers


# A pair's tier changes only with the links (every link run, batch or incremental, is a new
# ``linkage_run``), the queue (a new item) or the date (a child turns 18): kept per store
# until one of them moves. 100,000 children: 1.1 s to work out, 30 ms to reuse.
_KNOWN: dict[tuple[str, int, int, date], dict[int, str]] = {}


def _cache_key(connection: Connection, today: date) -> tuple[str, int, int, date]:
    url = connection.engine.url.render_as_string(hide_password=True)
    last_run = connection.scalar(select(func.max(linkage_run.c.id))) or 0
    last_item = connection.scalar(select(func.max(linkage_review.c.id))) or 0
    return (url, int(last_run), int(last_item), today)


def ranked(connection: Connection, today: date | None = None) -> list[Ranked]:
    """Every open pair, in the order to review them (see the module docstring)."""
    today = today or date.today()
    lr = linkage_review.c
    items = connection.execute(
        select(lr.id, lr.record_key_l, lr.record_key_r, lr.match_weight).where(lr.status == "OPEN")
    ).all()
    if not items:
        return []
    key = _cache_key(connection, today)
    tiers = _KNOWN.get(key)
    if tiers is None or any(item.id not in tiers for item in items):
        tiers = _tiers(connection, list(items), today)
        for old in [k for k in _KNOWN if k[0] == key[0]]:
            del _KNOWN[old]
        _KNOWN[key] = tiers
    threshold = link_threshold(connection)
    out = [Ranked(item.id, tiers[item.id], abs(item.match_weight - threshold)) for item in items]
    out.sort(key=lambda r: (TIERS.index(r.tier), r.distance, r.id))
    return out


@dataclass(frozen=True, slots=True)
class QueueSize:
    open_pairs: int
    by_tier: dict[str, int]
    records_in_queue: int
    linked_records: int
    share_of_records: float
    pairs_per_steward_week: int
    steward_weeks: float
    steward_weeks_child_first: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def line(self) -> str:
        first = self.by_tier["CHILD"] + self.by_tier["CHILDS_HOUSEHOLD"]
        return (
            f"{self.open_pairs} pairs open ({self.by_tier['CHILD']} a child's, "
            f"{self.by_tier['CHILDS_HOUSEHOLD']} an adult in a child's household, "
            f"{self.by_tier['OTHER']} other), touching {self.records_in_queue} of "
            f"{self.linked_records} records ({self.share_of_records:.2%}): "
            f"{self.steward_weeks:.2f} steward-weeks at {self.pairs_per_steward_week} pairs a "
            f"week, {self.steward_weeks_child_first:.2f} for the {first} that change a "
            "child's view"
        )


def size(connection: Connection, today: date | None = None) -> QueueSize:
    """How big the open queue is, by tier, and what share of the records it touches."""
    order = ranked(connection, today)
    by_tier = {t: sum(1 for r in order if r.tier == t) for t in TIERS}
    keys = _queue_keys()
    in_queue = connection.scalar(select(func.count()).select_from(keys)) or 0
    linked = connection.scalar(select(func.count()).select_from(linkage_record)) or 0
    first = by_tier["CHILD"] + by_tier["CHILDS_HOUSEHOLD"]
    return QueueSize(
        open_pairs=len(order),
        by_tier=by_tier,
        records_in_queue=int(in_queue),
        linked_records=int(linked),
        share_of_records=round(in_queue / linked, 5) if linked else 0.0,
        pairs_per_steward_week=PAIRS_PER_STEWARD_WEEK,
        steward_weeks=round(len(order) / PAIRS_PER_STEWARD_WEEK, 2),
        steward_weeks_child_first=round(first / PAIRS_PER_STEWARD_WEEK, 2),
    )

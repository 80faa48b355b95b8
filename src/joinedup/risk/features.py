"""A child's history, and the factors and model features it shows at one date.

Pure (no ORM): ``ChildHistory`` is built by ``risk.dataset`` from the store, once; then
``features_at(history, on)`` uses only evidence known on or before ``on``, so the same history
gives leakage-free features at any past date (training snapshots, lead-time replays) and at
today (the triage list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from joinedup.risk.areas import AREA_OF, AREAS
from joinedup.risk.factors import FACTORS, AgencyEvent, Evidence, open_statutory

RECENT_DAYS = 365  # "in the last 12 months"
HISTORY_DAYS = 3 * 365  # "in the last three years" (a feature window, and the fairness audit's)
UNKNOWN_DECILE = 5.5  # a home area not in the deprivation lookup counts as the middle decile
_AREA_CODES = tuple(AREAS)
_AREA_INDEX = {code: i for i, code in enumerate(_AREA_CODES)}
_FACTOR_AREA = {f: _AREA_INDEX[a] for f, a in AREA_OF.items()}
_PER_AREA = ("ever", "count_12m", "count_36m", "days_since")
FEATURE_NAMES: tuple[str, ...] = (
    ("age_years", "open_to_social_care", "open_early_help")
    + tuple(f"{code}.{what}" for code in _AREA_CODES for what in _PER_AREA)
    + (
        "toxic_trio.domestic_abuse_and_mental_health",
        "toxic_trio.substance_misuse_and_mental_health",
        "breadth.areas_ever",
        "breadth.factors_12m",
        "free_school_meals",
        "area_deprivation_decile",
    )
)
BREADTH_FACTORS_12M = FEATURE_NAMES.index("breadth.factors_12m")
DEPRIVATION_DECILE = FEATURE_NAMES.index("area_deprivation_decile")
NEVER_DAYS = 10 * 365  # "days since" an area never evidenced
_NOT_COUNTED_IN_BREADTH = frozenset({"cin_no_factor"})
_TRIO = ("domestic_abuse", "parental_mental_health", "parental_substance_misuse")
STATUTORY = ("CP_PLAN", "LOOKED_AFTER")


@dataclass(slots=True)
class ChildHistory:
    person_id: str
    dob: date | None
    evidence: list[Evidence] = field(default_factory=list)  # sorted by known_on
    social_care: list[AgencyEvent] = field(default_factory=list)  # episodes with start/end
    outcomes: list[tuple[date, str]] = field(default_factory=list)  # sorted by date
    free_school_meals: bool = False  # the school census says so
    deprivation_decile: int | None = None  # of the home postcode (1 = most deprived)

    def age_on(self, on: date) -> float | None:
        return None if self.dob is None else (on - self.dob).days / 365.25


def status_at(history: ChildHistory, on: date) -> str | None:
    """What social care has open for the child on ``on``: CP_PLAN, LOOKED_AFTER, CIN,
    EARLY_HELP or nothing (the strongest wins)."""
    found = {s for ev in history.social_care if (s := open_statutory(ev, on))}
    for status in ("LOOKED_AFTER", "CP_PLAN", "CIN", "EARLY_HELP"):
        if status in found:
            return status
    return None


def in_population(history: ChildHistory, on: date) -> bool:
    """A child to triage on ``on``: born, under 18, and not already on a plan or in care."""
    age = history.age_on(on)
    if age is None or age < 0 or age >= 18:
        return False
    return status_at(history, on) not in STATUTORY


def evidence_known(history: ChildHistory, on: date) -> list[Evidence]:
    """Evidence known by ``on`` (all the history the store holds), one per incident and
    factor."""
    seen: set[tuple[str, str]] = set()
    out = []
    for e in history.evidence:
        if e.known_on > on:
            break
        if e.key:  # one incident seen through the child and two adults counts once
            if (e.factor, e.key) in seen:
                continue
            seen.add((e.factor, e.key))
        out.append(e)
    return out


_UNKNOWN = object()


def features_at(
    history: ChildHistory,
    on: date,
    known: list[Evidence] | None = None,
    status: Any = _UNKNOWN,
) -> list[float]:
    """The model's feature vector (``FEATURE_NAMES`` order) from evidence known by ``on``
    (``known`` and ``status``: ``evidence_known`` and ``status_at`` if the caller has them).

    Per area: ever evidenced, how many items in 12 months and in three years, days since the
    last. An adult's diagnosis recorded four years ago still says who lives with the child
    (the synthetic households' risk, like real families', follows such lasting conditions),
    so "ever" reaches back through all the history held, not a fixed window."""
    n = len(_AREA_CODES)
    ever, n12, n36 = [0.0] * n, [0.0] * n, [0.0] * n
    since = [float(NEVER_DAYS)] * n
    factors_12m: set[str] = set()
    for e in evidence_known(history, on) if known is None else known:
        days = (on - e.known_on).days
        j = _FACTOR_AREA[e.factor]
        ever[j] = 1.0
        if days < RECENT_DAYS:
            n12[j] += e.weight
            factors_12m.add(e.factor)
        if days < HISTORY_DAYS:
            n36[j] += e.weight
        if days < since[j]:
            since[j] = float(days)
    if status is _UNKNOWN:
        status = status_at(history, on)
    age = history.age_on(on) or 0.0
    per_area = [v for j in range(n) for v in (ever[j], n12[j], n36[j], since[j])]
    da, mh, sub = (ever[_AREA_INDEX[a]] for a in _TRIO)
    decile = history.deprivation_decile
    return [
        round(age, 2),
        float(status == "CIN"),
        float(status == "EARLY_HELP"),
        *per_area,
        da * mh,
        sub * mh,
        sum(ever),
        float(len(factors_12m - _NOT_COUNTED_IN_BREADTH)),
        float(history.free_school_meals),
        UNKNOWN_DECILE if decile is None else float(decile),
    ]


def factors_at(
    history: ChildHistory,
    on: date,
    *,
    max_events: int = 10,
    known: list[Evidence] | None = None,
) -> list[dict[str, Any]]:
    """The factors evidenced by ``on`` (all the history held), each with its words, area,
    catalogue field, agencies, how often in the last 12 months, when last seen and the
    evidence ids."""
    grouped: dict[str, list[Evidence]] = {}
    for e in evidence_known(history, on) if known is None else known:
        grouped.setdefault(e.factor, []).append(e)
    out: list[dict[str, Any]] = []
    for code, items in grouped.items():
        definition = FACTORS[code]
        if len(items) == 1:
            last, newest = items[0].known_on, items
        else:
            last = max(e.known_on for e in items)
            newest = sorted(items, key=lambda e: (e.known_on, e.event_id), reverse=True)
        out.append(
            {
                "code": code,
                "label": definition.label,
                "headline": definition.headline,
                "area": AREA_OF[code],
                "whose": definition.whose,
                "fields": [definition.field],
                "agencies": sorted({e.agency for e in items}),
                "count_12m": sum(1 for e in items if (on - e.known_on).days < RECENT_DAYS),
                "count": len(items),
                "last_seen": last.isoformat(),
                "event_ids": [e.event_id for e in newest[:max_events]],
            }
        )
    out.sort(key=lambda f: (-f["count_12m"], f["code"]))
    return out


def first_outcome_after(history: ChildHistory, on: date) -> tuple[date, str] | None:
    for when, kind in history.outcomes:
        if when > on:
            return when, kind
    return None


def outcome_within(history: ChildHistory, on: date, months: int) -> bool:
    first = first_outcome_after(history, on)
    return first is not None and (first[0] - on).days <= round(months * 30.44)

"""A child's history, and the factors and model features it shows at one date.

Pure (no ORM): ``ChildHistory`` is built by ``risk.dataset`` from the store, once; then
``features_at(history, on)`` uses only evidence known on or before ``on``, so the same history
gives leakage-free features at any past date (training snapshots, lead-time replays) and at
today (the triage list).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from joinedup.risk.factors import FACTORS, AgencyEvent, Evidence, open_statutory

RECENT_DAYS = 365  # "in the last 12 months"
HISTORY_DAYS = 3 * 365  # evidence older than this is not shown or used
_FACTOR_CODES = tuple(FACTORS)
_FACTOR_INDEX = {code: i for i, code in enumerate(_FACTOR_CODES)}
FEATURE_NAMES: tuple[str, ...] = (
    ("age_years", "open_to_social_care", "open_early_help")
    + tuple(f"{code}.count_12m" for code in _FACTOR_CODES)
    + tuple(f"{code}.days_since" for code in _FACTOR_CODES)
)
STATUTORY = ("CP_PLAN", "LOOKED_AFTER")


@dataclass(slots=True)
class ChildHistory:
    person_id: str
    dob: date | None
    evidence: list[Evidence] = field(default_factory=list)  # sorted by known_on
    social_care: list[AgencyEvent] = field(default_factory=list)  # episodes with start/end
    outcomes: list[tuple[date, str]] = field(default_factory=list)  # sorted by date

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


def recent_evidence(history: ChildHistory, on: date) -> list[Evidence]:
    """Evidence known by ``on`` within the last three years, one per incident and factor."""
    start = on - timedelta(days=HISTORY_DAYS)
    seen: set[tuple[str, str]] = set()
    out = []
    for e in history.evidence:
        if e.known_on > on:
            break
        if e.known_on <= start:
            continue
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
    recent: list[Evidence] | None = None,
    status: Any = _UNKNOWN,
) -> list[float]:
    """The model's feature vector (``FEATURE_NAMES`` order) from evidence known by ``on``
    (``recent`` and ``status``: ``recent_evidence`` and ``status_at`` if the caller has them)."""
    counts = [0.0] * len(_FACTOR_CODES)
    since = [float(HISTORY_DAYS)] * len(_FACTOR_CODES)
    for e in recent_evidence(history, on) if recent is None else recent:
        days = (on - e.known_on).days
        j = _FACTOR_INDEX[e.factor]
        if days < RECENT_DAYS:
            counts[j] += e.weight
        if days < since[j]:
            since[j] = float(days)
    if status is _UNKNOWN:
        status = status_at(history, on)
    age = history.age_on(on) or 0.0
    return [round(age, 2), float(status == "CIN"), float(status == "EARLY_HELP"), *counts, *since]


def factors_at(
    history: ChildHistory,
    on: date,
    *,
    max_events: int = 10,
    recent: list[Evidence] | None = None,
) -> list[dict[str, Any]]:
    """The factors evidenced by ``on`` (last three years), each with its words, catalogue
    field, agencies, how often in the last 12 months, when last seen and the evidence ids."""
    grouped: dict[str, list[Evidence]] = {}
    for e in recent_evidence(history, on) if recent is None else recent:
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

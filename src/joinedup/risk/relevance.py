"""Which stored events any risk rule reads: a cheap screen applied before an event is parsed.

Most stored events say nothing about risk (a GP appointment for an illness, a routine health
visitor contact): reading a partnership spent most of its time building and testing them.
``may_matter`` is False only for events that no rule of ``joinedup.risk.factors`` (the
child's or an adult's evidence, a brother's or sister's social care, outcomes, social care
episodes) can use; the unit tests check that against the rules for every kind of event the
synthetic partnership writes, so the screen never changes a factor.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Table, and_, or_

from joinedup.risk.factors import (
    _ADULT_SIMPLE,
    _INJURIES,
    _MH_CONDITIONS,
    _SERIOUS_INJURIES,
)

_SOCIAL_CARE = frozenset(
    {
        "ASSESSMENT_FACTORS",
        "CONTACT",
        "REFERRAL",
        "S47_ENQUIRY",
        "EARLY_HELP",
        "MISSING_EPISODE",
        "NRM_REFERRAL",
        "CP_PLAN",
        "LOOKED_AFTER",
    }
)
_HEALTH_CODES = frozenset(
    _INJURIES
    | _SERIOUS_INJURIES
    | {"SELF_HARM", "OVERDOSE", "MISSED_APPOINTMENT", "ALCOHOL_INTOXICATION"}
    | {"MENTAL_HEALTH_CRISIS"}
)
_HEALTH_CONDITIONS = frozenset(_MH_CONDITIONS | {"ALCOHOL_DEPENDENCE", "DRUG_DEPENDENCE"})
_OTHER = frozenset(_ADULT_SIMPLE)


def may_matter(agency: str, source_table: str, event_type: str, codes: Iterable[str]) -> bool:
    """False only if no risk rule can read this event (conservative: True when unsure)."""
    if agency == "health":
        if source_table == "Condition":
            return event_type in _HEALTH_CONDITIONS
        return not _HEALTH_CODES.isdisjoint(codes)
    if agency == "social_care":
        return event_type in _SOCIAL_CARE
    if agency in ("police", "education"):
        return True
    return (agency, event_type) in _OTHER


def sql_screen(event: Table) -> ColumnElement[bool]:
    """``may_matter`` as far as a portable SQL condition can say it, so the rows no rule reads
    are not even fetched: health rows pass on a relevant condition type, a relevant first
    code, or a second code (left to ``may_matter``); other agencies on their event types."""
    c = event.c
    by_agency: dict[str, set[str]] = defaultdict(set)
    for agency, event_type in _OTHER:
        by_agency[agency].add(event_type)
    health = and_(
        c.agency_id == "health",
        or_(
            and_(c.source_table == "Condition", c.event_type.in_(sorted(_HEALTH_CONDITIONS))),
            and_(
                c.source_table != "Condition",
                or_(
                    c.codes[0].as_string().in_(sorted(_HEALTH_CODES)),
                    c.codes[1].as_string().is_not(None),
                ),
            ),
        ),
    )
    typed: list[Any] = [
        and_(c.agency_id == agency, c.event_type.in_(sorted(types)))
        for agency, types in sorted(by_agency.items())
    ]
    return or_(
        c.agency_id.in_(("police", "education")),
        and_(c.agency_id == "social_care", c.event_type.in_(sorted(_SOCIAL_CARE))),
        health,
        *typed,
    )

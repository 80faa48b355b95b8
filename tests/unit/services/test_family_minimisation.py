"""The family section of the single view shows only what the decision allows (issue 21): for
every field of the section, withheld alone, nothing of it is left: no title, no agency, no
date, no label, no count; and what is allowed is shown whole."""

from __future__ import annotations

import json
from datetime import date

import pytest

from joinedup.governance.access import Decision
from joinedup.services.family_view import FAMILY_ITEMS, sections

# One stored event per family item, each with its own date and words, and one the section
# never shows (a missing person report is no family item).
EVENTS = [
    {"agency_id": "police", "source_table": "incidents", "event_type": "DOMESTIC_ABUSE",
     "codes": ["DASH_HIGH"], "detail": {}, "occurred_on": date(2026, 1, 3), "ended_on": None},
    {"agency_id": "substance_misuse", "source_table": "events", "event_type": "RELAPSE",
     "codes": [], "detail": {}, "occurred_on": date(2026, 2, 5), "ended_on": None},
    {"agency_id": "health", "source_table": "Condition", "event_type": "ALCOHOL_DEPENDENCE",
     "codes": [], "detail": {}, "occurred_on": date(2025, 3, 7), "ended_on": None},
    {"agency_id": "adult_mental_health", "source_table": "events",
     "event_type": "CRISIS_TEAM_CONTACT", "codes": [], "detail": {},
     "occurred_on": date(2026, 4, 9), "ended_on": None},
    {"agency_id": "adult_mental_health", "source_table": "events",
     "event_type": "DETAINED_UNDER_MHA", "codes": [], "detail": {},
     "occurred_on": date(2026, 5, 11), "ended_on": date(2026, 6, 13)},
    {"agency_id": "health", "source_table": "Condition", "event_type": "PSYCHOSIS",
     "codes": [], "detail": {}, "occurred_on": date(2025, 7, 15), "ended_on": None},
    {"agency_id": "probation", "source_table": "events", "event_type": "MAPPA_LEVEL_2",
     "codes": [], "detail": {}, "occurred_on": date(2025, 8, 17), "ended_on": None},
    {"agency_id": "probation", "source_table": "events", "event_type": "LICENCE_START",
     "codes": [], "detail": {}, "occurred_on": date(2025, 9, 19), "ended_on": None},
    {"agency_id": "police", "source_table": "incidents", "event_type": "ASSAULT",
     "codes": [], "detail": {}, "occurred_on": date(2025, 10, 21), "ended_on": None},
    {"agency_id": "police", "source_table": "incidents", "event_type": "MISSING_PERSON",
     "codes": [], "detail": {}, "occurred_on": date(2025, 11, 23), "ended_on": None},
]  # fmt: skip
DAY_OF = {
    "police.domestic_abuse": "2026-01-03",
    "substance_misuse.treatment": "2026-02-05",
    "health.substance_misuse": "2025-03-07",
    "adult_mental_health.contacts": "2026-04-09",
    "adult_mental_health.detentions": "2026-05-11",
    "health.mental_health": "2025-07-15",
    "probation.mappa": "2025-08-17",
    "probation.orders": "2025-09-19",
    "police.incidents": "2025-10-21",
}


def _decision(allowed: set[str]) -> Decision:
    denied = frozenset(FAMILY_ITEMS) - allowed
    return Decision(
        allowed=bool(allowed),
        allowed_fields=frozenset(allowed),
        denied_fields=denied,
        withheld_categories=frozenset(),
        reasons=(),
        policy_ids=(),
        agreement_ids=(),
    )


def test_every_family_item_is_covered_by_the_oracle() -> None:
    assert set(DAY_OF) == set(FAMILY_ITEMS)


def test_everything_allowed_is_shown_and_nothing_else() -> None:
    shown = sections(EVENTS, _decision(set(FAMILY_ITEMS)))
    assert [s["field"] for s in shown] == list(FAMILY_ITEMS)
    for s in shown:
        assert [e["on"] for e in s["entries"]] == [DAY_OF[s["field"]]], s["field"]
    assert "2025-11-23" not in json.dumps(shown), "a missing person report is no family item"


@pytest.mark.parametrize("withheld", sorted(FAMILY_ITEMS))
def test_a_withheld_item_leaves_no_trace(withheld: str) -> None:
    shown = sections(EVENTS, _decision(set(FAMILY_ITEMS) - {withheld}))
    text = json.dumps(shown)
    assert withheld not in text
    assert FAMILY_ITEMS[withheld] not in text
    assert DAY_OF[withheld] not in text
    assert len(shown) == len(FAMILY_ITEMS) - 1
    assert sum(len(s["entries"]) for s in shown) == len(FAMILY_ITEMS) - 1
    # Every key of every section and entry is one the section always has: nothing more.
    for s in shown:
        assert set(s) == {"field", "title", "agency", "agency_name", "entries"}
        for e in s["entries"]:
            assert set(e) == {"on", "ended_on", "label"}


@pytest.mark.parametrize("only", sorted(FAMILY_ITEMS))
def test_only_the_allowed_item_is_shown(only: str) -> None:
    shown = sections(EVENTS, _decision({only}))
    assert [s["field"] for s in shown] == [only]
    text = json.dumps(shown)
    for other, day in DAY_OF.items():
        if other != only:
            assert day not in text and FAMILY_ITEMS[other] not in text


def test_nothing_allowed_is_no_section_at_all() -> None:
    assert sections(EVENTS, _decision(set())) == []

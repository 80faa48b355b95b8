"""Minimisation: a denied field is absent (not blank); sealed records stay sealed."""

from __future__ import annotations

from datetime import date

import pytest

from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import shipped_agreements
from joinedup.governance.minimisation import RESTRICTED, WITHHELD, minimise
from joinedup.governance.pdp import PolicyDecisionPoint

TODAY = date(2026, 11, 21)


@pytest.fixture(scope="module")
def pdp() -> PolicyDecisionPoint:
    return PolicyDecisionPoint(shipped_agreements())


def decide(pdp, **kw):
    values = dict(
        user_id="dsl-1",
        role="SCHOOL_DSL",
        agency="education",
        purpose="OPERATION_ENCOMPASS",
        child_id="C1",
        relationships=["TEAM_CASELOAD"],
        fields=[
            "education.attendance",
            "police.domestic_abuse",
            "police.incident_summaries",
            "health.mental_health",
            "police.incidents",
        ],
    )
    values.update(kw)
    return pdp.decide(AccessRequest.build(**values), today=TODAY)


RECORD = {
    "child_id": "C1",
    "education.attendance": [{"term": "2026-AUT", "sessions_possible": 120}],
    "police.domestic_abuse": [{"occurred_at": "2026-11-20T22:10Z", "dash_risk": "HIGH"}],
    "police.incident_summaries": ["Officers attended ..."],
    "police.incidents": [],  # denied and empty: nothing to say exists
    "health.mental_health": None,
    "internal_note": "not a catalogue field",
}


def test_denied_fields_are_absent_and_only_non_empty_ones_are_reported(pdp) -> None:
    decision = decide(pdp)
    assert decision.allowed_fields == {"education.attendance", "police.domestic_abuse"}
    shown = minimise(RECORD, decision)
    assert set(shown) == {"child_id", "education.attendance", "police.domestic_abuse", WITHHELD}
    assert shown["police.domestic_abuse"] == RECORD["police.domestic_abuse"]
    assert "police.incident_summaries" not in shown and "police.incidents" not in shown
    assert shown[WITHHELD] == ["Police: incident summaries (criminal offence data)"]


def test_nested_records_keep_their_shape(pdp) -> None:
    decision = decide(pdp)
    nested = {
        "child_id": "C1",
        "police": {"domestic_abuse": ["incident"], "incident_summaries": ["text"]},
        "health": {"mental_health": ["CRISIS"]},
    }
    shown = minimise(nested, decision)
    assert shown["police"] == {"domestic_abuse": ["incident"]}
    assert "health" not in shown
    assert shown[WITHHELD] == [
        "Health (integrated care board): mental health (special category)",
        "Police: incident summaries (criminal offence data)",
    ]


def test_a_sealed_record_is_restricted_even_if_the_pdp_was_not_told(pdp) -> None:
    decision = decide(pdp)  # the caller forgot to pass sealed=...
    shown = minimise({**RECORD, "sealed": "witness_protection"}, decision)
    assert shown == {"child_id": "C1", WITHHELD: [RESTRICTED]}


def test_an_explicit_rule_opens_an_adoption_record_and_nothing_else_does(pdp) -> None:
    record = {
        "child_id": "C9",
        "sealed": "adoption",
        "social_care.cp_plans": ["plan"],
        "education.attendance": ["..."],
    }
    social_worker = dict(
        user_id="sw-1",
        role="SOCIAL_WORKER",
        agency="social_care",
        purpose="LEAD_PRACTITIONER_CASEWORK",
        child_id="C9",
        relationships=["INVOLVED"],
        fields=["social_care.cp_plans", "education.attendance"],
        sealed=["adoption"],
    )
    opened = pdp.decide(AccessRequest.build(**social_worker), today=TODAY)
    assert opened.allowed_fields == {"social_care.cp_plans"}
    shown = minimise(record, opened)
    assert shown["social_care.cp_plans"] == ["plan"] and shown["sealed"] == ["adoption"]
    assert "education.attendance" not in shown
    # Break glass does not open a sealed record.
    glass = pdp.decide(
        AccessRequest.build(**{**social_worker, "relationships": [], "emergency": True}),
        today=TODAY,
    )
    assert glass.allowed_fields == set()
    assert minimise(record, glass) == {"child_id": "C9", WITHHELD: [RESTRICTED]}

"""The access matrix: every role x agency x purpose x relationship x field of the shipped
agreements, decided by the PDP (Cedar) and compared with the intended rules stated
independently in ``tests/support/governance_oracle.py``. Zero unintended allows, and no
unintended denies either."""

from __future__ import annotations

from datetime import date

import pytest

from joinedup.domain.agencies import AgencyId
from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import shipped_agreements
from joinedup.governance.catalogue import FIELDS
from joinedup.governance.pdp import PolicyDecisionPoint
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.governance.roles import ROLE_RULES, Role, SealedKind
from tests.support.governance_oracle import expected

TODAY = date(2026, 11, 21)
AGREEMENTS = shipped_agreements()
RELATIONSHIPS = [frozenset()] + [frozenset({r}) for r in Relationship]


@pytest.fixture(scope="module")
def pdp() -> PolicyDecisionPoint:
    return PolicyDecisionPoint(AGREEMENTS)


def agencies_for(role: Role) -> list[AgencyId]:
    """The role's own agencies, plus one it does not work in (the rule is the same for every
    agency outside, so one stands for all)."""
    home = sorted(ROLE_RULES[role].agencies)
    outside = sorted(set(AgencyId) - set(home))
    return home + outside[:1]


def request(role: Role, agency: AgencyId, purpose: Purpose, **kw) -> AccessRequest:
    return AccessRequest(
        user_id="u-matrix",
        role=role,
        agency=agency,
        team="team-1",
        purpose=purpose,
        child_id="child-1",
        fields=FIELDS,
        **kw,
    )


def compare(pdp: PolicyDecisionPoint, req: AccessRequest, unintended: list) -> int:
    decision = pdp.decide(req, today=TODAY)
    want = expected(req, AGREEMENTS, TODAY)
    assert decision.allowed_fields | decision.denied_fields == req.fields
    assert not decision.allowed_fields & decision.denied_fields
    for field in decision.allowed_fields - want:
        unintended.append(("ALLOW", req, field, decision.outcome(field).reasons))
    for field in want - decision.allowed_fields:
        unintended.append(("DENY", req, field, decision.outcome(field).reasons))
    return len(decision.allowed_fields)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_every_role_purpose_relationship_and_field(pdp: PolicyDecisionPoint, role: Role) -> None:
    unintended: list = []
    allowed = 0
    for agency in agencies_for(role):
        for purpose in Purpose:
            for relationships in RELATIONSHIPS:
                allowed += compare(
                    pdp, request(role, agency, purpose, relationships=relationships), unintended
                )
    assert unintended == [], f"{len(unintended)} unintended outcomes, first: {unintended[:3]}"
    # The matrix is not vacuous: every role but the administrator reaches something.
    assert (allowed > 0) == (role is not Role.ADMINISTRATOR)


@pytest.mark.parametrize("role", list(Role), ids=lambda r: r.value)
def test_emergency_and_sealed_matrix(pdp: PolicyDecisionPoint, role: Role) -> None:
    unintended: list = []
    for agency in agencies_for(role):
        for purpose in Purpose:
            compare(pdp, request(role, agency, purpose, emergency=True), unintended)
            for kind in (SealedKind.ADOPTION, SealedKind.WITNESS_PROTECTION):
                compare(
                    pdp,
                    request(
                        role,
                        agency,
                        purpose,
                        relationships=frozenset({Relationship.INVOLVED}),
                        sealed=frozenset({kind}),
                    ),
                    unintended,
                )
    assert unintended == [], f"{len(unintended)} unintended outcomes, first: {unintended[:3]}"

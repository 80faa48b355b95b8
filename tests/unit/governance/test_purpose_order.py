"""The shipped agreements read right in use (issue 21): no role sees more of a child under a
lesser purpose than under a greater one, the health safeguarding lead sees at least as much in
a child protection enquiry as in early help, the police safeguarding officer in the MASH opens a
child on the MASH's list without breaking the glass, and break glass for a missing child shows
social care's record of the child going missing and who to call."""

from __future__ import annotations

from datetime import date

import pytest

from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import shipped_agreements
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.pdp import PolicyDecisionPoint
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.governance.roles import ROLE_RULES, Role

TODAY = date(2026, 11, 21)
ALL = sorted(CATALOGUE)
# Lesser to greater: early help (voluntary, with consent in practice) < the lead
# practitioner's casework (s17, a plan, looked after) < MASH triage (is there a risk?) < a
# child protection enquiry (s47: reasonable cause to suspect significant harm).
ORDER = (
    Purpose.EARLY_HELP,
    Purpose.LEAD_PRACTITIONER_CASEWORK,
    Purpose.MASH_TRIAGE,
    Purpose.CHILD_PROTECTION_ENQUIRY,
)
EVERY_TIE = [r.value for r in (Relationship.INVOLVED, Relationship.TEAM_CASELOAD,
                               Relationship.MASH_TRIAGE)]  # fmt: skip


@pytest.fixture(scope="module")
def pdp() -> PolicyDecisionPoint:
    return PolicyDecisionPoint(shipped_agreements())


def shown(
    pdp: PolicyDecisionPoint,
    role: Role,
    agency: str,
    purpose: Purpose,
    *,
    relationships: list[str] = EVERY_TIE,
    emergency: bool = False,
) -> frozenset[str]:
    request = AccessRequest.build(
        user_id="u",
        role=role.value,
        agency=agency,
        purpose=purpose.value,
        child_id="C1",
        fields=ALL,
        relationships=relationships,
        emergency=emergency,
    )
    return pdp.decide(request, today=TODAY).allowed_fields


CASES = [
    (role, agency.value)
    for role, rule in ROLE_RULES.items()
    for agency in sorted(rule.agencies)
    if len([p for p in ORDER if p in rule.purposes]) > 1
]


@pytest.mark.parametrize(("role", "agency"), CASES, ids=[f"{r.value}-{a}" for r, a in CASES])
def test_no_role_sees_more_under_a_lesser_purpose(pdp, role: Role, agency: str) -> None:
    declared = [p for p in ORDER if p in ROLE_RULES[role].purposes]
    for lesser, greater in zip(declared, declared[1:], strict=False):
        lost = shown(pdp, role, agency, lesser) - shown(pdp, role, agency, greater)
        assert not lost, f"{role.value} in {agency} sees {sorted(lost)} under {lesser.value} "
        f"but not under {greater.value}"


def test_the_health_lead_sees_more_in_an_enquiry_than_in_early_help(pdp) -> None:
    early = shown(pdp, Role.HEALTH_SAFEGUARDING_LEAD, "health", Purpose.EARLY_HELP)
    s47 = shown(pdp, Role.HEALTH_SAFEGUARDING_LEAD, "health", Purpose.CHILD_PROTECTION_ENQUIRY)
    assert early < s47
    assert {"social_care.s47_enquiries", "police.domestic_abuse"} <= s47 - early


def test_the_police_officer_in_the_mash_opens_a_listed_child_without_break_glass(pdp) -> None:
    seen = shown(
        pdp,
        Role.POLICE_SAFEGUARDING_OFFICER,
        "police",
        Purpose.MASH_TRIAGE,
        relationships=[Relationship.MASH_TRIAGE.value],
    )
    assert {"social_care.identity", "social_care.contacts", "health.encounters"} <= seen
    # and only for a child on the MASH's list
    assert not shown(
        pdp, Role.POLICE_SAFEGUARDING_OFFICER, "police", Purpose.MASH_TRIAGE, relationships=[]
    )


MISSING = {"social_care.missing_episodes", "social_care.allocated_worker",
           "social_care.practitioner_contacts", "social_care.looked_after"}  # fmt: skip
BREAKERS = [
    (role, agency.value, purpose)
    for role, rule in ROLE_RULES.items()
    if rule.practitioner
    for agency in sorted(rule.agencies)
    for purpose in (Purpose.MASH_TRIAGE, Purpose.CHILD_PROTECTION_ENQUIRY)
    if purpose in rule.purposes
]


@pytest.mark.parametrize(
    ("role", "agency", "purpose"),
    BREAKERS,
    ids=[f"{r.value}-{a}-{p.value}" for r, a, p in BREAKERS],
)
def test_break_glass_for_a_missing_child_shows_social_care(
    pdp, role: Role, agency: str, purpose: Purpose
) -> None:
    seen = shown(pdp, role, agency, purpose, relationships=[], emergency=True)
    assert seen >= MISSING, f"missing: {sorted(MISSING - seen)}"

"""The intended access rules, stated again in plain Python, independently of the PDP.

The access matrix and the property tests compare every PDP decision with ``expected``. The
rule tables below are written out literally (not imported from ``joinedup.governance``), so
a wrong entry in the code's role table, a compiler bug or a Cedar quirk shows up as a
difference. Only data is shared with the code: the catalogue of fields (which agency, free
text or not) and the agreements themselves.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from joinedup.governance.access import AccessRequest
from joinedup.governance.agreements import Agreement
from joinedup.governance.catalogue import CATALOGUE

ALL = {
    "social_care",
    "health",
    "police",
    "education",
    "housing",
    "probation",
    "substance_misuse",
    "adult_mental_health",
}
ROLE_AGENCIES = {
    "MASH_PRACTITIONER": ALL,
    "SOCIAL_WORKER": {"social_care"},
    "POLICE_SAFEGUARDING_OFFICER": {"police"},
    "HEALTH_SAFEGUARDING_LEAD": {"health", "adult_mental_health", "substance_misuse"},
    "SCHOOL_DSL": {"education"},
    "PRIVACY_OFFICER": ALL,
    "PARTNERSHIP_ANALYST": ALL,
    "ADMINISTRATOR": ALL,
}
ROLE_PURPOSES = {
    "MASH_PRACTITIONER": {"MASH_TRIAGE", "CHILD_PROTECTION_ENQUIRY", "CHILD_MOVED_AREA"},
    "SOCIAL_WORKER": {"CHILD_PROTECTION_ENQUIRY", "LEAD_PRACTITIONER_CASEWORK", "EARLY_HELP"},
    "POLICE_SAFEGUARDING_OFFICER": {
        "MASH_TRIAGE",
        "CHILD_PROTECTION_ENQUIRY",
        "OPERATION_ENCOMPASS",
    },
    "HEALTH_SAFEGUARDING_LEAD": {
        "CHILD_PROTECTION_ENQUIRY",
        "EARLY_HELP",
        "LEAD_PRACTITIONER_CASEWORK",
        "OPERATION_ENCOMPASS",  # children's health, where the protocol tells them (issue 21)
    },
    "SCHOOL_DSL": {"EARLY_HELP", "LEAD_PRACTITIONER_CASEWORK", "OPERATION_ENCOMPASS"},
    "PRIVACY_OFFICER": {"SUBJECT_ACCESS", "AUDIT"},
    "PARTNERSHIP_ANALYST": {"STATUTORY_RETURN"},
    "ADMINISTRATOR": set(),
}
PRACTITIONERS = {
    "MASH_PRACTITIONER",
    "SOCIAL_WORKER",
    "POLICE_SAFEGUARDING_OFFICER",
    "HEALTH_SAFEGUARDING_LEAD",
    "SCHOOL_DSL",
}
# The relationships each purpose needs (any one of); absent: none needed.
NEEDS = {
    "MASH_TRIAGE": {"MASH_TRIAGE"},
    "CHILD_MOVED_AREA": {"MASH_TRIAGE"},  # issue 24: the receiving MASH
    "CHILD_PROTECTION_ENQUIRY": {"INVOLVED", "TEAM_CASELOAD", "MASH_TRIAGE"},
    "EARLY_HELP": {"INVOLVED", "TEAM_CASELOAD"},
    "LEAD_PRACTITIONER_CASEWORK": {"INVOLVED", "TEAM_CASELOAD"},
    "OPERATION_ENCOMPASS": {"INVOLVED", "TEAM_CASELOAD"},
    "SUBJECT_ACCESS": {"SUBJECT_ACCESS_REQUEST"},
    "AUDIT": {"ACCESS_REVIEW"},
}
SAFEGUARDING = {"MASH_TRIAGE", "CHILD_PROTECTION_ENQUIRY", "LEAD_PRACTITIONER_CASEWORK"}
SHARED_PURPOSES = {
    "MASH_TRIAGE",
    "CHILD_MOVED_AREA",
    "CHILD_PROTECTION_ENQUIRY",
    "EARLY_HELP",
    "LEAD_PRACTITIONER_CASEWORK",
    "OPERATION_ENCOMPASS",
}


def own_record_allows(purpose: str, field: str) -> bool:
    item = CATALOGUE[field]
    if purpose == "STATUTORY_RETURN":
        return not item.free_text
    if purpose == "AUDIT":
        return item.item == "identity"
    return True


def sealed_opened(request: AccessRequest, field: str) -> bool:
    """Only adoption has an opening rule: the involved social worker, casework, own data."""
    kinds = {s.value for s in request.sealed}
    if not kinds:
        return True
    if kinds != {"adoption"}:
        return False
    return (
        request.role.value == "SOCIAL_WORKER"
        and request.agency.value == "social_care"
        and request.purpose.value == "LEAD_PRACTITIONER_CASEWORK"
        and "INVOLVED" in {r.value for r in request.relationships}
        and field.startswith("social_care.")
    )


def expected(request: AccessRequest, agreements: Iterable[Agreement], today: date) -> set[str]:
    """The fields the intended rules allow for ``request`` on ``today``."""
    role, agency, purpose = request.role.value, request.agency.value, request.purpose.value
    relationships = {r.value for r in request.relationships}
    if agency not in ROLE_AGENCIES[role] or purpose not in ROLE_PURPOSES[role]:
        return set()
    if request.emergency and (purpose not in SAFEGUARDING or role not in PRACTITIONERS):
        return set()
    if purpose in NEEDS and not request.emergency and not relationships & NEEDS[purpose]:
        return set()
    in_force = [
        a
        for a in agreements
        if a.status.value == "active"
        and a.effective_from <= today
        and (a.expires_on is None or today <= a.expires_on)
    ]
    allowed = set()
    for field in request.fields:
        if not sealed_opened(request, field):
            continue
        source = CATALOGUE[field].agency.value
        if source == agency:
            if own_record_allows(purpose, field):
                allowed.add(field)
            continue
        if purpose not in SHARED_PURPOSES:
            continue
        for a in in_force:
            for flow in a.flows:
                if (
                    flow.source.value == source
                    and agency in {x.value for x in flow.recipients}
                    and role in {x.value for x in flow.recipient_roles}
                    and purpose in {x.value for x in flow.purposes}
                    and field in flow.fields
                ):
                    allowed.add(field)
    return allowed

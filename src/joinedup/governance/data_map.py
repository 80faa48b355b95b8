"""Which catalogue field each stored datum belongs to.

The catalogue (``catalogue.py``) names data as ``<agency>.<item>``; the store keeps events,
person records and involvements in agency-neutral tables. This module is the one place that
says, for a stored event or attribute, which field it is, so that the gate can decide on it
and minimisation can drop it. A datum this map does not know is not shown (fail closed):
``event_field`` returns None and the caller leaves the event out.
"""

from __future__ import annotations

from collections.abc import Iterable

from joinedup.governance.catalogue import CATALOGUE

_SSD_TABLE_ITEM = {
    "ssd_contacts": "contacts",
    "ssd_cin_episodes": "cin_episodes",
    "ssd_cin_assessments": "assessments",
    "ssd_assessment_factors": "assessments",
    "ssd_s47_enquiry": "s47_enquiries",
    "ssd_cp_plans": "cp_plans",
    "ssd_cla_episodes": "looked_after",
    "ssd_missing": "missing_episodes",
    "ssd_nrm_referrals": "nrm_referrals",
    "ssd_early_help_episodes": "early_help",
}
# The returns social care already makes (CIN census, SSDA903, Annex A) keep episodes of
# several kinds in one table, so their events are placed by type.
_RETURN_TABLES = ("cin_child", "ssda903_", "annex_a_")
_RETURN_EVENT_ITEM = {
    "CONTACT": "contacts",
    "REFERRAL": "cin_episodes",
    "CHILD_IN_NEED": "cin_episodes",
    "CIN_PLAN": "cin_episodes",
    "ASSESSMENT": "assessments",
    "ASSESSMENT_FACTORS": "assessments",
    "S47_ENQUIRY": "s47_enquiries",
    "CP_PLAN": "cp_plans",
    "LOOKED_AFTER": "looked_after",
    "CLA_REVIEW": "looked_after",
    "UASC_CEASED": "looked_after",
    "MISSING_EPISODE": "missing_episodes",
    "NRM_REFERRAL": "nrm_referrals",
    "EARLY_HELP": "early_help",
}
_MENTAL_HEALTH = {
    "DEPRESSION",
    "ANXIETY",
    "PSYCHOSIS",
    "PERSONALITY_DISORDER",
    "PERINATAL_MENTAL_HEALTH",
    "EATING_DISORDER",
    "SELF_HARM",
}
_SUBSTANCE = {"ALCOHOL_DEPENDENCE", "DRUG_DEPENDENCE", "ALCOHOL_INTOXICATION"}
_SEXUAL_HEALTH = {"SEXUAL_HEALTH", "PREGNANCY"}
_DISABILITY = {"LEARNING_DISABILITY", "PHYSICAL_DISABILITY"}

# The field that says who a child's practitioner is in each agency (the involvement tables).
LEAD_FIELD = {
    "social_care": "social_care.allocated_worker",
    "health": "health.gp_practice",
    "education": "education.school",
    "housing": "housing.key_worker",
    "probation": "probation.key_worker",
    "substance_misuse": "substance_misuse.key_worker",
    "adult_mental_health": "adult_mental_health.key_worker",
}

# The field that holds those practitioners' work contact details (phone, secure email): the
# agreements decide it apart from the name, so a partner may know who, and how to reach them.
CONTACTS_FIELD = {agency: f"{agency}.practitioner_contacts" for agency in LEAD_FIELD}


def _known(name: str | None) -> str | None:
    return name if name in CATALOGUE else None


def event_field(
    agency: str, source_table: str, event_type: str, codes: Iterable[str]
) -> str | None:
    """The field an event is shown under, or None when no field covers it."""
    codes = {str(c).upper() for c in codes or ()}
    if agency == "social_care":
        item = _SSD_TABLE_ITEM.get(source_table)
        if item is None and source_table.startswith(_RETURN_TABLES):
            item = _RETURN_EVENT_ITEM.get(event_type)
        return _known(f"social_care.{item}") if item else None
    if agency == "health":
        if source_table == "Condition":
            if event_type in _MENTAL_HEALTH:
                return "health.mental_health"
            if event_type in _SUBSTANCE:
                return "health.substance_misuse"
            if event_type in _DISABILITY:
                return "health.conditions"
            return None
        if source_table == "Encounter":
            if codes & _SEXUAL_HEALTH:
                return "health.sexual_health"
            if codes & _SUBSTANCE or codes & {"OVERDOSE"}:
                return "health.substance_misuse"
            if codes & {"SELF_HARM", "MENTAL_HEALTH_CRISIS"}:
                return "health.mental_health"
            return "health.encounters"
        return None
    if agency == "police":
        if event_type == "DOMESTIC_ABUSE":
            return "police.domestic_abuse"
        if event_type == "MISSING_PERSON":
            return "police.missing_reports"
        return "police.incidents"
    if agency == "education":
        if source_table == "attendance":
            return "education.attendance"
        if source_table == "exclusions":
            return "education.exclusions"
        return None
    if agency == "housing":
        return "housing.tenancy_events"
    if agency == "probation":
        if event_type.startswith("MAPPA"):
            return "probation.mappa"
        if event_type.endswith("PROGRAMME"):
            return "probation.programmes"
        return "probation.orders"
    if agency == "substance_misuse":
        return "substance_misuse.treatment"
    if agency == "adult_mental_health":
        if event_type == "DETAINED_UNDER_MHA":
            return "adult_mental_health.detentions"
        return "adult_mental_health.contacts"
    return None


def identity_field(agency: str) -> str | None:
    return _known(f"{agency}.identity")


def attribute_fields(agency: str) -> dict[str, str]:
    """Person-record attributes and the field each belongs to."""
    if agency == "education":
        return {
            "urn": "education.school",
            "entry_date": "education.school",
            "fsm_eligible": "education.free_school_meals",
            "sen_provision": "education.sen_provision",
            "ethnicity": "education.ethnicity",
        }
    if agency == "social_care":
        return {"ethnicity": "social_care.ethnicity"}
    if agency == "police":
        return {"pnc_id": "police.pnc_reference"}
    return {}

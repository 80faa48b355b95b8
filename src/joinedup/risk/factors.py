"""Risk factors: what each recorded event evidences about a child, in the practitioner's words.

Pure data and functions (no ORM, no web). An ``AgencyEvent`` is one row of the store's
``event`` table already tied to a linked person. ``evidence_of`` says which factors it
evidences, dated when the platform could first have known it (an attendance term counts from
the end of the term, not its start): factors at a date use only evidence dated on or before
it, so nothing leaks from the future. Each factor names the catalogue field its evidence comes
from (``joinedup.governance.catalogue``) so a reader's policy can withhold it.

The taxonomy: the CIN census assessment factors (grouped as practitioners read them), the
Supporting Families headline problems (``headline``), and signals from partner agencies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

CHILD = "child"  # evidence recorded about the child
HOUSEHOLD = "household"  # evidence recorded about an adult living with the child


@dataclass(frozen=True, slots=True)
class FactorDef:
    code: str
    label: str  # in words, as a practitioner would say it
    field: str  # catalogue field of the evidence
    headline: str  # Supporting Families headline problem
    whose: str = CHILD


_F = FactorDef
FACTORS: dict[str, FactorDef] = {
    f.code: f
    for f in (
        # --- CIN assessment factors (social care assessments) ----------------------------
        _F("cin_domestic_abuse", "assessment found domestic abuse", "social_care.assessments",
           "Safe from domestic abuse"),
        _F("cin_parental_mental_health", "assessment found parental mental ill-health",
           "social_care.assessments", "Improved mental and physical health"),
        _F("cin_parental_substance", "assessment found parental drug or alcohol misuse",
           "social_care.assessments", "Substance use"),
        _F("cin_neglect", "assessment found neglect", "social_care.assessments",
           "Children safe from abuse and exploitation"),
        _F("cin_emotional_abuse", "assessment found emotional abuse", "social_care.assessments",
           "Children safe from abuse and exploitation"),
        _F("cin_physical_abuse", "assessment found physical abuse", "social_care.assessments",
           "Children safe from abuse and exploitation"),
        _F("cin_sexual_abuse", "assessment found sexual abuse", "social_care.assessments",
           "Children safe from abuse and exploitation"),
        _F("cin_exploitation", "assessment found going missing, CSE, CCE or gangs",
           "social_care.assessments", "Children safe from abuse and exploitation"),
        _F("cin_child_mental_health", "assessment found the child's mental health or self-harm",
           "social_care.assessments", "Improved mental and physical health"),
        _F("cin_child_substance", "assessment found the child's drug or alcohol use",
           "social_care.assessments", "Substance use"),
        _F("cin_other_factor", "assessment found another factor", "social_care.assessments",
           "Family relationships"),
        _F("cin_no_factor", "assessment found no factors", "social_care.assessments",
           "Family relationships"),
        # --- social care history -------------------------------------------------------
        _F("sc_contact", "contact to children's social care", "social_care.contacts",
           "Children safe from abuse and exploitation"),
        _F("sc_referral", "referral to children's social care", "social_care.cin_episodes",
           "Children safe from abuse and exploitation"),
        _F("sc_s47", "section 47 enquiry", "social_care.s47_enquiries",
           "Children safe from abuse and exploitation"),
        _F("sc_previous_cp_plan", "child protection plan in the past", "social_care.cp_plans",
           "Children safe from abuse and exploitation"),
        _F("sc_previous_care", "looked after in the past", "social_care.looked_after",
           "Children safe from abuse and exploitation"),
        _F("sc_early_help", "early help episode", "social_care.early_help",
           "Family relationships"),
        _F("sc_missing_episode", "missing from home or care", "social_care.missing_episodes",
           "Children safe from abuse and exploitation"),
        _F("sc_nrm_referral", "referred to the National Referral Mechanism",
           "social_care.nrm_referrals", "Children safe from abuse and exploitation"),
        _F("exploitation_association", "seen with an adult also seen with other children "
           "who go missing or are exploited", "police.incidents",
           "Children safe from abuse and exploitation"),
        # --- health (the child) -------------------------------------------------------
        _F("injury_under_2", "A&E attendance for an injury under 2 years old",
           "health.encounters", "Children safe from abuse and exploitation"),
        _F("injury_attendance", "A&E attendance for an injury", "health.encounters",
           "Children safe from abuse and exploitation"),
        _F("missed_health_appointment", "missed health appointment", "health.encounters",
           "Improved mental and physical health"),
        _F("child_self_harm", "self-harm or overdose", "health.mental_health",
           "Improved mental and physical health"),
        # --- police (the child) --------------------------------------------------------
        _F("da_child_present", "police domestic abuse incident with the child present",
           "police.domestic_abuse", "Safe from domestic abuse"),
        _F("da_high_risk", "domestic abuse incident assessed HIGH risk (DASH)",
           "police.domestic_abuse", "Safe from domestic abuse"),
        _F("police_missing", "reported missing to police", "police.missing_reports",
           "Children safe from abuse and exploitation"),
        _F("exploitation_victim", "victim of sexual or criminal exploitation or online harm",
           "police.incidents", "Children safe from abuse and exploitation"),
        _F("concern_for_welfare", "police concern for welfare", "police.incidents",
           "Children safe from abuse and exploitation"),
        _F("child_offending", "suspected of an offence or anti-social behaviour",
           "police.incidents", "Crime prevention and tackling crime"),
        # --- education ------------------------------------------------------------------
        _F("persistent_absence", "persistent absence (10% or more of a term)",
           "education.attendance", "Getting a good education"),
        _F("severe_absence", "severe absence (50% or more of a term)", "education.attendance",
           "Getting a good education"),
        _F("suspension", "suspended from school", "education.exclusions",
           "Getting a good education"),
        _F("permanent_exclusion", "permanently excluded from school", "education.exclusions",
           "Getting a good education"),
        # --- adults in the household ------------------------------------------------------
        _F("hh_domestic_abuse", "adult in the household in a police domestic abuse incident",
           "police.domestic_abuse", "Safe from domestic abuse", HOUSEHOLD),
        _F("hh_da_perpetrator_programme", "adult in the household on a domestic abuse "
           "perpetrator programme", "probation.programmes", "Safe from domestic abuse",
           HOUSEHOLD),
        _F("hh_mappa", "adult in the household managed under MAPPA", "probation.mappa",
           "Crime prevention and tackling crime", HOUSEHOLD),
        _F("hh_probation", "adult in the household known to probation", "probation.orders",
           "Crime prevention and tackling crime", HOUSEHOLD),
        _F("hh_substance_treatment", "adult in the household in drug or alcohol treatment",
           "substance_misuse.treatment", "Substance use", HOUSEHOLD),
        _F("hh_substance_health", "adult in the household with alcohol or drug dependence",
           "health.substance_misuse", "Substance use", HOUSEHOLD),
        _F("hh_drugs_police", "adult in the household suspected of a drugs offence",
           "police.incidents", "Substance use", HOUSEHOLD),
        _F("hh_mental_health_crisis", "adult in the household in mental health crisis",
           "health.mental_health", "Improved mental and physical health", HOUSEHOLD),
        _F("hh_mental_health_condition", "adult in the household with a mental health "
           "condition", "health.mental_health", "Improved mental and physical health",
           HOUSEHOLD),
        _F("hh_mental_health_service", "adult in the household known to mental health "
           "services", "adult_mental_health.contacts", "Improved mental and physical health",
           HOUSEHOLD),
        _F("hh_mha_detention", "adult in the household detained under the Mental Health Act",
           "adult_mental_health.detentions", "Improved mental and physical health", HOUSEHOLD),
        _F("hh_sibling_social_care", "a brother or sister referred, on a plan or in care",
           "social_care.cin_episodes", "Children safe from abuse and exploitation", HOUSEHOLD),
        _F("hh_housing_crisis", "household homeless, evicted or in temporary accommodation",
           "housing.tenancy_events", "Secure housing", HOUSEHOLD),
        _F("hh_housing_stress", "household rent arrears or overcrowding",
           "housing.tenancy_events", "Financial stability", HOUSEHOLD),
    )
}  # fmt: skip

_CIN_GROUPS = {
    "cin_domestic_abuse": ("3A", "3B", "3C"),
    "cin_parental_mental_health": ("4B", "4C"),
    "cin_parental_substance": ("1B", "1C", "2B", "2C"),
    "cin_neglect": ("16A",),
    "cin_emotional_abuse": ("17A",),
    "cin_physical_abuse": ("18A", "18B", "18C"),
    "cin_sexual_abuse": ("19A", "19B", "19C"),
    "cin_exploitation": ("10A", "11A", "12A", "15A", "24A"),
    "cin_child_mental_health": ("4A",),
    "cin_child_substance": ("1A", "2A"),
    "cin_no_factor": ("21",),
}
CIN_FACTOR_OF = {code: factor for factor, codes in _CIN_GROUPS.items() for code in codes}
_INJURIES = {"INJURY", "FRACTURE", "BURN", "HEAD_INJURY", "INGESTION"}
_SERIOUS_INJURIES = {"HEAD_INJURY", "FRACTURE"}
_MH_CONDITIONS = {
    "DEPRESSION",
    "ANXIETY",
    "PSYCHOSIS",
    "PERSONALITY_DISORDER",
    "PERINATAL_MENTAL_HEALTH",
}
_TERM_END = {"AUT": (12, 20), "SPR": (4, 1), "SUM": (7, 22)}  # (month, day) the term ends
PERSISTENT, SEVERE = 0.10, 0.50
# The agencies whose event ``detail`` the rules below read (police incident ids, attendance
# terms and rates): readers may skip parsing the detail of every other agency's events.
DETAIL_AGENCIES = frozenset({"police", "education"})


@dataclass(frozen=True, slots=True)
class AgencyEvent:
    """One stored event of one linked person (plain data)."""

    id: int
    agency: str
    source_table: str
    event_type: str
    occurred_on: date
    role: str | None = None
    codes: tuple[str, ...] = ()
    detail: dict[str, Any] = field(default_factory=dict)
    ended_on: date | None = None


@dataclass(frozen=True, slots=True)
class Evidence:
    """One event evidencing one factor, known from ``known_on``."""

    factor: str
    known_on: date
    event_id: int
    agency: str
    weight: float = 1.0  # e.g. DASH level; counts otherwise
    key: str = ""  # de-duplicates one incident seen through several people


def known_on(ev: AgencyEvent) -> date:
    """When the platform could first know an event: attendance totals at the end of term."""
    if ev.event_type == "ATTENDANCE":
        term = str((ev.detail or {}).get("term") or (ev.codes[0] if ev.codes else ""))
        year, _, part = term.partition("-")
        if part in _TERM_END and year.isdigit():
            month, day = _TERM_END[part]
            return date(int(year), month, day)
        return ev.occurred_on + timedelta(days=100)
    return ev.occurred_on


def _child_evidence(ev: AgencyEvent, dob: date | None) -> list[tuple[str, float, str]]:
    t, agency, role = ev.event_type, ev.agency, ev.role
    codes = set(ev.codes)
    if agency == "social_care":
        if t == "ASSESSMENT_FACTORS":
            found = {CIN_FACTOR_OF.get(c, "cin_other_factor") for c in ev.codes}
            return [(f, 1.0, "") for f in sorted(found)]
        simple = {
            "CONTACT": "sc_contact",
            "REFERRAL": "sc_referral",
            "S47_ENQUIRY": "sc_s47",
            "EARLY_HELP": "sc_early_help",
            "MISSING_EPISODE": "sc_missing_episode",
            "NRM_REFERRAL": "sc_nrm_referral",
        }
        return [(simple[t], 1.0, "")] if t in simple else []
    if agency == "health":
        if ev.source_table != "Encounter":
            return []
        if t == "EMER" and codes & _INJURIES:
            young = dob is not None and (ev.occurred_on - dob).days < 730
            return [("injury_under_2" if young else "injury_attendance", 1.0, "")]
        if codes & {"SELF_HARM", "OVERDOSE"}:
            return [("child_self_harm", 1.0, "")]
        if "MISSED_APPOINTMENT" in codes:
            return [("missed_health_appointment", 1.0, "")]
        return []
    if agency == "police":
        incident = str((ev.detail or {}).get("incident_id", ev.id))
        if t == "DOMESTIC_ABUSE":
            out = [("da_child_present", 1.0, incident)]
            if "HIGH" in codes:
                out.append(("da_high_risk", 1.0, incident))
            return out
        if t == "MISSING_PERSON":
            return [("police_missing", 1.0, incident)]
        if t in {"CHILD_SEXUAL_EXPLOITATION", "CHILD_CRIMINAL_EXPLOITATION", "ONLINE_HARM"}:
            return [("exploitation_victim", 1.0, incident)]
        if t == "CONCERN_FOR_WELFARE":
            return [("concern_for_welfare", 1.0, incident)]
        if role == "SUSPECT":
            return [("child_offending", 1.0, incident)]
        return []
    if agency == "education":
        if t == "ATTENDANCE":
            rate = float((ev.detail or {}).get("absence_rate") or 0.0)
            out = [("persistent_absence", 1.0, "")] if rate >= PERSISTENT else []
            return out + ([("severe_absence", 1.0, "")] if rate >= SEVERE else [])
        if t == "EXCLUSION_PERM":
            return [("permanent_exclusion", 1.0, "")]
        if t.startswith("EXCLUSION"):
            return [("suspension", 1.0, "")]
    return []


_ADULT_SIMPLE = {
    ("probation", "DOMESTIC_ABUSE_PERPETRATOR_PROGRAMME"): "hh_da_perpetrator_programme",
    ("probation", "MAPPA_LEVEL_1"): "hh_mappa",
    ("probation", "MAPPA_LEVEL_2"): "hh_mappa",
    ("probation", "MAPPA_LEVEL_3"): "hh_mappa",
    ("probation", "ORDER_START"): "hh_probation",
    ("probation", "LICENCE_START"): "hh_probation",
    ("probation", "RECALL"): "hh_probation",
    ("substance_misuse", "TREATMENT_START"): "hh_substance_treatment",
    ("substance_misuse", "TREATMENT_DROPOUT"): "hh_substance_treatment",
    ("substance_misuse", "RELAPSE"): "hh_substance_treatment",
    ("adult_mental_health", "REFERRAL"): "hh_mental_health_service",
    ("adult_mental_health", "CRISIS_TEAM_CONTACT"): "hh_mental_health_service",
    ("adult_mental_health", "CARE_COORDINATOR_ASSIGNED"): "hh_mental_health_service",
    ("adult_mental_health", "DETAINED_UNDER_MHA"): "hh_mha_detention",
    ("housing", "HOMELESS_APPLICATION"): "hh_housing_crisis",
    ("housing", "EVICTION_NOTICE"): "hh_housing_crisis",
    ("housing", "TEMPORARY_ACCOMMODATION"): "hh_housing_crisis",
    ("housing", "RENT_ARREARS"): "hh_housing_stress",
    ("housing", "OVERCROWDING"): "hh_housing_stress",
}


def _adult_evidence(ev: AgencyEvent) -> list[tuple[str, float, str]]:
    t, agency, codes = ev.event_type, ev.agency, set(ev.codes)
    simple = _ADULT_SIMPLE.get((agency, t))
    if simple:
        return [(simple, 1.0, "")]
    if agency == "police":
        incident = str((ev.detail or {}).get("incident_id", ev.id))
        if t == "DOMESTIC_ABUSE":
            return [("hh_domestic_abuse", 1.0, incident)]
        if t == "DRUGS" and ev.role == "SUSPECT":
            return [("hh_drugs_police", 1.0, incident)]
        return []
    if agency == "health":
        if ev.source_table == "Condition":
            if t in {"ALCOHOL_DEPENDENCE", "DRUG_DEPENDENCE"}:
                return [("hh_substance_health", 1.0, "")]
            if t in _MH_CONDITIONS:
                return [("hh_mental_health_condition", 1.0, "")]
            return []
        if codes & {"ALCOHOL_INTOXICATION"}:
            return [("hh_substance_health", 1.0, "")]
        if codes & {"MENTAL_HEALTH_CRISIS", "SELF_HARM", "OVERDOSE"}:
            return [("hh_mental_health_crisis", 1.0, "")]
    return []


_SIBLING_EVENTS = {"REFERRAL", "S47_ENQUIRY", "CP_PLAN", "LOOKED_AFTER"}


def sibling_evidence(ev: AgencyEvent) -> list[Evidence]:
    """A brother's or sister's referral, enquiry, plan or care evidences risk for the child."""
    if ev.agency == "social_care" and ev.event_type in _SIBLING_EVENTS:
        return [Evidence("hh_sibling_social_care", ev.occurred_on, ev.id, ev.agency)]
    return []


def evidence_of(ev: AgencyEvent, *, dob: date | None, adult: bool) -> list[Evidence]:
    """The factors ``ev`` evidences for a child: about the child itself (``adult=False``) or
    about an adult living with the child (``adult=True``)."""
    found = _adult_evidence(ev) if adult else _child_evidence(ev, dob)
    when = known_on(ev)
    return [Evidence(code, when, ev.id, ev.agency, w, key) for code, w, key in found]


def is_outcome(ev: AgencyEvent, dob: date | None) -> str | None:
    """The statutory outcome an event records, if any: a CP plan or care starting, or a
    serious incident (admission of an under-5 for a head injury or fracture)."""
    if ev.agency == "social_care" and ev.event_type in {"CP_PLAN", "LOOKED_AFTER"}:
        return ev.event_type
    if (
        ev.agency == "health"
        and ev.source_table == "Encounter"
        and ev.event_type == "IMP"
        and set(ev.codes) & _SERIOUS_INJURIES
        and dob is not None
        and (ev.occurred_on - dob).days < 5 * 365
    ):
        return "SERIOUS_INCIDENT"
    return None


def open_statutory(ev: AgencyEvent, on: date) -> str | None:
    """``CP_PLAN``/``LOOKED_AFTER`` if the event is one open on ``on``; ``CIN`` for an open
    referral (the child is already open to social care)."""
    if ev.agency != "social_care" or ev.occurred_on > on:
        return None
    if ev.ended_on is not None and ev.ended_on <= on:
        return None
    if ev.event_type in {"CP_PLAN", "LOOKED_AFTER"}:
        return ev.event_type
    if ev.event_type in {"REFERRAL", "EARLY_HELP"}:
        return "CIN" if ev.event_type == "REFERRAL" else "EARLY_HELP"
    return None


def previous_statutory(ev: AgencyEvent, on: date) -> list[Evidence]:
    """A CP plan or care episode that ended on or before ``on`` (history, not an outcome)."""
    if ev.agency != "social_care" or ev.ended_on is None or ev.ended_on > on:
        return []
    code = {"CP_PLAN": "sc_previous_cp_plan", "LOOKED_AFTER": "sc_previous_care"}.get(ev.event_type)
    return [Evidence(code, ev.ended_on, ev.id, ev.agency)] if code else []

"""The alert rules: declarative, versioned, each with its owner, purpose and lawful basis.

A rule says which new events it looks at (``triggers``), what must also be true (its
``condition``, evaluated by ``joinedup.alerts.evaluate``), to whom it goes (the child's lead
practitioner in ``recipient_agency``, else ``fallback_agency``, else that agency's duty
team, else the MASH), what it may show (catalogue ``fields``, cut down by governance for
the recipient and ``purpose``) and how soon it must be acknowledged. Plain data, of the
shape ``alerts.rule`` declares (``Rule`` and its triggers are importable from here too).
"""

from __future__ import annotations

from joinedup.alerts.clock import Deadline
from joinedup.alerts.rule import EscalationTriggers, Rule, Trigger
from joinedup.domain.agencies import AgencyId
from joinedup.governance.purposes import Purpose

__all__ = ["RECIPIENT_ROLE", "RULES", "EscalationTriggers", "Rule", "Trigger",
           "rules_for", "trigger_event_types"]  # fmt: skip

A = AgencyId
P = Purpose
EXCHANGE_BASIS = (
    "UK GDPR Art 6(1)(e) public task; Children Act 2004 s11 and Children Act 1989 s47; the "
    "agreement between the two partnerships (joinedup.exchange.terms)"
)
CASEWORK_BASIS = (
    "UK GDPR Art 6(1)(e) public task; Children Act 1989 s17/s47 and Children Act 2004 s11; "
    "DPA 2018 Sch 1 para 18 (safeguarding children) for special category data"
)
ENCOMPASS_BASIS = (
    "UK GDPR Art 6(1)(e) public task; DPA 2018 Part 3 and Sch 1 para 18; Children Act "
    "2004 s11; Education Act 2002 s175 (agreement EXM-OE-002)"
)

# Exchange between partnerships (issue 24): the receiving MASH hears of a matched child's
# summary, of a transfer-in (a child on a plan or looked after in the other area) at once,
# and of a transfer-in conference not held in time (see joinedup.services.exchange).
EXCHANGE_RULES = tuple(
    Rule(
        rule_id,
        1,
        title,
        description,
        "MASH manager, Exampleshire",
        Purpose.CHILD_MOVED_AREA,
        EXCHANGE_BASIS,
        (),
        AgencyId.SOCIAL_CARE,
        (),
        deadline,
    )  # fmt: skip
    for rule_id, title, description, deadline in (
        (
            "EXCHANGE_SUMMARY",
            "Another partnership knows a child now in your area",
            "A child in your area matched, on encodings only, a child another partnership "
            "knows; its signed summary (current plans, lead practitioners, recent concerns) "
            "is on the child's exchange page.",
            Deadline.ONE_WORKING_DAY,
        ),
        (
            "TRANSFER_IN",
            "A child on a plan or looked after has moved into your area",
            "The other area says the child is on a child protection plan or looked after: a "
            "transfer-in case is open and the transfer-in conference is due within 15 "
            "working days.",
            Deadline.ONE_HOUR,
        ),
        (
            "TRANSFER_IN_OVERDUE",
            "A transfer-in conference is overdue",
            "A transfer-in case passed its 15 working days without the conference held.",
            Deadline.ONE_HOUR,
        ),
    )
)


RULES: dict[str, Rule] = {
    r.id: r
    for r in (
        Rule(
            "CP_IS",
            1,
            "Unscheduled care for a child on a child protection plan or looked after",
            "A health encounter in urgent care (EMER) or an admission (IMP) of a child who is "
            "on a child protection plan or looked after on that day (the CP-IS scheme).",
            "Designated nurse for safeguarding, NHS Exampleshire ICB",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (Trigger(A.HEALTH, "health_encounter", frozenset({"EMER", "IMP"})),),
            A.SOCIAL_CARE,
            ("health.encounters",),
            Deadline.ONE_HOUR,
            source_agency=A.HEALTH,
        ),
        Rule(
            "CP_IS_CHECK",
            1,
            "CP-IS: a health professional checked a child on a plan or looked after",
            "A clinician's point-of-care check (by NHS number) found the child on a child "
            "protection plan, looked after, or (an unborn child) on a pre-birth plan on the "
            "mother's record, current or ended within the kept period; the local authority "
            "hears who checked and when (see joinedup.alerts.cp_is_check).",
            "Designated nurse for safeguarding, NHS Exampleshire ICB",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (),
            A.SOCIAL_CARE,
            (),
            Deadline.ONE_WORKING_DAY,
            source_agency=A.HEALTH,
        ),
        Rule(
            "OPERATION_ENCOMPASS",
            2,
            "Operation Encompass: a domestic abuse incident involving a child",
            "A police DOMESTIC_ABUSE incident with a child involved (any role) or a child "
            "living in the household of someone involved. Goes to the child's school's "
            "Designated Safeguarding Lead (the key adult) before 08:30 on the next school day "
            "(term dates and bank holidays counted); to children's social care if the child "
            "is not on a school roll. Says the child's name and date of birth, the date and "
            "time of the incident, whether the child was present, whether a welfare check "
            "was made and whether children's services were told; not who was involved, "
            "where, or what happened.",
            "Detective Superintendent, Public Protection, Exampleshire Police",
            P.OPERATION_ENCOMPASS,
            ENCOMPASS_BASIS,
            (Trigger(A.POLICE, "police_incident", frozenset({"DOMESTIC_ABUSE"})),),
            A.EDUCATION,
            ("police.domestic_abuse",),
            Deadline.NEXT_SCHOOL_DAY,
            fallback_agency=A.SOCIAL_CARE,
            fallback_purpose=P.CHILD_PROTECTION_ENQUIRY,
            source_agency=A.POLICE,
        ),
        Rule(
            "OPERATION_ENCOMPASS_HEALTH",
            1,
            "Operation Encompass: a domestic abuse incident involving a child (children's health)",
            "The same notification as OPERATION_ENCOMPASS, raised with it, to children's "
            "health (school nursing and health visiting) where the partnership's protocol "
            "includes them (JOINEDUP_ENCOMPASS_HEALTH_EMAIL).",
            "Designated nurse for safeguarding, NHS Exampleshire ICB",
            P.OPERATION_ENCOMPASS,
            ENCOMPASS_BASIS,
            (),
            A.HEALTH,
            ("police.domestic_abuse",),
            Deadline.NEXT_SCHOOL_DAY,
            source_agency=A.POLICE,
        ),
        Rule(
            "OPERATION_ENCOMPASS_CALL",
            1,
            "Operation Encompass: telephone the school's key adult",
            "Raised with OPERATION_ENCOMPASS for a child on a school roll where the "
            "partnership's protocol asks the police to telephone the key adult as well "
            "(JOINEDUP_ENCOMPASS_TELEPHONE): the school, its key adult's name and phone and "
            "the time to call by. Goes to the police (the officer in the case, else the "
            "safeguarding duty team).",
            "Detective Superintendent, Public Protection, Exampleshire Police",
            P.OPERATION_ENCOMPASS,
            ENCOMPASS_BASIS,
            (),
            A.POLICE,
            (),
            Deadline.NEXT_SCHOOL_DAY,
            source_agency=A.EDUCATION,
        ),
        Rule(
            "MISSING_EPISODES",
            1,
            "A third missing episode in 90 days",
            "A child reported missing (police MISSING_PERSON, or a social care missing "
            "episode) for the third time or more within 90 days; reports of the same day "
            "count once.",
            "Head of service, Children's Social Care",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (
                Trigger(
                    A.POLICE,
                    "police_incident",
                    frozenset({"MISSING_PERSON"}),
                    frozenset({"MISSING_PERSON"}),
                ),
                Trigger(A.SOCIAL_CARE, "social_care", frozenset({"MISSING_EPISODE"})),
            ),
            A.SOCIAL_CARE,
            ("police.missing_reports", "social_care.missing_episodes"),
            Deadline.ONE_WORKING_DAY,
            source_agency=A.POLICE,
        ),
        Rule(
            "MAPPA_HOUSEHOLD",
            1,
            "An adult in the child's household newly managed at MAPPA level 2 or 3",
            "Probation records MAPPA level 2 or 3 for an adult (at a level not recorded for "
            "them before) who lives in a household with a child.",
            "Head of the Probation Delivery Unit, Exampleshire",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (Trigger(A.PROBATION, "probation", frozenset({"MAPPA_LEVEL_2", "MAPPA_LEVEL_3"})),),
            A.SOCIAL_CARE,
            ("probation.mappa",),
            Deadline.ONE_WORKING_DAY,
            source_agency=A.PROBATION,
        ),
        Rule(
            "CHILD_SELF_HARM",
            1,
            "A child known to children's social care seen for self-harm or overdose",
            "An urgent care or admission encounter for SELF_HARM or OVERDOSE of a child who "
            "has an allocated social worker on that day (the synthetic data shows these "
            "often precede a child protection plan).",
            "Designated nurse for safeguarding, NHS Exampleshire ICB",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (Trigger(A.HEALTH, "health_encounter", frozenset({"EMER", "IMP"})),),
            A.SOCIAL_CARE,
            ("health.encounters",),
            Deadline.ONE_WORKING_DAY,
            source_agency=A.HEALTH,
        ),
        Rule(
            "EXCLUSION_OF_CHILD_IN_CARE_OR_ON_PLAN",
            1,
            "A suspension or exclusion of a child on a plan or looked after",
            "A school suspension or permanent exclusion of a child who is on a child "
            "protection plan or looked after on that day.",
            "Virtual School Head, Exampleshire County Council",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (Trigger(A.EDUCATION, "education", frozenset({"EXCLUSION_PERM", "EXCLUSION_SUSP"})),),
            A.SOCIAL_CARE,
            ("education.exclusions",),
            Deadline.ONE_WORKING_DAY,
            source_agency=A.EDUCATION,
        ),
        Rule(
            "RISK_ESCALATION",
            2,
            "A child's risk summary has escalated",
            "The child's triage score crossed the triage threshold or rose by the configured "
            "amount (a new high-weight factor can be switched on); at most one alert per "
            "child in the quiet period unless the score reaches a higher band (re-scoring "
            "reports the change; see joinedup.alerts.risk_escalation).",
            "MASH manager, Exampleshire",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (),
            A.SOCIAL_CARE,
            (),
            Deadline.ONE_WORKING_DAY,
            escalation=EscalationTriggers(),
        ),
        Rule(
            "CONCERN_RECORDED",
            1,
            "A practitioner recorded a concern about a child you are the lead for",
            "A practitioner of any agency recorded a concern (or an engagement) about the "
            "child from the single view; each of the child's lead practitioners hears of it, "
            "with the recorder's own words (see joinedup.alerts.concerns).",
            "MASH manager, Exampleshire",
            P.LEAD_PRACTITIONER_CASEWORK,
            CASEWORK_BASIS,
            (),
            A.SOCIAL_CARE,
            (),
            Deadline.ONE_WORKING_DAY,
        ),
        Rule(
            "MASH_REQUEST_OVERDUE",
            1,
            "The MASH's information request to your agency is overdue",
            "A MASH case asked your agency a question about a child and the answer was due "
            "and has not come: the agency's duty manager hears of it (else the MASH), then it "
            "escalates as any alert. It says which request, when it was due and where to "
            "answer it; nothing of the case (see joinedup.alerts.mash_requests).",
            "MASH manager, Exampleshire",
            P.MASH_TRIAGE,
            CASEWORK_BASIS,
            (),
            A.SOCIAL_CARE,
            (),
            Deadline.ONE_HOUR,
        ),
        *EXCHANGE_RULES,
    )
}

# The role a recipient holds in each agency that receives alerts.
RECIPIENT_ROLE = {
    A.POLICE: "POLICE_SAFEGUARDING_OFFICER",
    A.EDUCATION: "SCHOOL_DSL",
    A.SOCIAL_CARE: "SOCIAL_WORKER",
    A.HEALTH: "HEALTH_SAFEGUARDING_LEAD",
}


def rules_for(agency: str, category: str, event_type: str, role: str | None) -> list[Rule]:
    return [r for r in RULES.values() if r.matches(agency, category, event_type, role)]


def trigger_event_types() -> set[tuple[str, str, str]]:
    """Every (agency, category, event type) some rule looks at (the ingest hook's filter)."""
    return {
        (t.agency.value, t.category, e)
        for r in RULES.values()
        for t in r.triggers
        for e in t.event_types
    }

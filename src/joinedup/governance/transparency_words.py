"""Plain words for the transparency report: roles, services, purposes, kinds of information
and the laws, written so a 12-year-old can follow them (short words, no codes). Anything not
listed falls back to a readable version of its code, never to nothing."""

from __future__ import annotations

from datetime import date

ROLES = {
    "MASH_PRACTITIONER": "a safeguarding worker in the team that checks on children's safety",
    "SOCIAL_WORKER": "a social worker",
    "POLICE_SAFEGUARDING_OFFICER": "a police officer who works on keeping children safe",
    "HEALTH_SAFEGUARDING_LEAD": "a nurse or doctor who leads on keeping children safe",
    "SCHOOL_DSL": "the teacher who looks after children's safety at school",
    "PRIVACY_OFFICER": "the person who checks that information is used properly",
    "PARTNERSHIP_ANALYST": "someone who studies numbers to make services better",
    "ADMINISTRATOR": "someone who looks after the computer system",
}

SERVICES = {
    "social_care": "children's social care at the council",
    "health": "the NHS",
    "police": "the police",
    "education": "your school or the council's education team",
    "housing": "the housing service",
    "probation": "the probation service",
    "substance_misuse": "a drug and alcohol support service",
    "adult_mental_health": "an adult mental health service",
    # A copy of a chronology downloaded from joinedup (``services.chronology_export``).
    "partnership": "the services that work together to keep children safe",
}

PURPOSES = {
    "MASH_TRIAGE": "to decide quickly whether you needed help to be safe",
    "CHILD_PROTECTION_ENQUIRY": "to check whether you were safe",
    "EARLY_HELP": "to work out what extra help you or your family might need",
    "LEAD_PRACTITIONER_CASEWORK": "to help the worker who supports you do their job",
    "OPERATION_ENCOMPASS": "so your school could support you after something happened at home",
    "CHILD_MOVED_AREA": "so the safeguarding team where you moved to knew what help you had",
    "STATUTORY_RETURN": "to send the government numbers it asks for",
    "SUBJECT_ACCESS": "to answer a request to see your information",
    "AUDIT": "to check that your information was used properly",
}

ITEMS = {
    "identity": "your name, date of birth and address",
    "ethnicity": "your ethnic background",
    "family": "who is in your family",
    "social_care.contacts": "times people got in touch with children's social care about you",
    "cin_episodes": "times you got extra help as a child in need",
    "assessments": "assessments of what you need",
    "s47_enquiries": "checks on whether you were safe (child protection enquiries)",
    "cp_plans": "plans made to keep you safe (child protection plans)",
    "looked_after": "times you were looked after by the council",
    "missing_episodes": "times you went missing",
    "nrm_referrals": "referrals to protect you from exploitation (the National Referral Mechanism)",
    "early_help": "early help your family got",
    "allocated_worker": "who your social worker is",
    "gp_practice": "your doctor's surgery",
    "encounters": "visits to hospital or urgent care",
    "conditions": "health conditions and disabilities",
    "mental_health": "your mental health",
    "substance_misuse": "alcohol or drug use",
    "sexual_health": "sexual health and pregnancy",
    "pnc_reference": "a police computer reference number",
    "incidents": "incidents the police wrote down",
    "domestic_abuse": "violence or abuse at home that the police wrote down",
    "missing_reports": "times you were reported missing",
    "incident_roles": "how you were part of police incidents",
    "incident_summaries": "what the police wrote about incidents",
    "school": "your school",
    "attendance": "your school attendance",
    "exclusions": "times you were suspended or excluded from school",
    "free_school_meals": "whether you get free school meals",
    "sen_provision": "extra help you get at school",
    "tenancy_events": "housing problems, like losing a home",
    "key_worker": "who your family's worker is",
    "orders": "court orders and licences",
    "mappa": "plans to keep other people safe from someone",
    "programmes": "courses someone went on to stop hurting others",
    "treatment": "drug or alcohol treatment",
    "adult_mental_health.contacts": "mental health referrals and crisis contacts",
    "detentions": "times someone had to stay in hospital for their mental health",
}

LAWFUL_BASES = {
    "public_task": "public services may use information when they need it to do their public "
    "job, like keeping children safe (UK GDPR Article 6(1)(e))",
    "legal_obligation": "the law says they must share it (UK GDPR Article 6(1)(c))",
    "vital_interests": "it was needed to protect someone's life (UK GDPR Article 6(1)(d))",
    "legitimate_interests": "it was needed for a good reason that outweighed keeping it "
    "private (UK GDPR Article 6(1)(f))",
}

GATEWAYS = {
    "CA1989_S17": "the Children Act 1989, section 17 (help for children in need)",
    "CA1989_S47": "the Children Act 1989, section 47 (services must help the council check "
    "that a child is safe)",
    "CA2004_S10": "the Children Act 2004, section 10 (services working together for children)",
    "CA2004_S11": "the Children Act 2004, section 11 (services must keep children safe)",
    "CA2004_S16H": "the Children Act 2004, section 16H (the safeguarding partners may ask "
    "for information)",
    "EA2002_S175": "the Education Act 2002, section 175 (schools must keep children safe)",
    "CDA1998_S115": "the Crime and Disorder Act 1998, section 115 (stopping crime)",
    "HSCA2012_S251B": "the Health and Social Care Act 2012, section 251B (sharing for care)",
    "OMA2007_S14": "the Offender Management Act 2007, section 14 (probation sharing information)",
    "CJA2003_S325": "the Criminal Justice Act 2003, section 325 (keeping people safe from "
    "someone who could hurt them)",
    "CARE2014_S45": "the Care Act 2014, section 45 (keeping adults safe)",
}

AGREEMENT_LAW = (
    "a data sharing agreement between the services (the data protection officer can show you "
    "which one)"
)
VOICE_LAW = (
    "the people who help children must ask what a child wants and feels, and think about it "
    "(Children Act 1989, sections 17(4A) and 47(5A)); writing it down is part of their work "
    "for the public (UK GDPR Article 6(1)(e))"
)
EMERGENCY_LAW = (
    "public services may use information when they need it to keep a child safe, even in a "
    "hurry (UK GDPR Article 6(1)(e)). It is also written in the Data Protection Act 2018, "
    "Schedule 1, paragraph 18 (sharing to keep children safe)"
)
OWN_SERVICE_LAW = (
    "it was their own service's information, used for its public job (UK GDPR Article 6(1)(e))"
)


def words(code: str | None) -> str:
    """A code made readable: ``CHILD_PROTECTION_ENQUIRY`` -> "child protection enquiry"."""
    return (code or "something").replace("_", " ").replace(".", " ").lower()


def role(code: str | None) -> str:
    return ROLES.get(code or "", f"a {words(code)}" if code else "someone")


def service(agency: str | None) -> str:
    return SERVICES.get(agency or "", words(agency) if agency else "a service")


def purpose(code: str | None) -> str:
    return PURPOSES.get(code or "", f"for this reason: {words(code)}")


def item(field: str) -> str:
    """What a catalogue field (``health.encounters``) is, in plain words."""
    name = field.split(".", 1)[-1]
    return ITEMS.get(field) or ITEMS.get(name) or f"your {words(name)}"


def lawful_basis(code: str) -> str:
    return LAWFUL_BASES.get(code, code)


def gateway(code: str) -> str:
    return GATEWAYS.get(code, words(code))


def when(day: date) -> str:
    """3 May 2026 (no leading zero, the month in full)."""
    return f"{day.day} {day:%B %Y}"


def join(parts: list[str]) -> str:
    """a, b and c."""
    unique = list(dict.fromkeys(p for p in parts if p))
    if len(unique) <= 1:
        return "".join(unique)
    return f"{', '.join(unique[:-1])} and {unique[-1]}"


# Exchange between partnerships (issue 24): what the area a child left sent the new one.
EXCHANGE_KINDS = ("EXCHANGE_SENT", "EXCHANGE_RECEIVED")


def exchange(kind: str, day: str, details: dict[str, object], items: list[str], why: str) -> str:
    """The sentence for a summary sent to, or received from, another partnership."""
    shared = join(items) or "information about you"
    if kind == "EXCHANGE_SENT":
        other = str(details.get("to_partnership") or "another area").title()
        return (
            f"On {day}, children's social care here sent the safeguarding team in {other} "
            f"information about you, because you had moved there. They sent {shared}. {why}"
        )
    other = str(details.get("from_partnership") or "another area").title()
    return (
        f"On {day}, the safeguarding team here was sent information about you by children's "
        f"social care in {other}, the area you moved from. It was {shared}. {why}"
    )

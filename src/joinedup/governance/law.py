"""The legal vocabulary of a data sharing agreement: lawful bases, Art 9 / Art 10 / Part 3
conditions, statutory gateways, controller roles, DPIA outcomes and classifications.

Closed lists, each code with its citation, so an agreement can be validated and its
documents written in full words. This is a practitioner-level statement of UK law (UK GDPR,
Data Protection Act 2018), not legal advice: the partnership's DPOs own the final wording.
"""

from __future__ import annotations

from enum import StrEnum


class LawfulBasis(StrEnum):
    """UK GDPR Art 6(1). Consent is deliberately absent: the ICO's safeguarding guidance says
    consent is not needed to share to safeguard a child, and it is rarely freely given where a
    public authority holds power over a family."""

    PUBLIC_TASK = "public_task"
    LEGAL_OBLIGATION = "legal_obligation"
    LEGITIMATE_INTERESTS = "legitimate_interests"
    VITAL_INTERESTS = "vital_interests"


LAWFUL_BASIS_TEXT = {
    LawfulBasis.PUBLIC_TASK: "UK GDPR Art 6(1)(e): performance of a task carried out in the "
    "public interest or in the exercise of official authority",
    LawfulBasis.LEGAL_OBLIGATION: "UK GDPR Art 6(1)(c): compliance with a legal obligation",
    LawfulBasis.LEGITIMATE_INTERESTS: "UK GDPR Art 6(1)(f): legitimate interests (not "
    "available to a public authority performing its tasks; needs a legitimate interests "
    "assessment)",
    LawfulBasis.VITAL_INTERESTS: "UK GDPR Art 6(1)(d): protection of someone's life",
}


class Article9Condition(StrEnum):
    SAFEGUARDING = "ART9_2G_SCH1_P18"
    HEALTH_OR_SOCIAL_CARE = "ART9_2H_SCH1_P2"
    SOCIAL_PROTECTION = "ART9_2B_SCH1_P1"
    VITAL_INTERESTS = "ART9_2C"


ARTICLE_9_TEXT = {
    Article9Condition.SAFEGUARDING: "UK GDPR Art 9(2)(g) substantial public interest; DPA "
    "2018 Sch 1 Part 2 para 18 (safeguarding of children and of individuals at risk)",
    Article9Condition.HEALTH_OR_SOCIAL_CARE: "UK GDPR Art 9(2)(h); DPA 2018 Sch 1 Part 1 "
    "para 2 (health or social care purposes)",
    Article9Condition.SOCIAL_PROTECTION: "UK GDPR Art 9(2)(b); DPA 2018 Sch 1 Part 1 para 1 "
    "(employment, social security and social protection)",
    Article9Condition.VITAL_INTERESTS: "UK GDPR Art 9(2)(c): vital interests where the "
    "person cannot give consent",
}


class Article10Condition(StrEnum):
    SAFEGUARDING = "ART10_SCH1_P18"
    PREVENTING_UNLAWFUL_ACTS = "ART10_SCH1_P10"


ARTICLE_10_TEXT = {
    Article10Condition.SAFEGUARDING: "UK GDPR Art 10; DPA 2018 s10(5) and Sch 1 Part 2 "
    "para 18 (safeguarding of children and of individuals at risk)",
    Article10Condition.PREVENTING_UNLAWFUL_ACTS: "UK GDPR Art 10; DPA 2018 s10(5) and Sch 1 "
    "Part 2 para 10 (preventing or detecting unlawful acts)",
}


class Part3Condition(StrEnum):
    """DPA 2018 Part 3 (law enforcement processing by a competent authority): the Sch 8
    condition for sensitive processing when the recipient is police acting for a law
    enforcement purpose (for example a joint s47 investigation)."""

    SAFEGUARDING = "SCH8_P4"
    STATUTORY_PURPOSES = "SCH8_P1"


PART_3_TEXT = {
    Part3Condition.SAFEGUARDING: "DPA 2018 Part 3 s35(5); Sch 8 para 4 (safeguarding of "
    "children and of individuals at risk)",
    Part3Condition.STATUTORY_PURPOSES: "DPA 2018 Part 3 s35(5); Sch 8 para 1 (statutory purposes)",
}


class Gateway(StrEnum):
    CA1989_S17 = "CA1989_S17"
    CA1989_S47 = "CA1989_S47"
    CA2004_S10 = "CA2004_S10"
    CA2004_S11 = "CA2004_S11"
    CA2004_S16H = "CA2004_S16H"
    EA2002_S175 = "EA2002_S175"
    CDA1998_S115 = "CDA1998_S115"
    CJA2003_S325 = "CJA2003_S325"
    OMA2007_S14 = "OMA2007_S14"
    HSCA2012_S251B = "HSCA2012_S251B"
    CARE2014_S45 = "CARE2014_S45"


GATEWAY_TEXT = {
    Gateway.CA1989_S17: "Children Act 1989 s17 (services for children in need)",
    Gateway.CA1989_S47: "Children Act 1989 s47 (enquiries; s47(9)-(11): the named bodies "
    "must assist, in particular by providing relevant information)",
    Gateway.CA2004_S10: "Children Act 2004 s10 (cooperation to improve well-being)",
    Gateway.CA2004_S11: "Children Act 2004 s11 (arrangements to safeguard and promote welfare)",
    Gateway.CA2004_S16H: "Children Act 2004 s16H (information requested by the safeguarding "
    "partners)",
    Gateway.EA2002_S175: "Education Act 2002 s175 (education functions and safeguarding)",
    Gateway.CDA1998_S115: "Crime and Disorder Act 1998 s115 (disclosure for crime and "
    "disorder purposes)",
    Gateway.CJA2003_S325: "Criminal Justice Act 2003 s325 (MAPPA: duty to cooperate)",
    Gateway.OMA2007_S14: "Offender Management Act 2007 s14 (disclosure for probation purposes)",
    Gateway.HSCA2012_S251B: "Health and Social Care Act 2012 s251B (duty to share for direct care)",
    Gateway.CARE2014_S45: "Care Act 2014 s45 (supply of information to the Safeguarding "
    "Adults Board)",
}


class ControllerRole(StrEnum):
    CONTROLLER = "controller"
    JOINT_CONTROLLER = "joint_controller"
    PROCESSOR = "processor"


class DpiaOutcome(StrEnum):
    APPROVED = "approved"
    APPROVED_WITH_MITIGATIONS = "approved_with_mitigations"
    # High residual risk: UK GDPR Art 36 prior consultation with the ICO before processing.
    HIGH_RESIDUAL_RISK = "high_residual_risk"
    NOT_STARTED = "not_started"


class Classification(StrEnum):
    """Government Security Classifications (OFFICIAL-SENSITIVE is OFFICIAL with a handling
    caveat)."""

    OFFICIAL = "OFFICIAL"
    OFFICIAL_SENSITIVE = "OFFICIAL-SENSITIVE"
    SECRET = "SECRET"  # noqa: S105 - a classification name, not a password


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    ACTIVE = "active"
    UNDER_REVIEW = "under_review"
    SUSPENDED = "suspended"
    WITHDRAWN = "withdrawn"

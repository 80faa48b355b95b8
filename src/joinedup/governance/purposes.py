"""The closed list of purposes a practitioner declares, and the legitimate relationships.

A purpose is declared for a session or a single request; every decision is made for one
purpose (ICO guidance point 2: "identify your objective for sharing"). Purposes are a closed
list so that agreements, policies and the audit log all speak the same words.

A legitimate relationship (after NHS Spine's) is what ties a practitioner to a child: they
are involved with the child, the MASH is triaging the child, or the child is on their team's
caseload. Each purpose states which relationships it needs; a break-glass (emergency) grant
stands in for a missing relationship, and for nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from joinedup.errors import BadInput


class Purpose(StrEnum):
    MASH_TRIAGE = "MASH_TRIAGE"
    CHILD_PROTECTION_ENQUIRY = "CHILD_PROTECTION_ENQUIRY"
    EARLY_HELP = "EARLY_HELP"
    LEAD_PRACTITIONER_CASEWORK = "LEAD_PRACTITIONER_CASEWORK"
    OPERATION_ENCOMPASS = "OPERATION_ENCOMPASS"
    CHILD_MOVED_AREA = "CHILD_MOVED_AREA"
    STATUTORY_RETURN = "STATUTORY_RETURN"
    SUBJECT_ACCESS = "SUBJECT_ACCESS"
    AUDIT = "AUDIT"


class Relationship(StrEnum):
    INVOLVED = "INVOLVED"  # the practitioner has an active involvement with the child
    MASH_TRIAGE = "MASH_TRIAGE"  # the child is on the MASH's triage list
    TEAM_CASELOAD = "TEAM_CASELOAD"  # the child is on the practitioner's team's caseload
    SUBJECT_ACCESS_REQUEST = "SUBJECT_ACCESS_REQUEST"  # an open SAR about the child
    ACCESS_REVIEW = "ACCESS_REVIEW"  # an open review of access to the child's record


class OwnScope(StrEnum):
    """How much of its own agency's record a purpose reaches (no agreement is needed for a
    controller's own data, but purpose limitation still applies)."""

    ALL = "all"
    NO_FREE_TEXT = "no_free_text"
    IDENTITY = "identity"


@dataclass(frozen=True, slots=True)
class PurposeInfo:
    purpose: Purpose
    title: str
    description: str
    # Break glass may be used for it (an immediate safeguarding need).
    safeguarding: bool
    # Cross-agency sharing for it may be agreed in a DSA (the others are own-agency only).
    shareable: bool
    # At least one of these is needed; empty means none is (the purpose is not about one
    # child a practitioner works with, e.g. a statutory return).
    relationships: frozenset[Relationship]
    own_scope: OwnScope


def _info(
    purpose: Purpose,
    title: str,
    description: str,
    *,
    safeguarding: bool,
    shareable: bool,
    relationships: tuple[Relationship, ...],
    own_scope: OwnScope = OwnScope.ALL,
) -> PurposeInfo:
    return PurposeInfo(
        purpose, title, description, safeguarding, shareable, frozenset(relationships), own_scope
    )


R = Relationship
PURPOSES: dict[Purpose, PurposeInfo] = {
    p.purpose: p
    for p in (
        _info(
            Purpose.MASH_TRIAGE,
            "MASH triage",
            "Deciding, in the Multi-Agency Safeguarding Hub, what response a contact about a "
            "child needs (Working Together to Safeguard Children 2023, chapter 2).",
            safeguarding=True,
            shareable=True,
            relationships=(R.MASH_TRIAGE,),
        ),
        _info(
            Purpose.CHILD_PROTECTION_ENQUIRY,
            "Child protection enquiry",
            "A strategy discussion or an enquiry under Children Act 1989 s47 where there is "
            "reasonable cause to suspect a child is suffering, or likely to suffer, "
            "significant harm.",
            safeguarding=True,
            shareable=True,
            relationships=(R.INVOLVED, R.TEAM_CASELOAD, R.MASH_TRIAGE),
        ),
        _info(
            Purpose.EARLY_HELP,
            "Early help",
            "Assessing and coordinating early help for a child and family before needs "
            "escalate (Children Act 2004 s10 cooperation to improve wellbeing).",
            safeguarding=False,
            shareable=True,
            relationships=(R.INVOLVED, R.TEAM_CASELOAD),
        ),
        _info(
            Purpose.LEAD_PRACTITIONER_CASEWORK,
            "Lead practitioner casework",
            "Casework by the child's lead practitioner: a child in need, on a child "
            "protection plan, or looked after.",
            safeguarding=True,
            shareable=True,
            relationships=(R.INVOLVED, R.TEAM_CASELOAD),
        ),
        _info(
            Purpose.OPERATION_ENCOMPASS,
            "Operation Encompass",
            "Telling the child's school (and children's health, where the protocol says), "
            "before the next school day, that police attended a domestic abuse incident the "
            "child was exposed to, so they can support the child.",
            safeguarding=False,
            shareable=True,
            relationships=(R.INVOLVED, R.TEAM_CASELOAD),
        ),
        _info(
            Purpose.CHILD_MOVED_AREA,
            "Child moved area",
            "Safeguarding continuity when a child known to one partnership appears in "
            "another: the receiving MASH learns of the child's current plans, lead "
            "practitioners and recent concerns from the area the child left (Working "
            "Together 2023, chapter 2; Children Act 2004 s11). Not for break glass: an "
            "immediate need is MASH triage.",
            safeguarding=False,
            shareable=True,
            relationships=(R.MASH_TRIAGE,),
        ),
        _info(
            Purpose.STATUTORY_RETURN,
            "Statutory return",
            "Producing a statutory return (CIN census, SSDA903) from an agency's own "
            "records; structured data only, never free text.",
            safeguarding=False,
            shareable=False,
            relationships=(),
            own_scope=OwnScope.NO_FREE_TEXT,
        ),
        _info(
            Purpose.SUBJECT_ACCESS,
            "Subject access request",
            "Responding to a subject access request (UK GDPR Art 15) to the controller that "
            "holds the data; exemptions are applied by the privacy officer before release.",
            safeguarding=False,
            shareable=False,
            relationships=(R.SUBJECT_ACCESS_REQUEST,),
        ),
        _info(
            Purpose.AUDIT,
            "Access audit",
            "Reviewing who accessed a child's record and why (including break-glass "
            "reviews); the reviewer sees who the child is, not their record.",
            safeguarding=False,
            shareable=False,
            relationships=(R.ACCESS_REVIEW,),
            own_scope=OwnScope.IDENTITY,
        ),
    )
}

SAFEGUARDING_PURPOSES = frozenset(p for p, info in PURPOSES.items() if info.safeguarding)
SHAREABLE_PURPOSES = frozenset(p for p, info in PURPOSES.items() if info.shareable)


def purpose(value: str) -> Purpose:
    """The purpose named ``value``; raises ``BadInput`` naming the closed list."""
    try:
        return Purpose(value.strip().upper())
    except ValueError:
        known = ", ".join(p.value for p in Purpose)
        raise BadInput(f"unknown purpose {value!r} (declare one of: {known})") from None


def relationship(value: str) -> Relationship:
    try:
        return Relationship(value.strip().upper())
    except ValueError:
        known = ", ".join(r.value for r in Relationship)
        raise BadInput(f"unknown relationship {value!r} (known: {known})") from None

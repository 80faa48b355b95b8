"""Roles: which purposes each role may declare, from which agencies, and the sealed-record
rules.

These are the partnership's role rules (the "who" of every decision), kept apart from the
agreements (the "what may be shared"). The policy compiler turns them into Cedar ``forbid``
policies, so no agreement can widen what a role may do.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput
from joinedup.governance.purposes import Purpose, Relationship


class Role(StrEnum):
    MASH_PRACTITIONER = "MASH_PRACTITIONER"
    SOCIAL_WORKER = "SOCIAL_WORKER"
    POLICE_SAFEGUARDING_OFFICER = "POLICE_SAFEGUARDING_OFFICER"
    HEALTH_SAFEGUARDING_LEAD = "HEALTH_SAFEGUARDING_LEAD"
    SCHOOL_DSL = "SCHOOL_DSL"
    PRIVACY_OFFICER = "PRIVACY_OFFICER"
    PARTNERSHIP_ANALYST = "PARTNERSHIP_ANALYST"
    ADMINISTRATOR = "ADMINISTRATOR"


@dataclass(frozen=True, slots=True)
class RoleRule:
    role: Role
    title: str
    agencies: frozenset[AgencyId]  # the agencies that employ people in this role
    purposes: frozenset[Purpose]  # the purposes this role may declare
    practitioner: bool  # works with children (may use break glass)


ALL_AGENCIES = frozenset(AgencyId)
P = Purpose
ROLE_RULES: dict[Role, RoleRule] = {
    r.role: r
    for r in (
        RoleRule(
            Role.MASH_PRACTITIONER,
            "MASH practitioner (any partner agency's secondee)",
            ALL_AGENCIES,
            frozenset({P.MASH_TRIAGE, P.CHILD_PROTECTION_ENQUIRY, P.CHILD_MOVED_AREA}),
            True,
        ),
        RoleRule(
            Role.SOCIAL_WORKER,
            "Social worker",
            frozenset({AgencyId.SOCIAL_CARE}),
            frozenset({P.CHILD_PROTECTION_ENQUIRY, P.LEAD_PRACTITIONER_CASEWORK, P.EARLY_HELP}),
            True,
        ),
        RoleRule(
            Role.POLICE_SAFEGUARDING_OFFICER,
            "Police safeguarding officer (public protection, and the police's seat in the MASH)",
            frozenset({AgencyId.POLICE}),
            frozenset({P.MASH_TRIAGE, P.CHILD_PROTECTION_ENQUIRY, P.OPERATION_ENCOMPASS}),
            True,
        ),
        RoleRule(
            Role.HEALTH_SAFEGUARDING_LEAD,
            "Health safeguarding lead (named or designated professional)",
            frozenset({AgencyId.HEALTH, AgencyId.ADULT_MENTAL_HEALTH, AgencyId.SUBSTANCE_MISUSE}),
            # Operation Encompass: where the protocol tells children's health too.
            frozenset(
                {
                    P.CHILD_PROTECTION_ENQUIRY,
                    P.EARLY_HELP,
                    P.LEAD_PRACTITIONER_CASEWORK,
                    P.OPERATION_ENCOMPASS,
                }
            ),
            True,
        ),
        RoleRule(
            Role.SCHOOL_DSL,
            "School designated safeguarding lead",
            frozenset({AgencyId.EDUCATION}),
            frozenset({P.EARLY_HELP, P.LEAD_PRACTITIONER_CASEWORK, P.OPERATION_ENCOMPASS}),
            True,
        ),
        RoleRule(
            Role.PRIVACY_OFFICER,
            "Privacy officer (data protection officer's team)",
            ALL_AGENCIES,
            frozenset({P.SUBJECT_ACCESS, P.AUDIT}),
            False,
        ),
        RoleRule(
            Role.PARTNERSHIP_ANALYST,
            "Partnership analyst",
            ALL_AGENCIES,
            frozenset({P.STATUTORY_RETURN}),
            False,
        ),
        # Administrators run the platform; they have no purpose that reaches a child's record.
        RoleRule(Role.ADMINISTRATOR, "Administrator", ALL_AGENCIES, frozenset(), False),
    )
}

PRACTITIONER_ROLES = frozenset(r for r, rule in ROLE_RULES.items() if rule.practitioner)
# The roles that sit in the MASH and so read the children on its triage list (the police
# safeguarding officer is the police's seat there; issue 21).
MASH_ROLES = frozenset({Role.MASH_PRACTITIONER, Role.POLICE_SAFEGUARDING_OFFICER})


class SealedKind(StrEnum):
    """Why a record is sealed. Anything else a record says is treated as UNKNOWN (sealed,
    with no rule that opens it)."""

    ADOPTION = "adoption"
    WITNESS_PROTECTION = "witness_protection"
    GENDER_RECOGNITION = "gender_recognition"  # Gender Recognition Act 2004 s22
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class SealedRule:
    """The explicit rule that opens a sealed record: this role, in this agency, for these
    purposes, with one of these relationships, sees that agency's own record. Nothing else
    opens a sealed record, break glass included."""

    kind: SealedKind
    role: Role
    agency: AgencyId
    purposes: frozenset[Purpose]
    relationships: frozenset[Relationship]


SEALED_RULES: tuple[SealedRule, ...] = (
    # The adoption team's allocated social worker works from the (sealed) adoption record.
    SealedRule(
        SealedKind.ADOPTION,
        Role.SOCIAL_WORKER,
        AgencyId.SOCIAL_CARE,
        frozenset({P.LEAD_PRACTITIONER_CASEWORK}),
        frozenset({Relationship.INVOLVED}),
    ),
    # Witness protection, gender recognition and unknown seals: no rule; the record is shown
    # to nobody through the platform (the owning agency's own processes apply).
)


def role(value: str) -> Role:
    """The role named ``value``; raises ``BadInput`` naming the known roles."""
    try:
        return Role(value.strip().upper())
    except ValueError:
        known = ", ".join(r.value for r in Role)
        raise BadInput(f"unknown role {value!r} (known: {known})") from None


def sealed_kind(value: str) -> SealedKind:
    try:
        return SealedKind(value.strip().lower())
    except ValueError:
        return SealedKind.UNKNOWN

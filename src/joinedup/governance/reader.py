"""Who is reading, and why: the context every governed service call carries.

A ``Reader`` is an authenticated person (from a local account or an OIDC login) acting in
one role for one agency, who has declared one purpose for the session or the request. The
services build each ``AccessRequest`` from it; nothing reads personal data without one.
Plain data: no web framework, no ORM.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from joinedup.domain.agencies import AgencyId
from joinedup.domain.agencies import agency as agency_of
from joinedup.errors import BadInput, Forbidden
from joinedup.governance.purposes import PURPOSES, Purpose
from joinedup.governance.purposes import purpose as purpose_of
from joinedup.governance.roles import ROLE_RULES, Role
from joinedup.governance.roles import role as role_of


@dataclass(frozen=True, slots=True)
class Reader:
    user_id: str  # the account's username (what the audit log names)
    role: Role
    agency: AgencyId
    purpose: Purpose
    team: str | None = None
    # The practitioner's key in their own agency's records (the email address the agency's
    # feed uses for its professionals), which is how INVOLVED and TEAM_CASELOAD are found.
    practitioner_key: str | None = None
    display_name: str = ""
    # The request asks a break-glass grant to stand in for a missing relationship; it counts
    # only while an unexpired grant covers this user, child and purpose.
    emergency: bool = False

    @classmethod
    def build(
        cls,
        *,
        user_id: str,
        role: str,
        agency: str,
        purpose: str,
        team: str | None = None,
        practitioner_key: str | None = None,
        display_name: str = "",
        emergency: bool = False,
    ) -> Reader:
        """A reader from strings (CLI, API): every value checked against the closed lists,
        and the purpose checked against what the role may declare (``Forbidden`` if not)."""
        if not user_id.strip():
            raise BadInput("a reader needs a user")
        reader = cls(
            user_id=user_id.strip(),
            role=role_of(role),
            agency=agency_of(agency).id,
            purpose=purpose_of(purpose),
            team=(team or "").strip() or None,
            practitioner_key=(practitioner_key or "").strip() or None,
            display_name=display_name.strip(),
            emergency=emergency,
        )
        reader.check_purpose()
        return reader

    def check_purpose(self) -> None:
        """A role declares only the purposes its role rule lists (an administrator none)."""
        rule = ROLE_RULES[self.role]
        if self.agency not in rule.agencies:
            raise Forbidden(f"a {rule.title} does not work for {self.agency.value}")
        if self.purpose not in rule.purposes:
            allowed = ", ".join(sorted(p.value for p in rule.purposes)) or "none"
            raise Forbidden(
                f"a {rule.title} may not declare {self.purpose.value} "
                f"(purposes for this role: {allowed})"
            )

    def for_purpose(self, purpose: Purpose | str) -> Reader:
        reader = replace(self, purpose=purpose_of(str(purpose)))
        reader.check_purpose()
        return reader

    def in_emergency(self) -> Reader:
        return replace(self, emergency=True)

    @property
    def purpose_title(self) -> str:
        return PURPOSES[self.purpose].title


def purposes_for(role: Role | str) -> list[Purpose]:
    """The purposes a role may declare, in the closed list's order."""
    rule = ROLE_RULES[role_of(str(role))]
    return [p for p in Purpose if p in rule.purposes]

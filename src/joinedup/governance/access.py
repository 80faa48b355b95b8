"""An access request and the decision on it, as plain data.

``AccessRequest`` says who asks (user, role, agency, team), why (purpose), about whom
(child), for what (fields ``<agency>.<item>``), on what footing (legitimate relationships,
emergency) and what the child's record is marked as (sealed kinds). ``Decision`` says which
fields are allowed, which denied, which categories were withheld, and why: every decision
carries its reasons, the policies that decided it and the agreements relied on.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput
from joinedup.governance.catalogue import expand_fields
from joinedup.governance.purposes import Purpose, Relationship, relationship
from joinedup.governance.purposes import purpose as purpose_of
from joinedup.governance.roles import Role, SealedKind, sealed_kind
from joinedup.governance.roles import role as role_of


@dataclass(frozen=True, slots=True)
class AccessRequest:
    user_id: str
    role: Role
    agency: AgencyId
    team: str | None
    purpose: Purpose
    child_id: str
    fields: frozenset[str]
    relationships: frozenset[Relationship] = frozenset()
    emergency: bool = False
    sealed: frozenset[SealedKind] = frozenset()

    @classmethod
    def build(
        cls,
        *,
        user_id: str,
        role: str,
        agency: str,
        purpose: str,
        child_id: str,
        fields: Iterable[str],
        team: str | None = None,
        relationships: Iterable[str] = (),
        emergency: bool = False,
        sealed: Iterable[str] = (),
    ) -> AccessRequest:
        """A request from strings (CLI, API): validates every value against the closed lists
        (``BadInput`` names the bad one) and expands ``health.*`` / ``*.identity``."""
        from joinedup.domain.agencies import agency as agency_of

        if not user_id.strip() or not child_id.strip():
            raise BadInput("an access request needs a user and a child")
        return cls(
            user_id=user_id.strip(),
            role=role_of(role),
            agency=agency_of(agency).id,
            team=team.strip() if team and team.strip() else None,
            purpose=purpose_of(purpose),
            child_id=child_id.strip(),
            fields=expand_fields(fields if isinstance(fields, frozenset) else tuple(fields)),
            relationships=frozenset(relationship(r) for r in relationships if r.strip()),
            emergency=emergency,
            sealed=frozenset(sealed_kind(s) for s in sealed if s.strip()),
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "user_id": self.user_id,
            "role": self.role.value,
            "agency": self.agency.value,
            "team": self.team,
            "purpose": self.purpose.value,
            "child_id": self.child_id,
            "fields": sorted(self.fields),
            "relationships": sorted(r.value for r in self.relationships),
            "emergency": self.emergency,
            "sealed": sorted(s.value for s in self.sealed),
        }


@dataclass(frozen=True, slots=True)
class FieldOutcome:
    """The decision on one field, with its reasons and the policies that decided it."""

    field: str
    allowed: bool
    reasons: tuple[str, ...]
    policy_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    """``allowed`` is true when at least one requested field may be shown; the mask is
    ``allowed_fields``. A denied field must be absent from what is shown, not blank."""

    allowed: bool
    allowed_fields: frozenset[str]
    denied_fields: frozenset[str]
    withheld_categories: frozenset[str]
    reasons: tuple[str, ...]
    policy_ids: tuple[str, ...]
    agreement_ids: tuple[str, ...]
    emergency: bool = False
    # Sealed kinds an explicit rule opened for this request (minimisation checks records).
    sealed_permitted: frozenset[SealedKind] = frozenset()
    policy_version: str = ""
    outcomes: tuple[FieldOutcome, ...] = field(default=(), compare=False)

    def outcome(self, name: str) -> FieldOutcome | None:
        return next((o for o in self.outcomes if o.field == name), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "allowed": self.allowed,
            "allowed_fields": sorted(self.allowed_fields),
            "denied_fields": sorted(self.denied_fields),
            "withheld_categories": sorted(self.withheld_categories),
            "reasons": list(self.reasons),
            "policy_ids": list(self.policy_ids),
            "agreement_ids": list(self.agreement_ids),
            "emergency": self.emergency,
            "sealed_permitted": sorted(s.value for s in self.sealed_permitted),
            "policy_version": self.policy_version,
            "fields": {
                o.field: {"allowed": o.allowed, "reasons": list(o.reasons)} for o in self.outcomes
            },
        }

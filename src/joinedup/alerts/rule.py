"""What an alert rule is: the events it looks at (``Trigger``), what escalates it
(``EscalationTriggers``), and the ``Rule`` itself (owner, purpose, lawful basis, recipient,
fields, deadline). The rules themselves are data, in ``alerts.rules``."""

from __future__ import annotations

from dataclasses import dataclass

from joinedup.alerts.clock import Deadline
from joinedup.domain.agencies import AgencyId
from joinedup.governance.purposes import Purpose


@dataclass(frozen=True, slots=True)
class Trigger:
    agency: AgencyId
    category: str
    event_types: frozenset[str]
    roles: frozenset[str] = frozenset()  # empty: any role


@dataclass(frozen=True, slots=True)
class EscalationTriggers:
    """When a re-scored child's risk summary alerts (``RISK_ESCALATION``), and how often.

    A change alerts when any switched-on trigger holds: the triage threshold crossed
    upwards (``crossing``); the 12-month probability up by at least ``rise`` (absolute,
    None: off); a factor newly weighing heavily (``new_high_weight_factor``). Then a child
    gets at most one alert in ``quiet_days`` (folded into the open one, if any), unless the
    score reaches a higher band than any alerted in that time: ``bands`` are multiples of
    the model's triage threshold (1, 2, 4: at, twice, four times it). Defaults chosen on a
    replay (docs/alerts.md, "Risk escalation: how noisy, and the defaults")."""

    crossing: bool = True
    rise: float | None = 0.10
    new_high_weight_factor: bool = False
    quiet_days: int = 30
    bands: tuple[float, ...] = (1.0, 2.0, 4.0)

    def to_dict(self) -> dict[str, object]:
        return {
            "crossing": self.crossing,
            "rise": self.rise,
            "new_high_weight_factor": self.new_high_weight_factor,
            "quiet_days": self.quiet_days,
            "bands": list(self.bands),
        }


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    version: int
    title: str
    description: str
    owner: str
    purpose: Purpose
    lawful_basis: str
    triggers: tuple[Trigger, ...]
    recipient_agency: AgencyId
    fields: tuple[str, ...]
    deadline: Deadline
    fallback_agency: AgencyId | None = None
    # The purpose the fallback agency's practitioner acts under, when the rule's own purpose
    # is not one that role may declare (a social worker does not do Operation Encompass).
    fallback_purpose: Purpose | None = None
    source_agency: AgencyId | None = None  # whose data the alert reveals (for "contact X")
    escalation: EscalationTriggers | None = None  # RISK_ESCALATION's triggers

    def matches(self, agency: str, category: str, event_type: str, role: str | None) -> bool:
        return any(
            t.agency.value == agency
            and t.category == category
            and event_type in t.event_types
            and (not t.roles or (role or "") in t.roles)
            for t in self.triggers
        )

    def to_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "version": self.version,
            "title": self.title,
            "description": self.description,
            "owner": self.owner,
            "purpose": self.purpose.value,
            "lawful_basis": self.lawful_basis,
            "recipient_agency": self.recipient_agency.value,
            "fallback_agency": self.fallback_agency.value if self.fallback_agency else None,
            "fields": list(self.fields),
            "deadline": self.deadline.value,
            "escalation": self.escalation.to_dict() if self.escalation else None,
            "triggers": [
                {
                    "agency": t.agency.value,
                    "category": t.category,
                    "event_types": sorted(t.event_types),
                    "roles": sorted(t.roles),
                }
                for t in self.triggers
            ],
        }

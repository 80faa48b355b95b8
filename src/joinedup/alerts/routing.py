"""Who an alert goes to: the child's lead practitioner in the rule's agency, else in its
fallback agency, else that agency's duty team, else the MASH. Escalation goes to the
agency's duty manager, then the MASH.

The feeds carry no line management, so "the manager" is the agency's duty manager (the
duty team's address, configurable); a duty team or manager acts for the team's caseload
(relationship TEAM_CASELOAD), the MASH for its triage list (MASH_TRIAGE).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import Connection

from joinedup.alerts import facts
from joinedup.alerts.rules import RECIPIENT_ROLE, Rule
from joinedup.config import AlertSettings
from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.governance.purposes import Purpose, Relationship

# Synthetic defaults, overridden by JOINEDUP_ALERT_DUTY_TEAMS. Schools have no duty team:
# a child on no school roll is the local authority's to hear about.
DEFAULT_DUTY_TEAMS = {
    "social_care": "childrens.duty@exampleshire-cc.example",
    "health": "safeguarding.health@exampleshire-icb.example",
    "police": "ppu.duty@exampleshire-police.example",
}

LEAD, DUTY, MANAGER, MASH = "LEAD", "DUTY", "MANAGER", "MASH"


@dataclass(frozen=True, slots=True)
class Recipient:
    kind: str
    agency: str
    key: str
    name: str
    email: str | None
    team: str | None
    role: str
    purpose: Purpose
    relationships: frozenset[Relationship]


def duty_team(settings: AlertSettings, agency: str) -> str | None:
    return {**DEFAULT_DUTY_TEAMS, **settings.duty_teams}.get(agency)


def mash(settings: AlertSettings) -> Recipient:
    return Recipient(
        MASH,
        AgencyId.SOCIAL_CARE.value,
        f"mash:{settings.mash_email}",
        "Multi-Agency Safeguarding Hub",
        settings.mash_email,
        "MASH",
        "MASH_PRACTITIONER",
        Purpose.MASH_TRIAGE,
        frozenset({Relationship.MASH_TRIAGE}),
    )


def _duty(settings: AlertSettings, agency: str, purpose: Purpose, kind: str) -> Recipient | None:
    email = duty_team(settings, agency)
    if email is None or agency not in RECIPIENT_ROLE:
        return None
    title = "duty manager" if kind == MANAGER else "duty team"
    return Recipient(
        kind,
        agency,
        f"{kind.lower()}:{agency}:{email}",
        f"{AGENCIES[AgencyId(agency)].name} {title}",
        email,
        f"{agency} duty",
        RECIPIENT_ROLE[AgencyId(agency)],
        purpose,
        frozenset({Relationship.TEAM_CASELOAD}),
    )


def duty_manager(settings: AlertSettings, agency: str, purpose: Purpose) -> Recipient:
    """An agency's duty manager (the MASH when the agency has no duty team configured)."""
    return _duty(settings, agency, purpose, MANAGER) or mash(settings)


def route(
    connection: Connection,
    rule: Rule,
    records: list[facts.Record],
    on: date,
    settings: AlertSettings,
) -> Recipient:
    """The first recipient of an alert about a child (whose records are ``records``)."""
    if rule.id == "OPERATION_ENCOMPASS_HEALTH" and settings.encompass_health_email:
        return childrens_health(settings.encompass_health_email, rule.purpose)
    choices = [(rule.recipient_agency, rule.purpose)]
    if rule.fallback_agency is not None:
        choices.append((rule.fallback_agency, rule.fallback_purpose or rule.purpose))
    for agency, purpose in choices:
        leads = facts.lead_practitioners(connection, records, agency.value, on)
        if leads:
            lead = leads[0]
            return Recipient(
                LEAD,
                agency.value,
                lead.key,
                lead.name,
                lead.email,
                lead.team,
                RECIPIENT_ROLE[agency],
                purpose,
                frozenset({Relationship.INVOLVED}),
            )
    for agency, purpose in reversed(choices):
        duty = _duty(settings, agency.value, purpose, DUTY)
        if duty is not None:
            return duty
    return mash(settings)


def childrens_health(email: str, purpose: Purpose) -> Recipient:
    """Children's health (school nursing, health visiting): a team, for its caseload."""
    return Recipient(
        DUTY,
        AgencyId.HEALTH.value,
        f"duty:health:{email}",
        "Children's health (school nursing and health visiting)",
        email,
        "children's health 0-19",
        RECIPIENT_ROLE[AgencyId.HEALTH],
        purpose,
        frozenset({Relationship.TEAM_CASELOAD}),
    )


def escalation_of(current: Recipient, settings: AlertSettings) -> Recipient | None:
    """Who an unacknowledged alert goes to next: the duty manager, then the MASH."""
    if current.kind == MASH:
        return None
    if current.kind in (LEAD,):
        manager = _duty(settings, current.agency, current.purpose, MANAGER)
        if manager is not None:
            return manager
    return mash(settings)


def with_purpose(recipient: Recipient, purpose: Purpose) -> Recipient:
    return replace(recipient, purpose=purpose)

"""Rule conditions: from one new event to the findings (a child, a cause, what happened)
that the rules raise alerts for. Store-aware reads through ``facts``; no writes."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Connection

from joinedup.alerts import facts
from joinedup.alerts.rules import RULES, Rule, rules_for
from joinedup.alerts.school_calendar import UK, SchoolCalendar

ON_PLAN_OR_LOOKED_AFTER = ("CP_PLAN", "LOOKED_AFTER")
PRESENT_ROLES = frozenset({"CHILD_PRESENT", "VICTIM", "WITNESS"})
MISSING_WINDOW_DAYS = 90
MISSING_EPISODES = 3


class Unlinked(Exception):
    """The event's person is not linked yet: evaluate again once linking has run."""


@dataclass(slots=True)
class Finding:
    rule: Rule
    child_id: str
    records: list[facts.Record]
    cause: str  # what happened, stably named: the same cause never alerts a recipient twice
    on: date
    occurred_at: datetime
    details: dict[str, Any]  # catalogue field -> what the alert would say about it
    summary: str
    extra: dict[str, Any] = field(default_factory=dict)
    # Where a next-school-day deadline is counted: the school's URN and the calendar.
    setting: str | None = None
    calendar: SchoolCalendar | None = None


def _when(event: Mapping[str, Any]) -> datetime:
    at = event.get("occurred_at")
    if isinstance(at, datetime):
        return at if at.tzinfo else at.replace(tzinfo=UTC)
    return datetime.combine(event["occurred_on"], time(12), tzinfo=UTC)


def _code(event: Mapping[str, Any]) -> str | None:
    codes = event.get("codes") or []
    return str(codes[0]) if codes else None


class Subject:
    """The event's person, resolved once per event."""

    def __init__(self, connection: Connection, event: Mapping[str, Any]) -> None:
        person = facts.person_of(connection, event["agency_id"], event["person_source_id"])
        if person is None:
            raise Unlinked(f"{event['agency_id']} person {event['person_source_id']} not linked")
        self.id = person
        self.records = facts.records_of(connection, person)
        self.born = facts.born_of(connection, person)


def _finding(
    rule: Rule, subject: Subject, event: Mapping[str, Any], cause: str, **kw: Any
) -> Finding:
    return Finding(
        rule, subject.id, subject.records, cause, event["occurred_on"], _when(event), **kw
    )


def cp_is(connection: Connection, event: Mapping[str, Any], subject: Subject) -> list[Finding]:
    on = event["occurred_on"]
    if not facts.is_child(subject.born, on):
        return []
    status = facts.active_social_care(connection, subject.records, ON_PLAN_OR_LOOKED_AFTER, on)
    if not status:
        return []
    setting = {"EMER": "urgent care", "IMP": "a hospital admission"}[event["event_type"]]
    detail = {
        "class": event["event_type"],
        "reason": _code(event),
        "date": on.isoformat(),
        "provider": (event.get("detail") or {}).get("service_provider"),
    }
    return [
        _finding(
            RULES["CP_IS"],
            subject,
            event,
            f"health|Encounter|{event['source_id']}",
            details={"health.encounters": detail},
            summary=f"Seen in {setting} on {on.isoformat()} ({_code(event) or 'reason not given'})",
        )
    ]


def self_harm(connection: Connection, event: Mapping[str, Any], subject: Subject) -> list[Finding]:
    on = event["occurred_on"]
    if _code(event) not in ("SELF_HARM", "OVERDOSE") or not facts.is_child(subject.born, on):
        return []
    if facts.active_social_care(connection, subject.records, ON_PLAN_OR_LOOKED_AFTER, on):
        return []  # CP-IS already tells the lead practitioner
    if not facts.lead_practitioners(connection, subject.records, "social_care", on):
        return []
    return [
        _finding(
            RULES["CHILD_SELF_HARM"],
            subject,
            event,
            f"health|Encounter|{event['source_id']}",
            details={
                "health.encounters": {
                    "class": event["event_type"],
                    "reason": _code(event),
                    "date": on.isoformat(),
                }
            },
            summary=f"Seen for {(_code(event) or '').replace('_', ' ').lower()} on {on}",
        )
    ]


def _children_around(
    connection: Connection, subject: Subject, on: date
) -> list[tuple[str, list[facts.Record], str]]:
    """The subject if a child, and the children in the subject's household on ``on``."""
    found = []
    if facts.is_child(subject.born, on):
        found.append((subject.id, subject.records, "involved"))
    for member in facts.household_members(connection, subject.id, on):
        records = facts.records_of(connection, member)
        if facts.is_child(facts.born_of(connection, member), on):
            found.append((member, records, "lives in the household"))
    return found


def _school(connection: Connection, records: list[facts.Record], on: date) -> facts.Contact | None:
    """The child's school's DSL (the school's key adult) on ``on``, if on a roll."""
    leads = facts.lead_practitioners(connection, records, "education", on)
    return next((c for c in leads if c.key.startswith("school:")), None)


def urn_of(dsl: facts.Contact | None) -> str | None:
    """The school's URN from its DSL's key (``school:URN:dsl``)."""
    parts = dsl.key.split(":") if dsl else []
    return parts[1] if len(parts) == 3 else None


def _yes_no(value: Any) -> str:
    return "not recorded" if value is None else ("yes" if value else "no")


def encompass(connection: Connection, event: Mapping[str, Any], subject: Subject) -> list[Finding]:
    """Operation Encompass as published protocols have it: for each child involved or living
    in the household, the notification to the school's key adult (the DSL), and to
    children's health and a telephone task for the police when the partnership asks for
    them (``intake`` drops those it has not switched on). The notification says who the
    child is, when the incident was, whether the child was present, whether a welfare check
    was made and whether children's services were told: never who else was involved, where,
    or what happened."""
    on = event["occurred_on"]
    detail = event.get("detail") or {}
    incident = detail.get("incident_id") or event["source_id"]
    at = _when(event).astimezone(UK)
    roles = facts.incident_roles(connection, incident, on)
    calendar = facts.school_calendar(connection)
    out = []
    for child, records, _how in _children_around(connection, subject, on):
        present = any(roles.get(s, set()) & PRESENT_ROLES for a, _, s in records if a == "police")
        born = facts.born_of(connection, child)
        name = facts.name_in(connection, records, ("police", "education", "social_care", "health"))
        notice = {
            "child": name,
            "date_of_birth": born.isoformat() if born else None,
            "incident_date": at.date().isoformat(),
            "incident_time": at.strftime("%H:%M"),
            "child_present": present,
            "welfare_check": detail.get("welfare_check"),
            "childrens_services_told": detail.get("childrens_services_told"),
        }
        dsl = _school(connection, records, on)
        setting = urn_of(dsl)
        base = Finding(
            RULES["OPERATION_ENCOMPASS"],
            child,
            records,
            f"police|incident|{incident}",
            on,
            _when(event),
            details={"police.domestic_abuse": notice},
            summary=(
                f"Operation Encompass: police attended a domestic abuse incident on "
                f"{at:%A %d %B %Y} at {at:%H:%M}. {name or 'The child'} "
                f"({notice['date_of_birth'] or 'date of birth not known'}) was "
                f"{'present' if present else 'not recorded as present'}; welfare check made: "
                f"{_yes_no(notice['welfare_check'])}; children's services told: "
                f"{_yes_no(notice['childrens_services_told'])}."
            ),
            setting=setting,
            calendar=calendar,
        )
        out += [base, replace(base, rule=RULES["OPERATION_ENCOMPASS_HEALTH"])]
        if dsl is not None:
            out.append(_telephone_task(connection, base, dsl, notice))
    return out


def _telephone_task(
    connection: Connection, base: Finding, dsl: facts.Contact, notice: dict[str, Any]
) -> Finding:
    """The police's task to telephone the school's key adult (the police's own information
    and the school's published contact: nothing for the policy to cut)."""
    due_at = (base.calendar or SchoolCalendar()).next_school_day_start(
        base.occurred_at, base.setting
    )
    phone = facts.practitioner_phone(connection, "education", dsl.key) or "phone not known"
    return replace(
        base,
        rule=RULES["OPERATION_ENCOMPASS_CALL"],
        details={},
        summary=(
            f"Telephone {dsl.name}, the key adult at {dsl.team or 'the school'} ({phone}), "
            f"before {due_at.astimezone(UK):%H:%M on %A %d %B %Y}, to pass on the Operation "
            f"Encompass notification about {notice['child'] or 'the child'} (born "
            f"{notice['date_of_birth'] or 'date not known'})."
        ),
    )


def missing(connection: Connection, event: Mapping[str, Any], subject: Subject) -> list[Finding]:
    on = event["occurred_on"]
    if not facts.is_child(subject.born, on):
        return []
    since = facts.window(on, MISSING_WINDOW_DAYS)
    days = facts.missing_days(connection, subject.records, since, on)
    if len(days) < MISSING_EPISODES:
        return []
    episodes = {"episodes_in_90_days": len(days), "latest": on.isoformat()}
    return [
        _finding(
            RULES["MISSING_EPISODES"],
            subject,
            event,
            f"missing|{on.isoformat()}",
            details={"police.missing_reports": episodes, "social_care.missing_episodes": episodes},
            summary=f"Missing {len(days)} times in the 90 days to {on}",
        )
    ]


def mappa(connection: Connection, event: Mapping[str, Any], subject: Subject) -> list[Finding]:
    on = event["occurred_on"]
    if facts.is_child(subject.born, on):
        return []
    level = int(event["event_type"].rsplit("_", 1)[1])
    earlier = facts.earlier_event_types(
        connection, event["agency_id"], event["person_source_id"], event["id"], on
    )
    if any(f"MAPPA_LEVEL_{n}" in earlier for n in range(level, 4)):
        return []  # not new at this level
    rule = RULES["MAPPA_HOUSEHOLD"]
    return [
        Finding(
            rule,
            child,
            records,
            f"probation|events|{event['source_id']}|{child}",
            on,
            _when(event),
            details={"probation.mappa": {"level": level, "date": on.isoformat()}},
            summary=f"An adult in the child's household is managed at MAPPA level {level}",
        )
        for child, records, how in _children_around(connection, subject, on)
        if how != "involved"
    ]


def exclusion(connection: Connection, event: Mapping[str, Any], subject: Subject) -> list[Finding]:
    on = event["occurred_on"]
    if not facts.is_child(subject.born, on):
        return []
    if not facts.active_social_care(connection, subject.records, ON_PLAN_OR_LOOKED_AFTER, on):
        return []
    kind = "permanently excluded" if event["event_type"] == "EXCLUSION_PERM" else "suspended"
    return [
        _finding(
            RULES["EXCLUSION_OF_CHILD_IN_CARE_OR_ON_PLAN"],
            subject,
            event,
            f"education|exclusions|{event['source_id']}",
            details={"education.exclusions": {"kind": kind, "date": on.isoformat()}},
            summary=f"The child was {kind} from school on {on}",
        )
    ]


CONDITIONS: dict[str, Callable[[Connection, Mapping[str, Any], Subject], list[Finding]]] = {
    "CP_IS": cp_is,
    "CHILD_SELF_HARM": self_harm,
    "OPERATION_ENCOMPASS": encompass,
    "MISSING_EPISODES": missing,
    "MAPPA_HOUSEHOLD": mappa,
    "EXCLUSION_OF_CHILD_IN_CARE_OR_ON_PLAN": exclusion,
}


def findings_for(connection: Connection, event: Mapping[str, Any]) -> list[Finding]:
    """Every finding the rules make of one event; raises ``Unlinked`` to try again later."""
    rules = [
        r
        for r in rules_for(
            event["agency_id"], event["category"], event["event_type"], event.get("role")
        )
        if r.id in CONDITIONS
    ]
    if not rules:
        return []
    subject = Subject(connection, event)
    return [f for rule in rules for f in CONDITIONS[rule.id](connection, event, subject)]

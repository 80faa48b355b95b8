"""Who to call about an alert, and how: a person or a line, with phone, email and hours.

An alert's ``contact`` is a dict: ``name`` (a person's display name or a service's name),
``role`` and ``agency`` (words, for the reader), ``phone``, ``email``, ``hours`` (when a
line is answered) and ``out_of_hours`` (the agency's out-of-hours line: ``name``, ``phone``,
``hours``) where the agency has one. For a rule's source agency it is that agency's duty
line from its feed (``service_contacts.csv`` or the FHIR ``Organization.contact``), else the
configured duty team's email, else the MASH; for a recorded concern it is the practitioner
who recorded it (their account's practitioner record: name, phone, secure email), never a
username. Lines are organisational details, not personal data; a recorder's own work
details go with what they chose to share.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from joinedup.alerts import facts
from joinedup.alerts.routing import duty_team
from joinedup.config import AlertSettings
from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.store.account_tables import account
from joinedup.store.tables import practitioner

DUTY, OUT_OF_HOURS = "DUTY", "OUT_OF_HOURS"
_p = practitioner.c
_LINES = (
    select(_p.kind, _p.name, _p.phone, _p.email, _p.hours)
    .where(_p.kind.in_((DUTY, OUT_OF_HOURS)), _p.practitioner_key.not_like("line:school:%"))
    .order_by(_p.kind, _p.practitioner_key)
)


def agency_title(agency: str) -> str:
    try:
        return AGENCIES[AgencyId(agency)].name
    except ValueError:
        return agency.replace("_", " ")


def agency_lines(connection: Connection, agency: str) -> dict[str, dict[str, Any]]:
    """The agency's first duty and out-of-hours lines, by kind (read once per worker pass)."""

    def read() -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for row in connection.execute(_LINES.where(_p.agency_id == agency)):
            found.setdefault(
                row.kind,
                {"name": row.name, "phone": row.phone, "email": row.email, "hours": row.hours},
            )
        return found

    return facts._remembered(("contact_lines", agency), read)


def _with_out_of_hours(contact: dict[str, Any], lines: dict[str, dict[str, Any]]) -> dict:
    night = lines.get(OUT_OF_HOURS)
    if night:
        contact["out_of_hours"] = {k: night[k] for k in ("name", "phone", "hours")}
    return contact


def source_contact(
    connection: Connection, agency: str | None, settings: AlertSettings
) -> dict[str, Any]:
    """Whom to call about what ``agency`` holds: its duty line, else its duty team's email,
    else the MASH (children's social care's front door line, when it has one)."""
    if agency is not None:
        lines = agency_lines(connection, agency)
        if DUTY in lines:
            contact = {**lines[DUTY], "role": "Duty line", "agency": agency_title(agency)}
            return _with_out_of_hours(contact, lines)
        email = duty_team(settings, agency)
        if email is not None:
            return {"name": f"{agency_title(agency)} (safeguarding contact)", "email": email}
    lines = agency_lines(connection, AgencyId.SOCIAL_CARE.value)
    contact = {
        "name": "Multi-Agency Safeguarding Hub",
        "role": "Duty line",
        "agency": agency_title(AgencyId.SOCIAL_CARE.value),
        "email": settings.mash_email,
    }
    if DUTY in lines:
        contact["phone"], contact["hours"] = lines[DUTY]["phone"], lines[DUTY]["hours"]
    return _with_out_of_hours(contact, lines)


def recorder(connection: Connection, username: str, agency: str) -> tuple[str | None, dict]:
    """(practitioner key, contact) of the practitioner who recorded something: their name,
    role, agency, work phone and secure email from their agency's records."""
    who = connection.execute(
        select(account.c.display_name, account.c.practitioner_key, account.c.team).where(
            account.c.username == username
        )
    ).first()
    key = who.practitioner_key if who is not None else None
    person = None
    if key:
        person = connection.execute(
            select(_p.name, _p.role, _p.team, _p.phone, _p.email).where(
                _p.agency_id == agency, _p.practitioner_key == key
            )
        ).first()
    contact: dict[str, Any] = {
        "name": (who.display_name if who is not None else None)
        or (person.name if person is not None else None)
        or "A practitioner",
        "role": person.role if person is not None else None,
        "agency": agency_title(agency),
        "team": (person.team if person is not None else None) or (who.team if who else None),
        "phone": person.phone if person is not None else None,
        "email": (person.email if person is not None else None)
        or (key if key and "@" in key else None),
    }
    return key, _with_out_of_hours(contact, agency_lines(connection, agency))

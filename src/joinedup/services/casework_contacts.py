"""Who to call about a child: the practitioners of the single view and the agencies' lines.

``practitioners``: each agency's current practitioners of the person (from the involvement
tables), for the agencies whose lead field (``LEAD_FIELD``: allocated worker, GP practice,
school, key worker) the decision allows; their work phone and secure email only where it
also allows the agency's ``practitioner_contacts`` field (the agreements decide it apart
from the name). ``contact_lines``: each agency's duty and out-of-hours lines (organisational
numbers, not personal data) for the agencies the reader is told hold a record of the person
(shown or withheld), so that "ask the agency" names a number; a reader shown nothing is told
no agency (that alone would say who knows the person).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import and_, bindparam, or_, select, tuple_

from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.governance import gate
from joinedup.governance.data_map import CONTACTS_FIELD, LEAD_FIELD
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import involvement, practitioner

PERSON = "PERSON"
SCHOOL_OFFICE = "line:school:"  # a school office's line goes with its DSL, not the agency

_i, _p = involvement.c, practitioner.c
_LINKED_RECORDS = select(linkage_record.c.agency_id, linkage_record.c.source_id).where(
    linkage_record.c.person_id == bindparam("person_id")
)
_CURRENT_INVOLVEMENTS = (
    select(
        _i.agency_id,
        _i.role,
        _i.start_date,
        _i.end_date,
        _i.is_lead,
        _p.name,
        _p.email,
        _p.phone,
        _p.team,
    )
    .join(
        practitioner,
        and_(_p.agency_id == _i.agency_id, _p.practitioner_key == _i.practitioner_key),
        isouter=True,
    )
    .where(
        tuple_(_i.agency_id, _i.person_source_id).in_(_LINKED_RECORDS),
        _i.agency_id.in_(bindparam("agencies", expanding=True)),
        or_(_i.start_date.is_(None), _i.start_date <= bindparam("today")),
        or_(_i.end_date.is_(None), _i.end_date >= bindparam("today")),
    )
    .order_by(_i.agency_id, _i.is_lead.desc())
)
_LINES = (
    select(_p.agency_id, _p.kind, _p.name, _p.phone, _p.email, _p.hours)
    .where(
        _p.agency_id.in_(bindparam("agencies", expanding=True)),
        _p.kind != PERSON,
        _p.practitioner_key.not_like(f"{SCHOOL_OFFICE}%"),
    )
    .order_by(_p.agency_id, _p.kind, _p.name)
)


def agency_name(agency: str) -> str:
    try:
        return AGENCIES[AgencyId(agency)].name
    except ValueError:
        return agency


def _practitioners(connection: Any, opened: gate.Opened, today: date) -> list[dict[str, Any]]:
    agencies = sorted(
        {
            r.agency
            for r in opened.subject.records
            if (field_name := LEAD_FIELD.get(r.agency)) and opened.allows(field_name)
        }
    )
    if not agencies:
        return []
    rows = connection.execute(
        _CURRENT_INVOLVEMENTS,
        {"person_id": opened.subject.person_id, "agencies": agencies, "today": today},
    ).all()
    seen = set()
    out = []
    for row in rows:
        key = (row.agency_id, row.name, row.email)
        if key in seen:
            continue
        seen.add(key)
        reachable = opened.allows(CONTACTS_FIELD[row.agency_id])
        out.append(
            {
                "agency": row.agency_id,
                "agency_name": agency_name(row.agency_id),
                "role": row.role,
                "name": row.name,
                "email": row.email if reachable else None,
                "phone": row.phone if reachable else None,
                "contact_details_shared": reachable,
                "team": row.team,
                "lead": bool(row.is_lead),
                "since": row.start_date.isoformat() if row.start_date else None,
            }
        )
    return out


def _contact_lines(connection: Any, opened: gate.Opened) -> list[dict[str, Any]]:
    if not opened.decision.allowed:
        return []
    agencies = sorted({r.agency for r in opened.subject.records})
    if not agencies:
        return []
    return [
        {
            "agency": row.agency_id,
            "agency_name": agency_name(row.agency_id),
            "kind": row.kind,
            "service": row.name,
            "phone": row.phone,
            "email": row.email,
            "hours": row.hours,
        }
        for row in connection.execute(_LINES, {"agencies": agencies})
    ]

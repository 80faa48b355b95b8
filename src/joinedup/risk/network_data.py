"""The police incidents the exploitation network is drawn from, read from the store as plain
data (``risk.network``): who was involved in each (as linked persons, a child or an adult on
the day), the places and objects linked to it, and the children an assessment flagged for
exploitation. Also the places' and objects' own details, for the view.

Store-aware (takes a SQLAlchemy ``Connection``), no web framework.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Connection, and_, select

from joinedup.domain.model import EventCategory
from joinedup.risk.factors import CIN_FACTOR_OF
from joinedup.risk.network import Incident, Involved, Linked
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.pole_tables import pole_entity, pole_incident_link
from joinedup.store.tables import event, person_record

POLICE = "police"
ADULTHOOD_YEARS = 18


@dataclass(frozen=True, slots=True)
class Thing:
    """A place or an object, as the police recorded it."""

    key: str  # LOCATION:<id> | OBJECT:<id>
    entity_type: str
    kind: str
    label: str | None
    description: str | None
    postcode: str | None


def _is_child(born: date | None, on: date) -> bool:
    if born is None:
        return False
    years = on.year - born.year - ((on.month, on.day) < (born.month, born.day))
    return years < ADULTHOOD_YEARS


def police_incidents(connection: Connection) -> list[Incident]:
    """Every police incident with a linked person in it, with its people and things."""
    rows = connection.execute(
        select(
            event.c.source_id,
            event.c.event_type,
            event.c.occurred_on,
            event.c.role,
            linkage_record.c.person_id,
            person_record.c.date_of_birth,
        )
        .join(
            person_record,
            and_(
                person_record.c.agency_id == event.c.agency_id,
                person_record.c.source_table == "persons",
                person_record.c.source_id == event.c.person_source_id,
            ),
        )
        .join(linkage_record, LINKED_PERSON_RECORD)
        .where(
            event.c.agency_id == POLICE,
            event.c.category == EventCategory.POLICE_INCIDENT.value,
        )
    ).all()
    heads: dict[str, tuple[date, str]] = {}
    people: dict[str, set[Involved]] = defaultdict(set)
    for source_id, category, occurred_on, role, person_id, born in rows:
        incident_id = source_id.rsplit("|", 2)[0]
        heads[incident_id] = (occurred_on, category)
        people[incident_id].add(Involved(person_id, role or "", _is_child(born, occurred_on)))
    things: dict[str, set[Linked]] = defaultdict(set)
    link = pole_incident_link.c
    for incident_id, entity_type, entity_id, role in connection.execute(
        select(link.incident_id, link.entity_type, link.entity_id, link.role).where(
            link.agency_id == POLICE
        )
    ):
        if incident_id in heads:
            things[incident_id].add(Linked(f"{entity_type}:{entity_id}", role))
    return [
        Incident(
            incident_id,
            occurred_on,
            category,
            tuple(sorted(people[incident_id], key=lambda p: (p.person_id, p.role))),
            tuple(sorted(things[incident_id], key=lambda t: (t.key, t.role))),
        )
        for incident_id, (occurred_on, category) in sorted(heads.items())
    ]


def exploitation_flagged(connection: Connection) -> frozenset[str]:
    """Children whose social care assessment found going missing, CSE, CCE or gangs."""
    codes = {code for code, factor in CIN_FACTOR_OF.items() if factor == "cin_exploitation"}
    rows = connection.execute(
        select(linkage_record.c.person_id, event.c.codes)
        .join(
            linkage_record,
            and_(
                linkage_record.c.agency_id == event.c.agency_id,
                linkage_record.c.source_id == event.c.person_source_id,
                linkage_record.c.source_table == "ssd_person",
            ),
        )
        .where(
            event.c.agency_id == "social_care",
            event.c.source_table == "ssd_assessment_factors",
        )
    ).all()
    return frozenset(pid for pid, found in rows if codes.intersection(found or ()))


def things_by_key(connection: Connection, keys: set[str]) -> dict[str, Thing]:
    """The places' and objects' details (``LOCATION:<id>``, ``OBJECT:<id>``)."""
    found: dict[str, Thing] = {}
    if not keys:
        return found
    for row in connection.execute(select(pole_entity).where(pole_entity.c.agency_id == POLICE)):
        key = f"{row.entity_type}:{row.entity_id}"
        if key in keys:
            found[key] = Thing(
                key, row.entity_type, row.kind, row.label, row.description, row.postcode
            )
    return found

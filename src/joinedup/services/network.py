"""The exploitation network (issue 22) as the reader may see it: the adults, places and
vehicles or phones tied to two or more children who go missing or are exploited, each tie with
its evidence (the police incidents: id, date, category, roles).

Governed and audited: the use is checked (the MASH, and the police safeguarding officer, under
MASH triage or a child protection enquiry: the MASH agreement's purposes), and every child and
adult the network could hold is opened through the gate, so each is a decided, audited read
(through the bulk gate, ``gate_bulk.open_people``: the same decisions and audit entries as
opening each in turn, in a few queries for the whole partnership).
A child's incident counts only when the reader may see its category (missing person reports,
or incidents) and the roles in it; an assessment's exploitation flag only when they may see
the assessments. The network is then built from what is left, so a withheld fact changes
nothing that is shown: no tie, no count, no adult or place that only it would have kept. A
person is named only when the reader may see an identity of theirs (else "Child 1",
"Adult 1"), and an adult's role only when the reader may see the adult's roles in incidents.
Places and objects are part of the incidents they are linked to: they are shown only through
the ties that survive.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from pydantic import Field
from sqlalchemy import Connection, Engine, select

from joinedup.governance import gate, gate_bulk, uses
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.data_map import event_field, identity_field
from joinedup.governance.reader import Reader
from joinedup.governance.roles import sealed_kind
from joinedup.governance.subjects import CHUNK
from joinedup.risk import network as net
from joinedup.risk.network_data import (
    Thing,
    exploitation_flagged,
    police_incidents,
    things_by_key,
)
from joinedup.services.answers import Answer
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_record
from joinedup.store.tables import person_record

ROLES_FIELD = "police.incident_roles"
ASSESSMENTS_FIELD = "social_care.assessments"
IDENTITY_FIELDS = frozenset(f for f in CATALOGUE if f.endswith(".identity"))
CHILD_FIELDS = IDENTITY_FIELDS | {
    "police.missing_reports",
    "police.incidents",
    ROLES_FIELD,
    ASSESSMENTS_FIELD,
}
ADULT_FIELDS = IDENTITY_FIELDS | {ROLES_FIELD}


class NetworkNode(Answer):
    id: str = Field(description="a person id, or LOCATION:<id> / OBJECT:<id>")
    kind: str = Field(description="CHILD, ADULT, LOCATION or OBJECT")
    label: str = Field(description="the name if you may see it, else Child 1, Adult 1, ...")
    detail: str | None = Field(None, description="a place's or object's kind and postcode")
    children: int = Field(description="how many children of the network it is tied to")
    href: str | None = Field(None, description="the person's single view (through the gate)")


class NetworkEvidence(Answer):
    incident_id: str
    occurred_on: str
    category: str
    child_role: str
    role: str | None = Field(description="the adult's, place's or object's role (null: withheld)")


class NetworkTie(Answer):
    child: str
    node: str
    evidence: list[NetworkEvidence]


class ExploitationNetwork(Answer):
    nodes: list[NetworkNode]
    ties: list[NetworkTie]


def exploitation_network(
    engine: Engine, reader: Reader, *, now: datetime | None = None
) -> ExploitationNetwork:
    """The network as the reader may see it; every person in it opened through the gate."""
    uses.EXPLOITATION_NETWORK.check(reader)
    now = now or datetime.now(UTC)
    with engine.begin() as connection:
        incidents = police_incidents(connection)
        flagged = exploitation_flagged(connection)
        candidates = net.children_of(incidents, flagged)
        opened = gate_bulk.open_people(connection, reader, candidates, CHILD_FIELDS, now=now)
        allowed = [_as_allowed(incident, opened) for incident in incidents]
        shown_flagged = frozenset(
            c for c in flagged if c in opened and opened[c].allows(ASSESSMENTS_FIELD)
        )
        network = net.build(allowed, shown_flagged)
        opened |= gate_bulk.open_people(connection, reader, network.adults, ADULT_FIELDS, now=now)
        sealed = {a for a in network.adults if _sealed_from(opened[a])}
        if sealed:  # drawn without them: their ties, ids and counts are what the seal keeps
            network = net.build([_without(i, sealed) for i in allowed], shown_flagged)
        names = _names(connection, {p: opened[p] for p in (*network.children, *network.adults)})
        things = things_by_key(connection, set(network.things))
    degrees = network.degrees()
    nodes: list[dict[str, object]] = []
    for kind, ids in (("CHILD", network.children), ("ADULT", network.adults)):
        for number, person_id in enumerate(ids, start=1):
            nodes.append(
                {
                    "id": person_id,
                    "kind": kind,
                    "label": names.get(person_id) or f"{kind.title()} {number}",
                    "children": degrees.get(person_id, 0) if kind == "ADULT" else 0,
                    "href": f"/people/{person_id}",
                }
            )
    for key in network.things:
        thing = things.get(key)
        nodes.append(
            {
                "id": key,
                "kind": key.split(":", 1)[0],
                "label": (thing.label if thing and thing.label else key.split(":", 1)[1]),
                "detail": _detail(thing),
                "children": degrees.get(key, 0),
            }
        )
    ties = [
        {
            "child": tie.child,
            "node": tie.node,
            "evidence": [
                {
                    "incident_id": e.incident_id,
                    "occurred_on": e.occurred_on.isoformat(),
                    "category": e.category,
                    "child_role": e.child_role,
                    "role": e.role
                    if net.is_thing(tie.node) or opened[tie.node].allows(ROLES_FIELD)
                    else None,
                }
                for e in tie.evidence
            ],
        }
        for tie in network.ties
    ]
    # No count of the children left out: that they exist is itself what is withheld.
    return ExploitationNetwork.model_validate({"nodes": nodes, "ties": ties})


def _as_allowed(incident: net.Incident, opened: dict[str, gate.Opened]) -> net.Incident:
    """The incident without the children whose part in it the reader may not see."""
    category_field = event_field("police", "involvements", incident.category, [])
    people = tuple(
        p
        for p in incident.people
        if not p.is_child
        or (
            p.person_id in opened
            and category_field is not None
            and opened[p.person_id].allows(category_field)
            and opened[p.person_id].allows(ROLES_FIELD)
        )
    )
    return replace(incident, people=people)


def _sealed_from(opened: gate.Opened) -> bool:
    """The person's record is sealed and no rule opens the seal for this reader."""
    kinds = {sealed_kind(s) for s in opened.subject.sealed}
    return bool(kinds - opened.decision.sealed_permitted)


def _without(incident: net.Incident, people: set[str]) -> net.Incident:
    return replace(incident, people=tuple(p for p in incident.people if p.person_id not in people))


def _names(connection: Connection, opened: dict[str, gate.Opened]) -> dict[str, str]:
    """Each person's name, from an agency whose identity data the reader may see for them
    (the police's first: the network is drawn from its records)."""
    if not opened:
        return {}
    lr, pr = linkage_record.c, person_record.c
    ids = list(opened)
    rows = [
        row
        for start in range(0, len(ids), CHUNK)  # SQLite's limit on bound parameters
        for row in connection.execute(
            select(lr.person_id, pr.agency_id, pr.forenames, pr.surname)
            .join(person_record, LINKED_PERSON_RECORD)
            .where(lr.person_id.in_(ids[start : start + CHUNK]))
        )
    ]
    names: dict[str, str] = {}
    for row in sorted(rows, key=lambda r: (r.person_id, r.agency_id != "police", r.agency_id)):
        field_name = identity_field(row.agency_id)
        if row.person_id in names or not field_name or not opened[row.person_id].allows(field_name):
            continue
        name = " ".join(x for x in (row.forenames, row.surname) if x)
        if name:
            names[row.person_id] = name
    return names


def _detail(thing: Thing | None) -> str | None:
    """A place's or object's kind, description and postcode, in words."""
    if thing is None:
        return None
    parts = (thing.kind.replace("_", " ").lower(), thing.description, thing.postcode)
    return ", ".join(p for p in parts if p)

"""``pole-csv/1``'s optional files of places, objects and their ties to incidents (issue 22):
``locations.csv``, ``objects.csv`` and ``incident_links.csv``.

Each row is kept or quarantined with a reason: a kind or role outside the contract, a vehicle
registration mark that is no UK format, a link naming an incident, place or object that is not
in the delivery (or was quarantined). A kept row derives one ``pole_entity`` or
``pole_incident_link`` row (``store.pole_tables``); a link carries its incident's date and
category, the evidence the exploitation network shows for the tie.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from joinedup.ingest.base import DeliveryContext, FileSpec, ParsedRow, parsed
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import RowChecks

LOCATION_KINDS = frozenset({"ADDRESS", "HOTEL", "PARK", "TAKEAWAY", "STATION", "SHOP", "OTHER"})
OBJECT_KINDS = frozenset({"VEHICLE", "PHONE"})
ENTITY_TYPES = frozenset({"LOCATION", "OBJECT"})
LINK_ROLES = frozenset({"SEEN_AT", "FOUND_AT", "USED", "SEEN_IN", "REGISTERED_KEEPER"})
# The file (and context table) that holds each entity type's ids.
_TABLE = {"LOCATION": "locations", "OBJECT": "objects"}
_ID_COLUMN = {"LOCATION": "location_id", "OBJECT": "object_id"}
_KINDS = {"LOCATION": LOCATION_KINDS, "OBJECT": OBJECT_KINDS}

# UK vehicle registration marks (DVLA): current (AB12 CDE), prefix (A123 BCD), suffix
# (ABC 123D) and dateless (1234 AB, AB 1234, ABC 123); compared without spaces.
_VRM_FORMATS = tuple(
    re.compile(pattern)
    for pattern in (
        r"([A-Z]{2}[0-9]{2})([A-Z]{3})",
        r"([A-Z][0-9]{1,3})([A-Z]{3})",
        r"([A-Z]{3})([0-9]{1,3}[A-Z])",
        r"([0-9]{1,4})([A-Z]{1,3})",
        r"([A-Z]{1,3})([0-9]{1,4})",
    )
)


def vrm(value: str) -> str | None:
    """The registration mark in its usual written form ("AB12 CDE"), or None when ``value``
    is no UK format."""
    compact = re.sub(r"\s+", "", value).upper()
    for pattern in _VRM_FORMATS:
        found = pattern.fullmatch(compact)
        if found:
            return f"{found.group(1)} {found.group(2)}"
    return None


def parse_location(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    return _entity_row(raw, checks, context, "LOCATION", _place)


def parse_object(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    return _entity_row(raw, checks, context, "OBJECT", _thing)


# What a place's or an object's row says of it: (label, description, postcode).
Described = tuple[str | None, str | None, str | None]


def _place(row: dict[str, Any], _kind: str | None, checks: RowChecks) -> Described:
    return checks.text(row, "name"), None, checks.postcode(row, "postcode")


def _thing(row: dict[str, Any], kind: str | None, checks: RowChecks) -> Described:
    """An object's identifier in its usual form: a vehicle's registration mark, a phone's
    number (each checked), and its description."""
    identifier = checks.text(row, "identifier")
    description = checks.text(row, "description")
    if kind == "VEHICLE" and identifier is not None:
        mark = vrm(identifier)
        if mark is None:
            checks.add(
                "INVALID_VRM",
                "identifier",
                f"identifier {identifier!r} is not a UK vehicle registration mark (e.g. AB12 CDE)",
            )
        identifier = mark
    elif kind == "PHONE" and identifier is not None:
        identifier = checks.phone(row, "identifier")
    return identifier, description, None


def _entity_row(
    raw: RawRow,
    checks: RowChecks,
    context: DeliveryContext,
    entity_type: str,
    describe: Callable[[dict[str, Any], str | None, RowChecks], Described],
) -> ParsedRow:
    """A place's or an object's row: its id and its kind (one of the contract's), then what
    ``describe`` reads of it. A row kept is remembered (the links are checked against it)
    and derives one ``pole_entity`` row."""
    table = _TABLE[entity_type]
    row = raw.values or {}
    entity_id = checks.text(row, _ID_COLUMN[entity_type], required=True)
    kind = checks.code(row, "kind", _KINDS[entity_type], required=True)
    label, description, postcode = describe(row, kind, checks)
    network = []
    if entity_id and kind and not checks.has_errors:
        context.remember(table, entity_id)
        entity = dict(
            entity_type=entity_type,
            entity_id=entity_id,
            agency_id=context.agency,
            kind=kind,
            label=label,
            description=description,
            postcode=postcode,
        )
        network.append(("pole_entity", entity))
    return parsed(raw, table, entity_id, checks, network=network)


def parse_incident_link(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    incident_id = checks.text(row, "incident_id", required=True)
    entity_type = checks.code(row, "entity_type", ENTITY_TYPES, required=True)
    entity_id = checks.text(row, "entity_id", required=True)
    role = checks.code(row, "role", LINK_ROLES, required=True)
    if incident_id and not context.knows("incidents", incident_id):
        checks.add(
            "UNKNOWN_REFERENCE",
            "incident_id",
            f"incident_id {incident_id!r} is not in incidents.csv of this delivery "
            "(or that incident was quarantined)",
        )
    if entity_type and entity_id and not context.knows(_TABLE[entity_type], entity_id):
        checks.add(
            "UNKNOWN_REFERENCE",
            "entity_id",
            f"entity_id {entity_id!r} is not in {_TABLE[entity_type]}.csv of this delivery "
            "(or that row was quarantined)",
        )
    source_id = f"{incident_id}|{entity_type}|{entity_id}|{role}"
    network = []
    if incident_id and entity_type and entity_id and role and not checks.has_errors:
        occurred, category, *_ = context.fact("incidents")[incident_id]
        network.append(
            (
                "pole_incident_link",
                {
                    "agency_id": context.agency,
                    "incident_id": incident_id,
                    "entity_type": entity_type,
                    "entity_id": entity_id,
                    "role": role,
                    "occurred_on": occurred.date(),
                    "category": category,
                },
            )
        )
    return parsed(raw, "incident_links", source_id, checks, network=network)


# In the adapter's order: places and objects before incidents, links after them.
LOCATIONS = FileSpec(
    "locations.csv",
    "locations",
    ("location_id", "kind"),
    parse_location,
    required_file=False,
    optional_columns=("name", "postcode"),
)
OBJECTS = FileSpec(
    "objects.csv",
    "objects",
    ("object_id", "kind"),
    parse_object,
    required_file=False,
    optional_columns=("identifier", "description"),
)
INCIDENT_LINKS = FileSpec(
    "incident_links.csv",
    "incident_links",
    ("incident_id", "entity_type", "entity_id", "role"),
    parse_incident_link,
    required_file=False,
)

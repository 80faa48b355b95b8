"""The police's places and objects (``pole-csv/1`` ``locations.csv``, ``objects.csv``) and
which incident each was tied to, in what role (``incident_links.csv``): what the exploitation
network draws besides people (issue 22). Derived from one source row each, like the core
canonical tables, and replaced with it when a re-delivery changes the row. Same metadata as
the core tables."""

from __future__ import annotations

from sqlalchemy import Column, Date, ForeignKey, Index, String, Table, UniqueConstraint

from joinedup.store.tables import Id, metadata

# A place (ADDRESS, HOTEL, PARK, ...) or an object (VEHICLE, PHONE) the police recorded.
pole_entity = Table(
    "pole_entity",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id",
        Id,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("agency_id", String(40), nullable=False),
    Column("entity_type", String(10), nullable=False),  # LOCATION | OBJECT
    Column("entity_id", String(200), nullable=False),
    Column("kind", String(20), nullable=False),
    # A place's name, a vehicle's registration mark (VRM) or a phone's number.
    Column("label", String(400)),
    Column("description", String(400)),
    Column("postcode", String(10)),
    UniqueConstraint("agency_id", "entity_type", "entity_id", name="uq_pole_entity_key"),
    Index("ix_pole_entity_source_record", "source_record_id"),
)

# An incident tied to a place or object: with the incident's date and category as the
# delivery stated them (the tie's evidence).
pole_incident_link = Table(
    "pole_incident_link",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id",
        Id,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("agency_id", String(40), nullable=False),
    Column("incident_id", String(200), nullable=False),
    Column("entity_type", String(10), nullable=False),
    Column("entity_id", String(200), nullable=False),
    Column("role", String(30), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("category", String(40), nullable=False),
    Index("ix_pole_incident_link_incident", "agency_id", "incident_id"),
    Index("ix_pole_incident_link_source_record", "source_record_id"),
)

# Replaced with the source row they derive from (``repositories.replace_derived``).
DERIVED = (pole_entity, pole_incident_link)

"""Tables of interventions (the ``interventions`` Alembic branch). Same metadata as the core.

``intervention_type`` is the configurable catalogue (seeded from
``joinedup.interventions.catalogue`` on first use; partnerships add their own). An
``intervention`` names the child by an agency record the platform already holds
(``person_agency`` + ``person_source_id``, as the provider quoted it); the linked person is
found through linkage when it is read, so a later re-link never leaves it pointing at a
retired person id.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from joinedup.store.tables import Id, metadata

intervention_type = Table(
    "intervention_type",
    metadata,
    Column("code", String(60), primary_key=True),
    Column("title", String(200), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("min_age", Integer, nullable=False, default=0),
    Column("max_age", Integer, nullable=False, default=18),
    Column("active", Boolean, nullable=False, default=True),
)

intervention = Table(
    "intervention",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("external_id", String(120), nullable=False, unique=True),
    Column(
        "type_code", String(60), ForeignKey("intervention_type.code"), nullable=False, index=True
    ),
    Column("person_agency", String(40), nullable=False),
    Column("person_source_id", String(200), nullable=False),
    Column("start_date", Date, nullable=False),
    Column("end_date", Date),
    Column("provider", String(200), nullable=False, default=""),
    Column("cost_pence", Integer),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("recorded_by", String(200), nullable=False),
    Index("ix_intervention_person", "person_agency", "person_source_id"),
    Index("ix_intervention_start", "start_date"),
)

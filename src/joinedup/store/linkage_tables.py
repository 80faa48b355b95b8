"""Tables of record linkage (the ``linkage`` Alembic branch). Same metadata as the core tables.

Links are keyed by the record's stable source key (``agency|source_table|source_id``), not by
``person_record.id``: a re-delivered row gets a new ``person_record`` row, and a person id or
a reviewer's decision must survive that. ``person_link`` (core) is rewritten from these.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    and_,
)
from sqlalchemy.sql.elements import ColumnElement

from joinedup.store.tables import Id, Json, metadata, person_record

# Incremental linking looks candidates up by postcode as well as NHS number, UPN and DOB.
Index("ix_person_record_postcode", person_record.c.postcode)
Index("ix_person_record_surname_forenames", person_record.c.surname, person_record.c.forenames)

linkage_model = Table(
    "linkage_model",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # sha256 over the cleaned records the model was trained on (what it learnt from).
    Column("fingerprint", String(64), nullable=False),
    Column("records", Integer, nullable=False),
    Column("backend", String(20), nullable=False),
    Column("splink_version", String(20), nullable=False),
    Column("settings", Json, nullable=False),  # Splink's trained model JSON
    Column("thresholds", Json, nullable=False),  # {"link": w, "review": w}
    Column("term_frequencies", Json, nullable=False),  # {column: {value: frequency}}
    Column("active", Boolean, nullable=False, default=True),
)

linkage_run = Table(
    "linkage_run",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(20), nullable=False),  # BATCH | INCREMENTAL
    Column("backend", String(20), nullable=False),
    Column("model_id", Id, ForeignKey("linkage_model.id"), nullable=False),
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Column("records", Integer, nullable=False, default=0),
    Column("comparisons", Integer, nullable=False, default=0),
    Column("persons", Integer, nullable=False, default=0),
    Column("summary", Json, nullable=False, default=dict),
)

linkage_record = Table(
    "linkage_record",
    metadata,
    Column("record_key", String(300), primary_key=True),
    Column("agency_id", String(40), nullable=False),
    Column("source_table", String(80), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("person_id", String(40), ForeignKey("person.id"), nullable=False),
    # Strongest match weight that tied the record to its person (None: alone or must-link).
    Column("match_weight", Float),
    Column("run_id", Id, ForeignKey("linkage_run.id"), nullable=False),
    # Short digests of the record's NHS number/UPN with its DOB, and of its name, as they were
    # when it joined this person (``linkage.continuity``; migration 0040_linkage_identity).
    Column("identity", Json),
    Index("ix_linkage_record_person", "person_id"),
    # From an agency's record to its person (migration 0021_linkage_source).
    Index("ix_linkage_record_source", "agency_id", "source_id", "source_table"),
)

linkage_change = Table(
    "linkage_change",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("run_id", Id, ForeignKey("linkage_run.id"), nullable=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(20), nullable=False),  # CREATED | MERGED | SPLIT | MOVED | RETIRED
    Column("person_id", String(40), nullable=False),
    Column("other_person_ids", Json, nullable=False, default=list),
    Column("record_keys", Json, nullable=False, default=list),
    Column("reason", Text),
    Index("ix_linkage_change_person", "person_id"),
    Index("ix_linkage_change_run", "run_id"),
)

# A bridge merge (issue 20): an incrementally linked record matched records of two or more
# persons, so the others were merged into one in that transaction (migration 0065). One row per
# person merged away; their id resolves to ``into_person_id`` wherever a person id is looked
# up (``store.merged_persons``) until a split (``undone_at``) reverses it.
linkage_merge = Table(
    "linkage_merge",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("merged_person_id", String(40), nullable=False),
    Column("into_person_id", String(40), nullable=False),
    Column("bridge_record_key", String(300), nullable=False),
    # {person_id: strongest match weight of the bridging record with that person's records}
    Column("match_weights", Json, nullable=False),
    # The merged-away person's records when merged (what a split gives back).
    Column("record_keys", Json, nullable=False, default=list),
    Column("merged_at", DateTime(timezone=True), nullable=False),
    Column("run_id", Id, ForeignKey("linkage_run.id"), nullable=False),
    Column("undone_at", DateTime(timezone=True)),
    Column("undone_by", String(200)),
    Index("ix_linkage_merge_merged", "merged_person_id"),
    Index("ix_linkage_merge_into", "into_person_id"),
)

linkage_review = Table(
    "linkage_review",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("record_key_l", String(300), nullable=False),
    Column("record_key_r", String(300), nullable=False),
    Column("match_weight", Float, nullable=False),
    Column("match_probability", Float, nullable=False),
    Column("evidence", Json, nullable=False),  # per comparison: level, weight, values
    Column("status", String(10), nullable=False, default="OPEN"),  # OPEN | DECIDED | STALE
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("run_id", Id, ForeignKey("linkage_run.id")),
    Column("decision", String(10)),  # MATCH | NON_MATCH
    Column("decided_by", String(200)),
    Column("decided_at", DateTime(timezone=True)),
    Column("reason", Text),
    UniqueConstraint("record_key_l", "record_key_r", name="uq_linkage_review_pair"),
    Index("ix_linkage_review_status", "status"),
)

linkage_household = Table(
    "linkage_household",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("address_key", String(400), nullable=False),
    Column("postcode", String(10)),
    Column("from_date", Date),
    Column("to_date", Date),
    Column("run_id", Id, ForeignKey("linkage_run.id"), nullable=False),
)

linkage_household_member = Table(
    "linkage_household_member",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "household_id",
        String(40),
        ForeignKey("linkage_household.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("person_id", String(40), nullable=False),
    Column("from_date", Date),
    Column("to_date", Date),
    Column("evidence", Json, nullable=False, default=list),  # which agencies/tables said so
    Index("ix_linkage_household_member_person", "person_id"),
    Index("ix_linkage_household_member_household", "household_id"),
)

linkage_family_tie = Table(
    "linkage_family_tie",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("related_person_id", String(40), nullable=False),
    Column("source", String(40), nullable=False),  # SSD_FAMILY | POLICE_INCIDENT | ...
    Column("evidence", Text),
    UniqueConstraint("person_id", "related_person_id", "source", name="uq_linkage_family_tie"),
    Index("ix_linkage_family_tie_person", "person_id"),
)


def linked_record(record: Any) -> ColumnElement[bool]:
    """The one join between a linked record and an agency's record (same agency, table,
    source id): ``record`` is the columns of ``person_record`` or of a selection from it."""
    return and_(
        record.agency_id == linkage_record.c.agency_id,
        record.source_table == linkage_record.c.source_table,
        record.source_id == linkage_record.c.source_id,
    )


LINKED_PERSON_RECORD = linked_record(person_record.c)

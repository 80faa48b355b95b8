"""The store's tables (SQLAlchemy Core), one metadata for SQLite and PostgreSQL alike.

Keep-every-row design: every accepted row of every delivery is kept as delivered
(``source_record`` with its version history in ``source_record_version``); every refused row
is kept in ``quarantined_row`` with its reason codes. Canonical tables (``person_record``,
``event``, ``address``, ``practitioner``, ``involvement``, ``family_membership``) are derived
from the accepted rows and point back to them.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB

# JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
Json = JSON().with_variant(JSONB(), "postgresql")
# 64-bit ids on PostgreSQL; SQLite needs plain INTEGER PRIMARY KEY for rowid aliasing.
Id = BigInteger().with_variant(Integer(), "sqlite")

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

agency = Table(
    "agency",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("name", String(200), nullable=False),
    Column("feed_format", String(40), nullable=False),
    Column("statutory_partner", Boolean, nullable=False, default=False),
)

delivery = Table(
    "delivery",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("agency_id", String(40), ForeignKey("agency.id"), nullable=False),
    Column("feed_format", String(40), nullable=False),
    Column("partnership", String(200)),
    Column("extracted_at", DateTime(timezone=True), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("source_path", Text, nullable=False),
    Column("rows", Integer, nullable=False, default=0),
    Column("accepted", Integer, nullable=False, default=0),
    Column("warnings", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("inserted", Integer, nullable=False, default=0),
    Column("updated", Integer, nullable=False, default=0),
    Column("unchanged", Integer, nullable=False, default=0),
    UniqueConstraint("agency_id", "manifest_sha256", name="uq_delivery_agency_manifest"),
    CheckConstraint("rows = accepted + quarantined", name="rows_accounted"),
)

delivery_file = Table(
    "delivery_file",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False),
    Column("path", String(400), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("rows", Integer, nullable=False),
    Column("accepted", Integer, nullable=False),
    Column("warnings", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    UniqueConstraint("delivery_id", "path", name="uq_delivery_file_path"),
    CheckConstraint("rows = accepted + quarantined", name="rows_accounted"),
    CheckConstraint("warnings <= accepted", name="warnings_within_accepted"),
)

source_record = Table(
    "source_record",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("agency_id", String(40), ForeignKey("agency.id"), nullable=False),
    Column("source_table", String(80), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("content_sha256", String(64), nullable=False),
    Column("payload", Json, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("first_delivery_id", Id, ForeignKey("delivery.id"), nullable=False),
    # The delivery that last changed this row (an identical re-delivery changes nothing).
    Column("last_changed_delivery_id", Id, ForeignKey("delivery.id"), nullable=False),
    Column("row_number", Integer, nullable=False),
    UniqueConstraint("agency_id", "source_table", "source_id", name="uq_source_record_key"),
)

source_record_version = Table(
    "source_record_version",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # looked up by source_record_id through the unique key's leading column (a separate index
    # on it only cost every insert)
    Column(
        "source_record_id",
        Id,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        nullable=False,
    ),
    Column("version", Integer, nullable=False),
    Column("content_sha256", String(64), nullable=False),
    # The version's payload, or NULL for the record's current version, whose payload is the
    # record's own (``source_record.payload``): an ingest writes each row once, not twice.
    # Superseding a version copies the record's payload in (``BatchWriter``); readers take
    # coalesce(version payload, record payload) (``SourceRecordRepository.history``).
    Column("payload", Json, nullable=True),
    Column("delivery_id", Id, ForeignKey("delivery.id"), nullable=False),
    Column("superseded_by_delivery_id", Id, ForeignKey("delivery.id")),
    UniqueConstraint("source_record_id", "version", name="uq_source_record_version"),
)

row_finding = Table(
    "row_finding",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False),
    Column("file", String(400), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("severity", String(10), nullable=False),  # warning | error
    Column("code", String(60), nullable=False),
    Column("field", String(120)),
    Column("message", Text, nullable=False),
    Index("ix_row_finding_delivery_code", "delivery_id", "code"),
)

quarantined_row = Table(
    "quarantined_row",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, ForeignKey("delivery.id", ondelete="CASCADE"), nullable=False),
    Column("agency_id", String(40), ForeignKey("agency.id"), nullable=False),
    Column("file", String(400), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("source_table", String(80), nullable=False),
    Column("source_id", String(200)),
    Column("raw", Text, nullable=False),
    Column("reason_codes", Json, nullable=False),
    Column("message", Text, nullable=False),
    Column("status", String(20), nullable=False, default="open"),  # open | resolved
    Column("resolved_by_delivery_id", Id, ForeignKey("delivery.id")),
    Index("ix_quarantined_row_agency_status", "agency_id", "status"),
)

person_record = Table(
    "person_record",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id",
        Id,
        ForeignKey("source_record.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("agency_id", String(40), nullable=False),
    Column("source_table", String(80), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("forenames", String(200)),
    Column("surname", String(200)),
    Column("date_of_birth", Date),
    Column("sex", String(1), nullable=False, default="U"),
    Column("nhs_number", String(10)),
    Column("upn", String(13)),
    Column("postcode", String(10)),
    Column("address_line", String(400)),
    Column("ethnicity", String(8)),
    Column("other_names", Json, nullable=False, default=list),
    Column("attributes", Json, nullable=False, default=dict),
    # The surname as search looks it up: case and accents folded (``domain.names``).
    Column("surname_folded", String(200)),
    UniqueConstraint("agency_id", "source_table", "source_id", name="uq_person_record_key"),
    Index("ix_person_record_nhs", "nhs_number"),
    Index("ix_person_record_upn", "upn"),
    Index("ix_person_record_dob_surname", "date_of_birth", "surname"),
)

event = Table(
    "event",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id", Id, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False
    ),
    Column("agency_id", String(40), nullable=False),
    Column("source_table", String(80), nullable=False),
    Column("source_id", String(200), nullable=False),
    Column("person_source_id", String(200), nullable=False),
    Column("category", String(40), nullable=False),
    Column("event_type", String(80), nullable=False),
    Column("occurred_on", Date, nullable=False),
    Column("occurred_at", DateTime(timezone=True)),
    Column("ended_on", Date),
    Column("role", String(60)),
    Column("codes", Json, nullable=False, default=list),
    Column("detail", Json, nullable=False, default=dict),
    Index("ix_event_person", "agency_id", "person_source_id"),
    Index("ix_event_source_record", "source_record_id"),
    Index("ix_event_occurred_on", "occurred_on"),
)

address = Table(
    "address",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id", Id, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False
    ),
    Column("agency_id", String(40), nullable=False),
    Column("person_source_id", String(200), nullable=False),
    Column("line", String(400)),
    Column("postcode", String(10)),
    Column("from_date", Date),
    Column("to_date", Date),
    Index("ix_address_person", "agency_id", "person_source_id"),
    Index("ix_address_source_record", "source_record_id"),
)

practitioner = Table(
    "practitioner",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("source_record_id", Id, ForeignKey("source_record.id", ondelete="CASCADE")),
    Column("agency_id", String(40), nullable=False),
    Column("practitioner_key", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("email", String(320)),
    Column("team", String(200)),
    Column("role", String(200)),
    # Work contact details (issue 19): a practitioner's phone, or a duty / out-of-hours line
    # (``kind``) with the hours it is answered.
    Column("phone", String(40)),
    Column("kind", String(20), nullable=False, default="PERSON", server_default="PERSON"),
    Column("hours", String(200)),
    UniqueConstraint("agency_id", "practitioner_key", name="uq_practitioner_key"),
)

involvement = Table(
    "involvement",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id", Id, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False
    ),
    Column("agency_id", String(40), nullable=False),
    Column("practitioner_key", String(200), nullable=False),
    Column("person_source_id", String(200), nullable=False),
    Column("role", String(120)),
    Column("start_date", Date),
    Column("end_date", Date),
    Column("is_lead", Boolean, nullable=False, default=True),
    Index("ix_involvement_person", "agency_id", "person_source_id"),
    Index("ix_involvement_source_record", "source_record_id"),
)

family_membership = Table(
    "family_membership",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id", Id, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False
    ),
    Column("agency_id", String(40), nullable=False),
    Column("family_source_id", String(200), nullable=False),
    Column("person_source_id", String(200), nullable=False),
    Index("ix_family_membership_family", "agency_id", "family_source_id"),
    Index("ix_family_membership_source_record", "source_record_id"),
)

person_identifier = Table(
    "person_identifier",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "source_record_id", Id, ForeignKey("source_record.id", ondelete="CASCADE"), nullable=False
    ),
    Column("agency_id", String(40), nullable=False),
    Column("person_source_id", String(200), nullable=False),
    Column("identifier_type", String(20), nullable=False),  # NHS_NUMBER | UPN
    Column("value", String(20), nullable=False),
    Index("ix_person_identifier_person", "agency_id", "person_source_id"),
    Index("ix_person_identifier_source_record", "source_record_id"),
)

# Linked people and households: written by linkage (a later capability); defined now so the
# model round-trips and later migrations only add to it.
person = Table(
    "person",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
)

person_link = Table(
    "person_link",
    metadata,
    Column(
        "person_record_id", Id, ForeignKey("person_record.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("person_id", String(40), ForeignKey("person.id"), nullable=False, index=True),
    Column("match_probability", Integer),  # per-mille, for display
)

household = Table(
    "household",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("postcode", String(10)),
    Column("from_date", Date),
    Column("to_date", Date),
)

household_member = Table(
    "household_member",
    metadata,
    Column(
        "household_id", String(40), ForeignKey("household.id", ondelete="CASCADE"), primary_key=True
    ),
    Column("person_id", String(40), ForeignKey("person.id"), primary_key=True),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_type", String(80), nullable=False),
    Column("payload", Json, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("published_at", DateTime(timezone=True)),
    Index("ix_outbox_unpublished", "published_at"),
)

# The tables whose rows derive from one source_record: replaced together when it changes.
DERIVED_FROM_SOURCE_RECORD = (
    person_record,
    event,
    address,
    involvement,
    family_membership,
    person_identifier,
)

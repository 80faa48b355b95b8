"""Initial schema: deliveries, source records and their versions, quarantine, the
canonical model (person records, events, addresses, practitioners, involvements,
families, identifiers), linked people and households, and the outbox.

Revision ID: 0001
Revises:
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from joinedup.domain.agencies import AGENCIES

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("feed_format", sa.String(length=40), nullable=False),
        sa.Column("statutory_partner", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
    )
    op.create_table(
        "household",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
    )
    op.create_table(
        "outbox",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_unpublished", ["published_at"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "delivery",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("feed_format", sa.String(length=40), nullable=False),
        sa.Column("partnership", sa.String(length=200), nullable=True),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "rows = accepted + quarantined", name=op.f("ck_delivery_rows_accounted")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_delivery_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("agency_id", "manifest_sha256", name="uq_delivery_agency_manifest"),
    )
    op.create_table(
        "household_member",
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_member_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_household_member_person_id_person")
        ),
        sa.PrimaryKeyConstraint("household_id", "person_id", name=op.f("pk_household_member")),
    )
    op.create_table(
        "delivery_file",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "rows = accepted + quarantined", name=op.f("ck_delivery_file_rows_accounted")
        ),
        sa.CheckConstraint(
            "warnings <= accepted", name=op.f("ck_delivery_file_warnings_within_accepted")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_delivery_file_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_file")),
        sa.UniqueConstraint("delivery_id", "path", name="uq_delivery_file_path"),
    )
    op.create_table(
        "quarantined_row",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("file", sa.String(length=400), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column(
            "reason_codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column(
            "resolved_by_delivery_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_quarantined_row_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_quarantined_row_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_quarantined_row_resolved_by_delivery_id_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_row")),
    )
    with op.batch_alter_table("quarantined_row", schema=None) as batch_op:
        batch_op.create_index(
            "ix_quarantined_row_agency_status", ["agency_id", "status"], unique=False
        )

    op.create_table(
        "row_finding",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("file", sa.String(length=400), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_row_finding_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_finding")),
    )
    with op.batch_alter_table("row_finding", schema=None) as batch_op:
        batch_op.create_index("ix_row_finding_delivery_code", ["delivery_id", "code"], unique=False)

    op.create_table(
        "source_record",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column(
            "first_delivery_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column(
            "last_changed_delivery_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_source_record_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["first_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_first_delivery_id_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["last_changed_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_last_changed_delivery_id_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record")),
        sa.UniqueConstraint("agency_id", "source_table", "source_id", name="uq_source_record_key"),
    )
    op.create_table(
        "address",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("line", sa.String(length=400), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_address_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address")),
    )
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.create_index("ix_address_person", ["agency_id", "person_source_id"], unique=False)
        batch_op.create_index("ix_address_source_record", ["source_record_id"], unique=False)

    op.create_table(
        "event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("role", sa.String(length=60), nullable=True),
        sa.Column(
            "codes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "detail",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_event_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index("ix_event_occurred_on", ["occurred_on"], unique=False)
        batch_op.create_index("ix_event_person", ["agency_id", "person_source_id"], unique=False)
        batch_op.create_index("ix_event_source_record", ["source_record_id"], unique=False)

    op.create_table(
        "family_membership",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("family_source_id", sa.String(length=200), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_family_membership_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_membership")),
    )
    with op.batch_alter_table("family_membership", schema=None) as batch_op:
        batch_op.create_index(
            "ix_family_membership_family", ["agency_id", "family_source_id"], unique=False
        )
        batch_op.create_index(
            "ix_family_membership_source_record", ["source_record_id"], unique=False
        )

    op.create_table(
        "involvement",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("practitioner_key", sa.String(length=200), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=120), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_involvement_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_involvement")),
    )
    with op.batch_alter_table("involvement", schema=None) as batch_op:
        batch_op.create_index(
            "ix_involvement_person", ["agency_id", "person_source_id"], unique=False
        )
        batch_op.create_index("ix_involvement_source_record", ["source_record_id"], unique=False)

    op.create_table(
        "person_identifier",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("identifier_type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_identifier_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identifier")),
    )
    with op.batch_alter_table("person_identifier", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_identifier_person", ["agency_id", "person_source_id"], unique=False
        )
        batch_op.create_index(
            "ix_person_identifier_source_record", ["source_record_id"], unique=False
        )

    op.create_table(
        "person_record",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("forenames", sa.String(length=200), nullable=True),
        sa.Column("surname", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("upn", sa.String(length=13), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("address_line", sa.String(length=400), nullable=True),
        sa.Column("ethnicity", sa.String(length=8), nullable=True),
        sa.Column(
            "other_names",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "attributes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_record_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_record")),
        sa.UniqueConstraint("agency_id", "source_table", "source_id", name="uq_person_record_key"),
        sa.UniqueConstraint("source_record_id", name=op.f("uq_person_record_source_record_id")),
    )
    with op.batch_alter_table("person_record", schema=None) as batch_op:
        batch_op.create_index(
            "ix_person_record_dob_surname", ["date_of_birth", "surname"], unique=False
        )
        batch_op.create_index("ix_person_record_nhs", ["nhs_number"], unique=False)
        batch_op.create_index("ix_person_record_upn", ["upn"], unique=False)

    op.create_table(
        "practitioner",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
        ),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("practitioner_key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_practitioner_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practitioner")),
        sa.UniqueConstraint("agency_id", "practitioner_key", name="uq_practitioner_key"),
    )
    op.create_table(
        "source_record_version",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=True,
            nullable=False,
        ),
        sa.Column(
            "source_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column(
            "payload",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column(
            "delivery_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column(
            "superseded_by_delivery_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=True,
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_version_delivery_id_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_source_record_version_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_version_superseded_by_delivery_id_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record_version")),
        sa.UniqueConstraint("source_record_id", "version", name="uq_source_record_version"),
    )
    with op.batch_alter_table("source_record_version", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_source_record_version_source_record_id"),
            ["source_record_id"],
            unique=False,
        )

    op.create_table(
        "person_link",
        sa.Column(
            "person_record_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("match_probability", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_link_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_person_link_person_record_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_record_id", name=op.f("pk_person_link")),
    )
    with op.batch_alter_table("person_link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_link_person_id"), ["person_id"], unique=False)

    agency_table = sa.table(
        "agency",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("feed_format", sa.String),
        sa.column("statutory_partner", sa.Boolean),
    )
    op.bulk_insert(
        agency_table,
        [
            {
                "id": a.id.value,
                "name": a.name,
                "feed_format": a.feed_format.value,
                "statutory_partner": a.statutory_partner,
            }
            for a in AGENCIES.values()
        ],
    )


def downgrade() -> None:
    with op.batch_alter_table("person_link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_link_person_id"))

    op.drop_table("person_link")
    with op.batch_alter_table("source_record_version", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_source_record_version_source_record_id"))

    op.drop_table("source_record_version")
    op.drop_table("practitioner")
    with op.batch_alter_table("person_record", schema=None) as batch_op:
        batch_op.drop_index("ix_person_record_upn")
        batch_op.drop_index("ix_person_record_nhs")
        batch_op.drop_index("ix_person_record_dob_surname")

    op.drop_table("person_record")
    with op.batch_alter_table("person_identifier", schema=None) as batch_op:
        batch_op.drop_index("ix_person_identifier_source_record")
        batch_op.drop_index("ix_person_identifier_person")

    op.drop_table("person_identifier")
    with op.batch_alter_table("involvement", schema=None) as batch_op:
        batch_op.drop_index("ix_involvement_source_record")
        batch_op.drop_index("ix_involvement_person")

    op.drop_table("involvement")
    with op.batch_alter_table("family_membership", schema=None) as batch_op:
        batch_op.drop_index("ix_family_membership_source_record")
        batch_op.drop_index("ix_family_membership_family")

    op.drop_table("family_membership")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_source_record")
        batch_op.drop_index("ix_event_person")
        batch_op.drop_index("ix_event_occurred_on")

    op.drop_table("event")
    with op.batch_alter_table("address", schema=None) as batch_op:
        batch_op.drop_index("ix_address_source_record")
        batch_op.drop_index("ix_address_person")

    op.drop_table("address")
    op.drop_table("source_record")
    with op.batch_alter_table("row_finding", schema=None) as batch_op:
        batch_op.drop_index("ix_row_finding_delivery_code")

    op.drop_table("row_finding")
    with op.batch_alter_table("quarantined_row", schema=None) as batch_op:
        batch_op.drop_index("ix_quarantined_row_agency_status")

    op.drop_table("quarantined_row")
    op.drop_table("delivery_file")
    op.drop_table("household_member")
    op.drop_table("delivery")
    op.drop_table("person")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_unpublished")

    op.drop_table("outbox")
    op.drop_table("household")
    op.drop_table("agency")

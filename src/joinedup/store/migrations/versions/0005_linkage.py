"""Record linkage: trained models, runs, stable person links, changes, review, households.

Revision ID: 0005_linkage
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0005_linkage"
down_revision = "0001"
branch_labels = ("linkage",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_index("ix_person_record_postcode", "person_record", ["postcode"])
    op.create_index("ix_person_record_surname_forenames", "person_record", ["surname", "forenames"])
    op.create_table(
        "linkage_model",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("splink_version", sa.String(length=20), nullable=False),
        sa.Column("settings", Json, nullable=False),
        sa.Column("thresholds", Json, nullable=False),
        sa.Column("term_frequencies", Json, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_model")),
    )
    op.create_table(
        "linkage_run",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("model_id", Id, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("comparisons", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("summary", Json, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"],
            ["linkage_model.id"],
            name=op.f("fk_linkage_run_model_id_linkage_model"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_run")),
    )
    op.create_table(
        "linkage_record",
        sa.Column("record_key", sa.String(length=300), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("run_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_linkage_record_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_record_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("record_key", name=op.f("pk_linkage_record")),
    )
    op.create_index("ix_linkage_record_person", "linkage_record", ["person_id"])
    op.create_table(
        "linkage_change",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("run_id", Id, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("other_person_ids", Json, nullable=False),
        sa.Column("record_keys", Json, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_change_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_change")),
    )
    op.create_index("ix_linkage_change_person", "linkage_change", ["person_id"])
    op.create_index("ix_linkage_change_run", "linkage_change", ["run_id"])
    op.create_table(
        "linkage_review",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("record_key_l", sa.String(length=300), nullable=False),
        sa.Column("record_key_r", sa.String(length=300), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("evidence", Json, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", Id, nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_review_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_review")),
        sa.UniqueConstraint("record_key_l", "record_key_r", name="uq_linkage_review_pair"),
    )
    op.create_index("ix_linkage_review_status", "linkage_review", ["status"])
    op.create_table(
        "linkage_household",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("address_key", sa.String(length=400), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("run_id", Id, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["linkage_run.id"],
            name=op.f("fk_linkage_household_run_id_linkage_run"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_household")),
    )
    op.create_table(
        "linkage_household_member",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("evidence", Json, nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["linkage_household.id"],
            ondelete="CASCADE",
            name=op.f("fk_linkage_household_member_household_id_linkage_household"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_household_member")),
    )
    op.create_index("ix_linkage_household_member_person", "linkage_household_member", ["person_id"])
    op.create_index(
        "ix_linkage_household_member_household", "linkage_household_member", ["household_id"]
    )
    op.create_table(
        "linkage_family_tie",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("related_person_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_family_tie")),
        sa.UniqueConstraint(
            "person_id", "related_person_id", "source", name="uq_linkage_family_tie"
        ),
    )
    op.create_index("ix_linkage_family_tie_person", "linkage_family_tie", ["person_id"])


def downgrade() -> None:
    for name in (
        "linkage_family_tie",
        "linkage_household_member",
        "linkage_household",
        "linkage_review",
        "linkage_change",
        "linkage_record",
        "linkage_run",
        "linkage_model",
    ):
        op.drop_table(name)
    op.drop_index("ix_person_record_surname_forenames", table_name="person_record")
    op.drop_index("ix_person_record_postcode", table_name="person_record")

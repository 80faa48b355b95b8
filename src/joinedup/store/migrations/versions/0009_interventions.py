"""Interventions: the configurable catalogue of types and the intervention records.

Revision ID: 0009_interventions
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009_interventions"
down_revision = "0001"
branch_labels = ("interventions",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "intervention_type",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=False),
        sa.Column("max_age", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_intervention_type")),
    )
    op.create_table(
        "intervention",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("type_code", sa.String(length=60), nullable=False),
        sa.Column("person_agency", sa.String(length=40), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("cost_pence", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["type_code"],
            ["intervention_type.code"],
            name=op.f("fk_intervention_type_code_intervention_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention")),
        sa.UniqueConstraint("external_id", name=op.f("uq_intervention_external_id")),
    )
    op.create_index("ix_intervention_type_code", "intervention", ["type_code"])
    op.create_index("ix_intervention_person", "intervention", ["person_agency", "person_source_id"])
    op.create_index("ix_intervention_start", "intervention", ["start_date"])


def downgrade() -> None:
    op.drop_table("intervention")
    op.drop_table("intervention_type")

"""Casework: MASH triage cases, recorded concerns, and a case-insensitive surname index for
search.

Revision ID: 0020_casework
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0020_casework"
down_revision = "0001"
branch_labels = ("casework",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_index("ix_person_record_surname_lower", "person_record", [sa.text("lower(surname)")])
    op.create_table(
        "triage_case",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_case")),
    )
    op.create_index("ix_triage_case_person", "triage_case", ["person_id"])
    op.create_table(
        "concern",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("routed_to", Json, nullable=False),
        sa.Column("audit_seq", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern")),
    )
    op.create_index("ix_concern_person", "concern", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_concern_person", table_name="concern")
    op.drop_table("concern")
    op.drop_index("ix_triage_case_person", table_name="triage_case")
    op.drop_table("triage_case")
    op.drop_index("ix_person_record_surname_lower", table_name="person_record")

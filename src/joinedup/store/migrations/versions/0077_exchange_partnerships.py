"""Exchange between partnerships (issue 24): export refs, matches, signed summaries received
and transfer-in cases.

Revision ID: 0077_exchange_partnerships
Revises: 0073_mash_cases
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0077_exchange_partnerships"
down_revision = "0076_linkage_refold_names"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "exchange_export_ref",
        sa.Column("partner", sa.String(length=60), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("clk", sa.LargeBinary(), nullable=False),
        sa.Column("blocks", Json, nullable=False),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", "ref", name=op.f("pk_exchange_export_ref")),
    )
    op.create_table(
        "exchange_match",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("their_ref", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("found_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("summary_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_match")),
        sa.UniqueConstraint("partner", "their_ref", name="uq_exchange_match_ref"),
    )
    op.create_index("ix_exchange_match_person", "exchange_match", ["person_id"])
    op.create_table(
        "exchange_summary",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("partner", sa.String(length=60), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("their_ref", sa.String(length=64), nullable=False),
        sa.Column("summary", Json, nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("alert_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_summary")),
        sa.UniqueConstraint("partner", "digest", name="uq_exchange_summary_digest"),
    )
    op.create_index("ix_exchange_summary_person", "exchange_summary", ["person_id"])
    op.create_table(
        "transfer_in_case",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("partner", sa.String(length=60), nullable=False),
        sa.Column("summary_id", Id, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("conference_due_on", sa.Date(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("conference_on", sa.Date(), nullable=True),
        sa.Column("updated_by", sa.String(length=200), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("overdue_alerted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("alert_id", Id, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transfer_in_case")),
    )
    op.create_index("ix_transfer_in_case_person", "transfer_in_case", ["person_id"])
    op.create_index("ix_transfer_in_case_status", "transfer_in_case", ["status"])


def downgrade() -> None:
    op.drop_index("ix_transfer_in_case_status", table_name="transfer_in_case")
    op.drop_index("ix_transfer_in_case_person", table_name="transfer_in_case")
    op.drop_table("transfer_in_case")
    op.drop_index("ix_exchange_summary_person", table_name="exchange_summary")
    op.drop_table("exchange_summary")
    op.drop_index("ix_exchange_match_person", table_name="exchange_match")
    op.drop_table("exchange_match")
    op.drop_table("exchange_export_ref")

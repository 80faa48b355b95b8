"""The MASH case (issue 21): a triage case's RAG rating, and its information requests to
agencies with their due times and answers.

Revision ID: 0073_mash_cases
Revises: 0069_oidc_id_token
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0073_mash_cases"
# 0064_receiving in the brief; chained after 0069 (already merged) so that there is one head.
down_revision = "0072_linkage_merges"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    with op.batch_alter_table("triage_case") as batch:
        batch.add_column(sa.Column("rag", sa.String(length=10), nullable=True))
        batch.add_column(sa.Column("rag_set_by", sa.String(length=200), nullable=True))
        batch.add_column(sa.Column("rag_set_at", sa.DateTime(timezone=True), nullable=True))
    op.create_table(
        "mash_request",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("case_id", Id, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("question", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=200), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_by", sa.String(length=200), nullable=True),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mash_request")),
    )
    op.create_index("ix_mash_request_case", "mash_request", ["case_id"], unique=False)
    op.create_index(
        "ix_mash_request_agency_status", "mash_request", ["agency", "status"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_mash_request_agency_status", table_name="mash_request")
    op.drop_index("ix_mash_request_case", table_name="mash_request")
    op.drop_table("mash_request")
    with op.batch_alter_table("triage_case") as batch:
        batch.drop_column("rag_set_at")
        batch.drop_column("rag_set_by")
        batch.drop_column("rag")

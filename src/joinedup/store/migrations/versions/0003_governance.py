"""Governance: data sharing agreement versions, break-glass grants and their review tasks
(agreements branch).

Revision ID: 0003_governance
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0003_governance"
down_revision = "0001"
branch_labels = ("agreements",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "agreement_version",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=False),
        sa.Column("document", Json, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=400), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_version")),
        sa.UniqueConstraint("agreement_id", "version", name="uq_agreement_version_id_version"),
    )
    op.create_index(
        "ix_agreement_version_current", "agreement_version", ["agreement_id", "superseded_at"]
    )
    op.create_table(
        "emergency_access",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("child_id", sa.String(length=200), nullable=False),
        sa.Column("fields", Json, nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "expires_at > granted_at", name=op.f("ck_emergency_access_expires_after_granted")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_access")),
    )
    op.create_index("ix_emergency_access_user_child", "emergency_access", ["user_id", "child_id"])
    op.create_table(
        "access_review_task",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("emergency_access_id", Id, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_role", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('OPEN', 'CLOSED')", name=op.f("ck_access_review_task_status_known")
        ),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('APPROPRIATE', 'INAPPROPRIATE', 'NEEDS_FOLLOW_UP')",
            name=op.f("ck_access_review_task_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["emergency_access_id"],
            ["emergency_access.id"],
            name=op.f("fk_access_review_task_emergency_access_id_emergency_access"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review_task")),
        sa.UniqueConstraint(
            "emergency_access_id", name=op.f("uq_access_review_task_emergency_access_id")
        ),
    )
    op.create_index("ix_access_review_task_status", "access_review_task", ["status"])


def downgrade() -> None:
    op.drop_index("ix_access_review_task_status", table_name="access_review_task")
    op.drop_table("access_review_task")
    op.drop_index("ix_emergency_access_user_child", table_name="emergency_access")
    op.drop_table("emergency_access")
    op.drop_index("ix_agreement_version_current", table_name="agreement_version")
    op.drop_table("agreement_version")

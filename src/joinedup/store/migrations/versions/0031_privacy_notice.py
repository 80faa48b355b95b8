"""Governance: notices to the privacy officer (an account searching or breaking the glass in
unusual volume), raised as it happens and closed by a review (issue 16).

Revision ID: 0031_privacy_notice
Revises: 0003_governance
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0031_privacy_notice"
down_revision = "0003_governance"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "privacy_notice",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("actor_role", sa.String(40)),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", Json, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reviewer", sa.String(200)),
        sa.Column("note", sa.Text()),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.CheckConstraint(
            "status IN ('OPEN', 'CLOSED')", name=op.f("ck_privacy_notice_notice_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notice")),
    )
    op.create_index("ix_privacy_notice_open", "privacy_notice", ["status", "kind", "actor"])


def downgrade() -> None:
    op.drop_index("ix_privacy_notice_open", table_name="privacy_notice")
    op.drop_table("privacy_notice")

"""Risk: deliveries whose children are to be re-scored (risk escalation alerts, live).

Revision ID: 0022_risk_rescore
Revises: 0007_risk
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0022_risk_rescore"
down_revision = "0007_risk"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "risk_rescore_request",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("delivery_id", Id, sa.ForeignKey("delivery.id"), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True)),
        sa.Column("outcome", Json, nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_risk_rescore_request_open", "risk_rescore_request", ["done_at", "id"])


def downgrade() -> None:
    op.drop_index("ix_risk_rescore_request_open", table_name="risk_rescore_request")
    op.drop_table("risk_rescore_request")

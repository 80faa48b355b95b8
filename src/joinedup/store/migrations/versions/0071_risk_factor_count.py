"""The count of distinct factors evidenced in 12 months beside each stored score: the triage
list ranks by it when the partnership's validation found the model did worse (issue 22).

Revision ID: 0071_risk_factor_count
Revises: 0064_receiving
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0071_risk_factor_count"
down_revision = "0070_child_voice"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("risk_score") as batch:
        batch.add_column(sa.Column("factor_count", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("risk_score") as batch:
        batch.drop_column("factor_count")

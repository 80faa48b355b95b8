"""Casework: a MASH triage case records the contact or referral it answers, its decision
timescale, and who closed it with what outcome and why (issue 16).

Revision ID: 0030_casework_controls
Revises: 0020_casework
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030_casework_controls"
down_revision = "0020_casework"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("triage_case") as batch:
        batch.add_column(sa.Column("due_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("prompted_by", sa.String(40)))
        batch.add_column(sa.Column("closed_by", sa.String(200)))
        batch.add_column(sa.Column("closing_reason", sa.Text()))


def downgrade() -> None:
    with op.batch_alter_table("triage_case") as batch:
        batch.drop_column("closing_reason")
        batch.drop_column("closed_by")
        batch.drop_column("prompted_by")
        batch.drop_column("due_at")

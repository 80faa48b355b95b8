"""Accounts: failed sign-ins counted per account name and per source, with growing delays,
instead of a lockout anyone could trigger (``accounts.throttle``).

Revision ID: 0041_sign_in_throttle
Revises: 0006_accounts
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0041_sign_in_throttle"
down_revision = "0006_accounts"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sign_in_throttle",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_sign_in_throttle")),
    )
    op.create_index("ix_sign_in_throttle_last_failure", "sign_in_throttle", ["last_failure_at"])


def downgrade() -> None:
    op.drop_index("ix_sign_in_throttle_last_failure", table_name="sign_in_throttle")
    op.drop_table("sign_in_throttle")

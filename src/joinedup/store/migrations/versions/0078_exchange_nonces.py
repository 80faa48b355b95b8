"""Exchange between partnerships, continued (issue 24): the nonces of partner requests seen
within their signing window (a replay is refused), and the exchange following each delivery
(the deliveries due an exchange, and each partner's progress, retries and claim).

Revision ID: 0078_exchange_nonces
Revises: 0077_exchange_partnerships
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0078_exchange_nonces"
down_revision = "0077_exchange_partnerships"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "exchange_nonce",
        sa.Column("partner", sa.String(length=60), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("partner", "digest", name=op.f("pk_exchange_nonce")),
    )
    op.create_index("ix_exchange_nonce_expires", "exchange_nonce", ["expires_at"])
    op.create_table(
        "exchange_due",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("delivery_id", Id, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_due")),
    )
    op.create_table(
        "exchange_follow",
        sa.Column("partner", sa.String(length=60), nullable=False),
        sa.Column("done_through", Id, nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("last_run_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_outcome", Json, nullable=True),
        sa.PrimaryKeyConstraint("partner", name=op.f("pk_exchange_follow")),
    )


def downgrade() -> None:
    op.drop_table("exchange_follow")
    op.drop_table("exchange_due")
    op.drop_index("ix_exchange_nonce_expires", table_name="exchange_nonce")
    op.drop_table("exchange_nonce")

"""Exchange sessions (issue 24, the echo-fishing fix): each exchange runs in a session with
its own salt keying the encodings; the partner deposits its encodings first, and a summary
is answered only for a ref our matching paired with the deposit.

Revision ID: 0079_exchange_sessions
Revises: 0078_exchange_nonces
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0079_exchange_sessions"
down_revision = "0078_exchange_nonces"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "exchange_session",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("partner", sa.String(length=60), nullable=False),
        sa.Column("salt", sa.LargeBinary(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("deposited", sa.Integer(), nullable=True),
        sa.Column("deposited_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exported_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exchange_session")),
    )
    op.create_index("ix_exchange_session_partner", "exchange_session", ["partner"])
    op.create_table(
        "exchange_deposit",
        sa.Column("session_id", sa.String(length=64), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("clk", sa.LargeBinary(), nullable=False),
        sa.Column("blocks", Json, nullable=False),
        sa.PrimaryKeyConstraint("session_id", "ref", name=op.f("pk_exchange_deposit")),
    )
    # Refs exported before sessions existed answer nothing (no session, no pairing).
    op.execute("DELETE FROM exchange_export_ref")
    with op.batch_alter_table("exchange_export_ref") as batch:
        batch.add_column(sa.Column("session_id", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("paired_with", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("exchange_export_ref") as batch:
        batch.drop_column("paired_with")
        batch.drop_column("session_id")
    op.drop_table("exchange_deposit")
    op.drop_index("ix_exchange_session_partner", table_name="exchange_session")
    op.drop_table("exchange_session")

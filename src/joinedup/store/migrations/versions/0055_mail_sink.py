"""The demo's mail sink: each email it received, for the administrator's page.

Revision ID: 0055_mail_sink
Revises: 0050_contacts
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0055_mail_sink"
down_revision = "0050_contacts"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mail_sink_message",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("mail_from", sa.String(length=320), nullable=False),
        sa.Column("mail_to", sa.Text(), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=False),
        sa.Column("message_id", sa.String(length=400), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mail_sink_message")),
    )
    op.create_index(
        "ix_mail_sink_message_received_at", "mail_sink_message", ["received_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_mail_sink_message_received_at", table_name="mail_sink_message")
    op.drop_table("mail_sink_message")

"""Alerts: triggers written with the events that cause them, alerts (the inbox), messages
(the alerts' outbox).

Revision ID: 0008_alerts
Revises: 0001
Create Date: 2026-11-21
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0008_alerts"
down_revision = "0001"
branch_labels = ("alerts",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_trigger",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("event_id", Id, nullable=False),
        sa.Column("delivery_id", Id, nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", When, nullable=True),
        sa.Column("outcome", Json, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_trigger")),
        sa.UniqueConstraint("event_id", name="uq_alert_trigger_event"),
    )
    op.create_index("ix_alert_trigger_status", "alert_trigger", ["status"])
    op.create_table(
        "alert",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=400), nullable=False),
        sa.Column("child_person_id", sa.String(length=40), nullable=False),
        sa.Column("cause_event_id", Id, nullable=True),
        sa.Column("occurred_at", When, nullable=False),
        sa.Column("raised_at", When, nullable=False),
        sa.Column("due_at", When, nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_agency", sa.String(length=40), nullable=False),
        sa.Column("recipient_key", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_email", sa.String(length=320), nullable=True),
        sa.Column("recipient_team", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content", Json, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("acknowledged_at", When, nullable=True),
        sa.Column("acknowledged_by", sa.String(length=320), nullable=True),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("escalated_at", When, nullable=True),
        sa.Column("parent_alert_id", Id, nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_alert_id"], ["alert.id"], name=op.f("fk_alert_parent_alert_id_alert")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("dedup_key", name="uq_alert_dedup_key"),
    )
    op.create_index("ix_alert_recipient_status", "alert", ["recipient_key", "status"])
    op.create_index("ix_alert_status_due", "alert", ["status", "due_at"])
    op.create_index("ix_alert_child_rule", "alert", ["child_person_id", "rule_id"])
    op.create_table(
        "alert_message",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("alert_id", Id, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("message_key", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", When, nullable=False),
        sa.Column("next_attempt_at", When, nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claimed_until", When, nullable=True),
        sa.Column("sent_at", When, nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
            name=op.f("fk_alert_message_alert_id_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_message")),
        sa.UniqueConstraint("message_key", name="uq_alert_message_key"),
    )
    op.create_index("ix_alert_message_due", "alert_message", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_index("ix_alert_message_due", table_name="alert_message")
    op.drop_table("alert_message")
    op.drop_index("ix_alert_child_rule", table_name="alert")
    op.drop_index("ix_alert_status_due", table_name="alert")
    op.drop_index("ix_alert_recipient_status", table_name="alert")
    op.drop_table("alert")
    op.drop_index("ix_alert_trigger_status", table_name="alert_trigger")
    op.drop_table("alert_trigger")

"""Alerts: the worker's dead letters (items it failed on, retried with backoff) and its
heartbeat (the last completed cycle of each worker), for ``joinedup alerts status`` and the
health endpoint.

Revision ID: 0024_alert_dead_letter
Revises: 0008_alerts
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0024_alert_dead_letter"
down_revision = "0008_alerts"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
When = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "alert_dead_letter",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", Id, nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("error_class", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", When, nullable=False),
        sa.Column("last_failed_at", When, nullable=False),
        sa.Column("next_attempt_at", When, nullable=True),
        sa.Column("exhausted_at", When, nullable=True),
        sa.Column("resolved_at", When, nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("reported_at", When, nullable=True),
        sa.Column("reported_exhausted_at", When, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_dead_letter")),
        sa.UniqueConstraint("kind", "item_id", name="uq_alert_dead_letter_item"),
    )
    op.create_index("ix_alert_dead_letter_open", "alert_dead_letter", ["resolved_at", "kind"])
    op.create_table(
        "alert_worker",
        sa.Column("worker_id", sa.String(length=80), nullable=False),
        sa.Column("started_at", When, nullable=False),
        sa.Column("last_cycle_at", When, nullable=True),
        sa.Column("last_cycle_items", sa.Integer(), nullable=False),
        sa.Column("last_cycle_failures", sa.Integer(), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=False),
        sa.Column("last_error_at", When, nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("notified_at", When, nullable=True),
        sa.Column("stopped_at", When, nullable=True),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_alert_worker")),
    )


def downgrade() -> None:
    op.drop_table("alert_worker")
    op.drop_index("ix_alert_dead_letter_open", table_name="alert_dead_letter")
    op.drop_table("alert_dead_letter")

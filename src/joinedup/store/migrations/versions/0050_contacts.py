"""Practitioners' work contact details and the agencies' duty and out-of-hours lines.

A practitioner row gains a phone, a ``kind`` (``PERSON``, ``DUTY`` or ``OUT_OF_HOURS``: an
agency's contact lines are stored beside its practitioners, by the same keys, versions and
cascades) and the ``hours`` a line is answered.

Revision ID: 0050_contacts
Revises: 0049_base
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0050_contacts"
down_revision = "0049_base"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("practitioner") as batch:
        batch.add_column(sa.Column("phone", sa.String(length=40), nullable=True))
        batch.add_column(
            sa.Column("kind", sa.String(length=20), nullable=False, server_default="PERSON")
        )
        batch.add_column(sa.Column("hours", sa.String(length=200), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("practitioner") as batch:
        batch.drop_column("hours")
        batch.drop_column("kind")
        batch.drop_column("phone")

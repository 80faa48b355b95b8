"""Linkage: remember what a record's strong identifiers and name were when it joined its
person, so a re-delivered correction keeps the person (``linkage.continuity``).

Revision ID: 0040_linkage_identity
Revises: 0021_linkage_source
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects.postgresql import JSONB

revision = "0040_linkage_identity"
down_revision = "0021_linkage_source"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "linkage_record",
        sa.Column("identity", sa.JSON().with_variant(JSONB(), "postgresql"), nullable=True),
    )


def downgrade() -> None:
    with op.batch_alter_table("linkage_record") as batch:
        batch.drop_column("identity")

"""Audit log: tree-head frontiers (cheap checkpoints) and search indexes (governance branch).

Revision ID: 0004_audit
Revises: 0002_audit
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004_audit"
down_revision = "0002_audit"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("audit_tree_head") as batch:
        batch.add_column(sa.Column("frontier", Json, nullable=True))
    op.create_index("ix_audit_entry_actor", "audit_entry", ["actor"])
    op.create_index("ix_audit_entry_recorded_at", "audit_entry", ["recorded_at"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_recorded_at", table_name="audit_entry")
    op.drop_index("ix_audit_entry_actor", table_name="audit_entry")
    with op.batch_alter_table("audit_tree_head") as batch:
        batch.drop_column("frontier")

"""Linkage: look a linked record up by its agency and source id.

Every read that starts from an agency's record (search by NHS number, a practitioner's
involvements, the single view's events) joins ``linkage_record`` on (agency, source id,
table); without this index that join scanned the whole table for every row.

Revision ID: 0021_linkage_source
Revises: 0005_linkage
Create Date: 2026-11-21
"""

from __future__ import annotations

from alembic import op

revision = "0021_linkage_source"
down_revision = "0005_linkage"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_linkage_record_source", "linkage_record", ["agency_id", "source_id", "source_table"]
    )


def downgrade() -> None:
    op.drop_index("ix_linkage_record_source", table_name="linkage_record")

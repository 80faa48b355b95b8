"""Bridge merges: persons merged when an incrementally linked record bridged them (issue 20).

Revision ID: 0072_linkage_merges
Revises: 0064_receiving
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0072_linkage_merges"
down_revision = "0071_risk_factor_count"
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "linkage_merge",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("merged_person_id", sa.String(length=40), nullable=False),
        sa.Column("into_person_id", sa.String(length=40), nullable=False),
        sa.Column("bridge_record_key", sa.String(length=300), nullable=False),
        sa.Column("match_weights", JSON, nullable=False),
        sa.Column("record_keys", JSON, nullable=False),
        sa.Column("merged_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("undone_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("undone_by", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_merge_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_merge")),
    )
    op.create_index("ix_linkage_merge_merged", "linkage_merge", ["merged_person_id"])
    op.create_index("ix_linkage_merge_into", "linkage_merge", ["into_person_id"])


def downgrade() -> None:
    op.drop_index("ix_linkage_merge_into", table_name="linkage_merge")
    op.drop_index("ix_linkage_merge_merged", table_name="linkage_merge")
    op.drop_table("linkage_merge")

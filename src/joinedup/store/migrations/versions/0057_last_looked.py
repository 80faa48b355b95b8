"""When a reader last opened a child's single view: what "new since you last looked" on the
home page and "My children" counts from (issue 19, part B).

Revision ID: 0057_last_looked
Revises: 0056_search
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0057_last_looked"
down_revision = "0056_search"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "last_looked",
        sa.Column("reader", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("looked_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("reader", "person_id", name=op.f("pk_last_looked")),
    )
    op.create_index(
        "ix_last_looked_reader_time", "last_looked", ["reader", "looked_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_last_looked_reader_time", table_name="last_looked")
    op.drop_table("last_looked")

"""The child's voice: the child's wishes and feelings as a practitioner recorded them.

Revision ID: 0070_child_voice
Revises: 0064_receiving
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0070_child_voice"
down_revision = "0069_oidc_id_token"
branch_labels = None
depends_on = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "child_voice",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("words", sa.Text(), nullable=False),
        sa.Column("spoken_on", sa.Date(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_child_voice")),
    )
    op.create_index("ix_child_voice_person", "child_voice", ["person_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_child_voice_person", table_name="child_voice")
    op.drop_table("child_voice")

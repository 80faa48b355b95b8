"""Delivery receivers: agencies' registered public keys, and the tokens already used.

Revision ID: 0064_receiving
Revises: 0058_audit_volume_index
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0064_receiving"
down_revision = "0058_audit_volume_index"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_delivery_key",
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("public_key_pem", sa.Text(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("added_by", sa.String(length=200), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_agency_delivery_key")),
    )
    op.create_index(
        "ix_agency_delivery_key_agency_id", "agency_delivery_key", ["agency_id"], unique=False
    )
    op.create_table(
        "delivery_token_seen",
        sa.Column("token_id", sa.String(length=100), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token_id", name=op.f("pk_delivery_token_seen")),
    )
    op.create_index(
        "ix_delivery_token_seen_expires_at", "delivery_token_seen", ["expires_at"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_delivery_token_seen_expires_at", table_name="delivery_token_seen")
    op.drop_table("delivery_token_seen")
    op.drop_index("ix_agency_delivery_key_agency_id", table_name="agency_delivery_key")
    op.drop_table("agency_delivery_key")

"""The police's places, objects and incident links (``pole-csv/1`` optional files), for the
exploitation network (issue 22).

Revision ID: 0074_network_pole_entities
Revises: 0073_mash_cases
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0074_network_pole_entities"
down_revision = "0073_mash_cases"
branch_labels = None
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "pole_entity",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("source_record_id", Id, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("entity_type", sa.String(length=10), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("label", sa.String(length=400), nullable=True),
        sa.Column("description", sa.String(length=400), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_pole_entity_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pole_entity")),
        sa.UniqueConstraint("agency_id", "entity_type", "entity_id", name="uq_pole_entity_key"),
    )
    op.create_index(
        "ix_pole_entity_source_record", "pole_entity", ["source_record_id"], unique=False
    )
    op.create_table(
        "pole_incident_link",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("source_record_id", Id, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("incident_id", sa.String(length=200), nullable=False),
        sa.Column("entity_type", sa.String(length=10), nullable=False),
        sa.Column("entity_id", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=30), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_pole_incident_link_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_pole_incident_link")),
    )
    op.create_index(
        "ix_pole_incident_link_incident",
        "pole_incident_link",
        ["agency_id", "incident_id"],
        unique=False,
    )
    op.create_index(
        "ix_pole_incident_link_source_record",
        "pole_incident_link",
        ["source_record_id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_pole_incident_link_source_record", table_name="pole_incident_link")
    op.drop_index("ix_pole_incident_link_incident", table_name="pole_incident_link")
    op.drop_table("pole_incident_link")
    op.drop_index("ix_pole_entity_source_record", table_name="pole_entity")
    op.drop_table("pole_entity")

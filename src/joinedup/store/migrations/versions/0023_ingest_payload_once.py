"""Ingest: a record's current payload is stored once, not also in its version row.

``source_record_version.payload`` may be NULL: the current version's payload is the record's
own (``source_record.payload``). Each accepted row was written twice before; the second copy
was about a seventh of what SQLite spent storing a first delivery, and a quarter of the store
on disk. Versions stored before this migration keep their payloads, which readers use as
they are. The index on ``source_record_id`` alone goes: the unique key on
(``source_record_id``, ``version``) serves the same lookups.

Revision ID: 0023_ingest_payload_once
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0023_ingest_payload_once"
down_revision = "0001"
branch_labels = None
depends_on = None

Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.drop_index("ix_source_record_version_source_record_id", table_name="source_record_version")
    with op.batch_alter_table("source_record_version") as batch:
        batch.alter_column("payload", existing_type=Json, nullable=True)


def downgrade() -> None:
    # the current versions' payloads back from their records, then NOT NULL again
    op.execute(
        "UPDATE source_record_version SET payload = (SELECT payload FROM source_record "
        "WHERE source_record.id = source_record_version.source_record_id) "
        "WHERE payload IS NULL"
    )
    with op.batch_alter_table("source_record_version") as batch:
        batch.alter_column("payload", existing_type=Json, nullable=False)
    op.create_index(
        "ix_source_record_version_source_record_id",
        "source_record_version",
        ["source_record_id"],
    )

"""Search finds names whatever their accents: person_record.surname_folded, indexed.

The surname folded as ``joinedup.domain.names.fold`` folds it (lower case, accents and
letters English keyboards lack transliterated: "Woźniak" is "wozniak"), so "Wozniak" typed
in a search finds "Woźniak" by an indexed lookup. Existing records are filled in here.

Revision ID: 0056_search
Revises: 0055_mail_sink
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from joinedup.domain.names import folded_or_none

revision = "0056_search"
down_revision = "0055_mail_sink"
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    op.add_column("person_record", sa.Column("surname_folded", sa.String(length=200)))
    op.create_index(
        "ix_person_record_surname_folded", "person_record", ["surname_folded"], unique=False
    )
    connection = op.get_bind()
    record = sa.table(
        "person_record", sa.column("id"), sa.column("surname"), sa.column("surname_folded")
    )
    rows = connection.execute(
        sa.select(record.c.id, record.c.surname).where(record.c.surname.is_not(None))
    ).all()
    for start in range(0, len(rows), BATCH):
        connection.execute(
            record.update()
            .where(record.c.id == sa.bindparam("record_id"))
            .values(surname_folded=sa.bindparam("folded")),
            [
                {"record_id": r.id, "folded": folded_or_none(r.surname)}
                for r in rows[start : start + BATCH]
            ],
        )


def downgrade() -> None:
    with op.batch_alter_table("person_record") as batch:
        batch.drop_index("ix_person_record_surname_folded")
        batch.drop_column("surname_folded")

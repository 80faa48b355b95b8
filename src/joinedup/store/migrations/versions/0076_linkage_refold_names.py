"""Stored folded surnames refolded with the transliterating fold (issue 20).

``joinedup.domain.names.fold`` now transliterates every script with the `anyascii` library
instead of a hand-written table over Unicode decomposition: "Иванова" folds to "ivanova"
(before: left as it was), "Əliyev" to "eliyev". ``person_record.surname_folded`` (0056) holds
the old folding, so search would miss these records until they were delivered again: every
stored surname is folded afresh here, and only the rows whose folding changed are written.

Downgrade leaves the values: the old folding of a name is no longer in the code, and a
surname folded the new way is still found by the old search for every Latin name.

Revision ID: 0076_linkage_refold_names
Revises: 0073_mash_cases
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from joinedup.domain.names import folded_or_none

revision = "0076_linkage_refold_names"
down_revision = "0075_exploit_scores"
branch_labels = None
depends_on = None

BATCH = 5_000


def upgrade() -> None:
    connection = op.get_bind()
    record = sa.table(
        "person_record", sa.column("id"), sa.column("surname"), sa.column("surname_folded")
    )
    rows = connection.execute(
        sa.select(record.c.id, record.c.surname, record.c.surname_folded).where(
            record.c.surname.is_not(None)
        )
    ).all()
    changed = [
        {"record_id": r.id, "folded": folded}
        for r in rows
        if (folded := folded_or_none(r.surname)) != r.surname_folded
    ]
    for start in range(0, len(changed), BATCH):
        connection.execute(
            record.update()
            .where(record.c.id == sa.bindparam("record_id"))
            .values(surname_folded=sa.bindparam("folded")),
            changed[start : start + BATCH],
        )


def downgrade() -> None:
    pass

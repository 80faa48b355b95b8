"""Person ids after a bridge merge: where a merged-away id now points, and the person-keyed
rows moved to the surviving person (issue 20).

A bridge merge (``linkage.merges``) folds one or more persons into another in the linking
transaction. Everything that held a merged-away id is moved to the survivor there and then
(``repoint``): alerts, triage cases, concerns, risk scores and decisions, break-glass grants,
"last looked", household memberships and family ties. A reader or link that still holds the old
id (a bookmark, an e-mailed link, an audit entry) is resolved by ``current_person_id``, which
follows the merges (a chain of them too) to the person the records are now in.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    Connection,
    Table,
    and_,
    bindparam,
    delete,
    exists,
    literal,
    select,
    union_all,
    update,
)
from sqlalchemy.sql import ColumnElement, FromClause

from joinedup.store.alert_tables import alert
from joinedup.store.casework_tables import concern, last_looked, triage_case
from joinedup.store.governance_tables import emergency_access
from joinedup.store.linkage_tables import (
    linkage_family_tie,
    linkage_household_member,
    linkage_merge,
)
from joinedup.store.risk_tables import risk_decision, risk_score
from joinedup.store.tables import household_member

# (table, person id column, columns that with it must stay unique)
_PERSON_KEYED: tuple[tuple[Table, str, tuple[str, ...]], ...] = (
    (alert, "child_person_id", ()),
    (triage_case, "person_id", ()),
    (concern, "person_id", ()),
    (risk_decision, "person_id", ()),
    (risk_score, "person_id", ()),
    (emergency_access, "child_id", ()),
    (linkage_household_member, "person_id", ()),
    (last_looked, "person_id", ("reader",)),
    (household_member, "person_id", ("household_id",)),
    (linkage_family_tie, "person_id", ("related_person_id", "source")),
    (linkage_family_tie, "related_person_id", ("person_id", "source")),
)
_LONGEST_CHAIN = 50


def current_person_id(connection: Connection, person_id: str) -> str:
    """The person ``person_id`` now is: itself, or the survivor of the merges it went into."""
    seen = {person_id}
    for _ in range(_LONGEST_CHAIN):
        into = connection.execute(
            select(linkage_merge.c.into_person_id)
            .where(
                linkage_merge.c.merged_person_id == person_id, linkage_merge.c.undone_at.is_(None)
            )
            .order_by(linkage_merge.c.id.desc())
            .limit(1)
        ).scalar_one_or_none()
        if into is None or into in seen:
            return person_id
        seen.add(into)
        person_id = into
    return person_id


def _column(table: FromClause, name: str) -> ColumnElement[str]:
    column: ColumnElement[str] = table.c[name]
    return column


def _holders() -> Any:
    """One round trip: which of the person-keyed columns hold any of the ``old`` ids."""
    old: Any = bindparam("old", expanding=True)
    return union_all(
        *(
            select(literal(index).label("holder")).where(
                exists().where(_column(table, name).in_(old))
            )
            for index, (table, name, _) in enumerate(_PERSON_KEYED)
        )
    )


_HOLDERS = _holders()


def repoint(connection: Connection, merged: Sequence[str], survivor: str) -> dict[str, int]:
    """Move every person-keyed row of ``merged`` to ``survivor``; where the survivor already
    has the row (the same reader's "last looked", the same household or family tie) the
    merged person's copy goes. Returns rows moved per table and column."""
    moved: dict[str, int] = {}
    old = list(merged)
    if not old:
        return moved
    holding = set(connection.execute(_HOLDERS, {"old": old}).scalars())
    for index, (table, name, unique_with) in enumerate(_PERSON_KEYED):
        if index not in holding:
            continue
        column = _column(table, name)
        if table is risk_score:
            # A merged person's scores stay as history: the survivor's current score stands
            # until the next rescoring, which sees the merged records.
            connection.execute(
                update(risk_score)
                .where(risk_score.c.person_id.in_(old), risk_score.c.current.is_(True))
                .values(current=False)
            )
        if unique_with:
            kept = table.alias("kept")
            clash = exists().where(
                _column(kept, name) == survivor,
                *(_column(kept, c) == _column(table, c) for c in unique_with),
            )
            connection.execute(delete(table).where(column.in_(old), clash))
        result = connection.execute(update(table).where(column.in_(old)).values({name: survivor}))
        moved[f"{table.name}.{name}"] = int(result.rowcount or 0)
    if any(_PERSON_KEYED[i][0] is linkage_family_tie for i in holding):
        # A family tie between two persons now one is no tie.
        connection.execute(
            delete(linkage_family_tie).where(
                and_(
                    linkage_family_tie.c.person_id == survivor,
                    linkage_family_tie.c.related_person_id == survivor,
                )
            )
        )
    return moved

"""Recording interventions: the catalogue of intervention types (the built-in ones and those
a partnership adds) and the ``interventions-csv/1`` records imported into it (loading a
file again changes nothing). Each function is one unit of work."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from joinedup.errors import BadInput, NotFound
from joinedup.interventions.catalogue import BUILT_IN
from joinedup.interventions.records import InterventionRecord, read_file
from joinedup.store.intervention_tables import intervention, intervention_type


def _ensure_catalogue(connection: Connection) -> None:
    known = set(connection.execute(select(intervention_type.c.code)).scalars())
    missing = [t for t in BUILT_IN if t.code not in known]
    if missing:
        connection.execute(
            insert(intervention_type),
            [
                {
                    "code": t.code,
                    "title": t.title,
                    "description": t.description,
                    "min_age": t.min_age,
                    "max_age": t.max_age,
                    "active": True,
                }
                for t in missing
            ],
        )


def list_types(engine: Engine) -> list[dict[str, Any]]:
    """The partnership's catalogue of intervention types."""
    with engine.begin() as connection:
        _ensure_catalogue(connection)
        rows = connection.execute(select(intervention_type).order_by(intervention_type.c.code))
        return [dict(r._mapping) for r in rows]


def add_type(
    engine: Engine,
    who: Any,
    code: str,
    title: str,
    description: str = "",
    min_age: int = 0,
    max_age: int = 18,
) -> dict[str, Any]:
    """Add (or retitle) a type in the catalogue, for a partnership analyst or administrator;
    the change is audited with the title before and after (a title reaches board reports)."""
    from joinedup.governance import uses
    from joinedup.governance.audit import append

    uses.INTERVENTION_CATALOGUE_EDIT.check(who)
    code = code.strip().upper().replace(" ", "_")
    title = " ".join(title.split())
    description = " ".join(description.split())
    if not code or not title:
        raise BadInput("a type needs a code and a title")
    if not re.fullmatch(r"[A-Z0-9_]{1,60}", code):
        raise BadInput(f"a type's code is letters, digits and _ (at most 60), not {code!r}")
    if len(title) > 200 or len(description) > 2000:
        raise BadInput("a title is at most 200 characters, a description 2,000")
    if any(not c.isprintable() for c in title + description):
        raise BadInput("a title and a description are plain text (no control characters)")
    if not 0 <= min_age < max_age <= 25:
        raise BadInput("ages must satisfy 0 <= min_age < max_age <= 25")
    values: dict[str, Any] = {"title": title, "description": description}
    values |= {"min_age": min_age, "max_age": max_age, "active": True}
    with engine.begin() as connection:
        _ensure_catalogue(connection)
        exists = connection.execute(
            select(intervention_type).where(intervention_type.c.code == code)
        ).first()
        if exists:
            connection.execute(
                update(intervention_type).where(intervention_type.c.code == code).values(values)
            )
        else:
            connection.execute(insert(intervention_type).values(code=code, **values))
        append(
            connection,
            kind="INTERVENTION_TYPE_CHANGED" if exists else "INTERVENTION_TYPE_ADDED",
            actor=who.username,
            actor_role=str(who.role),
            details={
                "code": code,
                "title_before": exists.title if exists else None,
                "title": title,
                "ages": [min_age, max_age],
            },
        )
    return {"code": code, **values, "created": not exists}


def type_of(connection: Connection, code: str) -> dict[str, Any]:
    _ensure_catalogue(connection)
    row = connection.execute(
        select(intervention_type).where(intervention_type.c.code == code.strip().upper())
    ).first()
    if row is None:
        known = ", ".join(connection.execute(select(intervention_type.c.code)).scalars())
        raise NotFound(f"no intervention type {code!r} (known: {known})")
    return dict(row._mapping)


def import_interventions(
    engine: Engine, path: Path, *, recorded_by: str = "import", now: datetime | None = None
) -> dict[str, int]:
    """Load an ``interventions-csv/1`` file; loading it again changes nothing."""
    now = now or datetime.now(UTC)
    counts = {"rows": 0, "inserted": 0, "updated": 0, "unchanged": 0}
    with engine.begin() as connection:
        _ensure_catalogue(connection)
        types = set(connection.execute(select(intervention_type.c.code)).scalars())
        existing: dict[str, Any] = {
            r.external_id: r
            for r in connection.execute(select(intervention)).all()  # one partnership's list
        }
        new: list[dict[str, Any]] = []
        for record in read_file(path):
            counts["rows"] += 1
            if record.type_code not in types:
                raise BadInput(
                    f"{record.external_id}: unknown type {record.type_code!r} "
                    "(add it with `joinedup interventions types add`)"
                )
            values = _values(record)
            old = existing.get(record.external_id)
            if old is None:
                new.append(values | {"recorded_at": now, "recorded_by": recorded_by})
                existing[record.external_id] = values  # a repeated id in one file: first wins
            elif all(getattr(old, k, values[k]) == v for k, v in values.items()):
                counts["unchanged"] += 1
            else:
                connection.execute(
                    update(intervention)
                    .where(intervention.c.external_id == record.external_id)
                    .values(values | {"recorded_at": now, "recorded_by": recorded_by})
                )
                counts["updated"] += 1
        if new:
            connection.execute(insert(intervention), new)
        counts["inserted"] = len(new)
    return counts


def _values(record: InterventionRecord) -> dict[str, Any]:
    return {
        "external_id": record.external_id,
        "type_code": record.type_code,
        "person_agency": record.person_agency,
        "person_source_id": record.person_source_id,
        "start_date": record.start_date,
        "end_date": record.end_date,
        "provider": record.provider,
        "cost_pence": record.cost_pence,
    }

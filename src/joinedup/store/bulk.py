"""Bulk writes at driver speed for ingest, on SQLite and PostgreSQL.

SQLAlchemy's Core ``insert(...), [dicts]`` processes every parameter of every row in Python
(type processors, JSON serialisation, key lookups); at millions of rows that dominates an
ingest. Here rows arrive as tuples with JSON already serialised, and go to the DB-API
``executemany`` (SQLite) or ``COPY`` (PostgreSQL) in one statement per batch. Ids are allocated up
front so derived rows can reference their source row without RETURNING per row.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection, Table, text
from sqlalchemy import types as sa_types


def insert_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    """INSERT many rows; JSON columns must be given as already-serialised text."""
    if not rows:
        return
    if connection.dialect.name == "postgresql":
        _copy_rows(connection, table, columns, rows)
        return
    marks = ", ".join("?" for _ in columns)
    sql = f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES ({marks})"
    connection.exec_driver_sql(sql, list(rows))


def _copy_rows(
    connection: Connection, table: Table, columns: Sequence[str], rows: Sequence[tuple[Any, ...]]
) -> None:
    # COPY is PostgreSQL's bulk path: an order of magnitude faster than executemany. It runs
    # on the same connection, inside the caller's transaction.
    driver = connection.connection.driver_connection
    assert driver is not None
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy,
    ):
        for row in rows:
            copy.write_row(row)


def allocate_ids(connection: Connection, table: Table, count: int) -> list[int]:
    """``count`` fresh primary keys for ``table``, safe against concurrent writers.

    PostgreSQL draws from the column's sequence. SQLite has one writer at a time, and the
    caller's transaction already holds the write lock (it has written the delivery row), so
    max(id) + 1.. is safe there.
    """
    if count == 0:
        return []
    if connection.dialect.name == "postgresql":
        return list(
            connection.execute(
                text(
                    f"SELECT nextval(pg_get_serial_sequence('{table.name}', 'id')) "
                    "FROM generate_series(1, :n)"
                ),
                {"n": count},
            ).scalars()
        )
    start = connection.exec_driver_sql(f"SELECT coalesce(max(id), 0) FROM {table.name}").scalar()
    first = int(start or 0) + 1
    return list(range(first, first + count))


class RawJson(str):
    """JSON text that is already serialised (e.g. a payload whose hash was just taken)."""


def _converters(connection: Connection, table: Table, columns: Sequence[str]) -> list[Any]:
    """Per column, the function that turns a Python value into what the driver takes."""
    dialect = connection.dialect
    converters: list[Any] = []
    for name in columns:
        column_type = table.c[name].type
        if isinstance(column_type, sa_types.JSON):
            converters.append(_json_text)
        elif dialect.name == "sqlite" and isinstance(
            column_type, sa_types.Date | sa_types.DateTime | sa_types.Boolean
        ):
            # SQLAlchemy's own storage format, so reads through Core see the same values.
            converters.append(column_type.bind_processor(dialect))
        else:
            converters.append(None)
    return converters


# json.dumps(value, ensure_ascii=False, separators=(",", ":")), with the encoder built once.
_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, RawJson):
        return value
    if not value and value.__class__ in (list, dict):  # most codes and details are empty
        return "[]" if value.__class__ is list else "{}"
    return _ENCODER.encode(value)


def _default_value(default: Any) -> Any:
    """A column default's value; SQLAlchemy wraps callables to take an execution context."""
    return default.arg(None) if default.is_callable else default.arg


def insert_dicts(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """INSERT rows given as dicts (all with the same keys), at driver speed."""
    if not rows:
        return
    columns = list(rows[0])
    # Python-side column defaults (status "open", empty lists...) are SQLAlchemy's job on
    # Core inserts; the driver does not know them, so they are filled in here.
    defaults = {
        c.name: _default_value(c.default)
        for c in table.columns
        if c.name not in rows[0]
        and c.default is not None
        and not c.default.is_sequence
        and (c.default.is_scalar or c.default.is_callable)
    }
    columns += list(defaults)
    converters = _converters(connection, table, columns)
    # itemgetter builds each tuple in C; only the few columns that need converting (JSON,
    # and dates on SQLite) are touched in Python.
    get = itemgetter(*columns[: len(columns) - len(defaults)])
    tail = tuple(defaults.values())
    convert_at = [(i, f) for i, f in enumerate(converters) if f is not None]
    tuples: list[tuple[Any, ...]] = []
    for row in rows:
        values = get(row)
        values = (values if isinstance(values, tuple) else (values,)) + tail
        if convert_at:
            as_list = list(values)
            for i, convert in convert_at:
                if as_list[i] is not None:
                    as_list[i] = convert(as_list[i])
            values = tuple(as_list)
        tuples.append(values)
    insert_rows(connection, table, columns, tuples)


# The tables a large load fills with most of its rows (one source record, its version and
# what it derives); their secondary indexes are what ``drop_secondary_indexes`` defers.
BULK_LOAD_TABLES = (
    "source_record",
    "source_record_version",
    "person_record",
    "event",
    "address",
    "involvement",
    "family_membership",
    "person_identifier",
)


def drop_secondary_indexes(connection: Connection, tables: Sequence[str]) -> list[str]:
    """SQLite: drop the non-unique indexes of ``tables`` in the caller's transaction, and
    return their CREATE statements for ``create_indexes``.

    Building an index once over a table's rows costs less than keeping it up to date row by
    row as a large load inserts them in no particular order (about a fifth of the CPU and half
    the time of the inserts, bench_sqlite_floor's ``indexes_built_after``). Unique indexes
    stay: they are the keys. Readers in WAL mode see the store as it was until the commit, and
    a rollback puts the indexes back.
    """
    marks = ", ".join("?" for _ in tables)
    found = connection.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL "
        f"AND tbl_name IN ({marks}) ORDER BY name",
        tuple(tables),
    ).all()
    statements = []
    for name, sql in found:
        if sql.lstrip().upper().startswith("CREATE UNIQUE"):
            continue
        connection.exec_driver_sql(f'DROP INDEX "{name}"')
        statements.append(sql)
    return statements


def create_indexes(connection: Connection, statements: Sequence[str]) -> None:
    """Build again the indexes ``drop_secondary_indexes`` dropped."""
    for statement in statements:
        connection.exec_driver_sql(statement)

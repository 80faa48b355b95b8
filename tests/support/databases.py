"""Migrated stores for tests, made by copying or by emptying rather than by migrating.

Running the migrations takes ~0.2 s on SQLite and 1.2-2 s of DDL on PostgreSQL, plus ~0.6 s
to drop the PostgreSQL schema afterwards; the store tests ask for a new migrated store
hundreds of times. (A PostgreSQL database copied with ``CREATE DATABASE ... TEMPLATE`` is
made in 0.05 s, but ``DROP DATABASE`` checkpoints the whole cluster: seconds each on a busy
machine. ``TRUNCATE`` of every table: 1.3-1.9 s. ``DELETE`` from every table: ~0.2 s.)

Each xdist worker (or the single process) migrates one SQLite template, once, and each test
gets a copy of the file. On PostgreSQL each process keeps a pool of migrated schemas: one
is migrated when the pool is empty; when a test has finished with one it is put back exactly
as the migrations left it - the sessions the test left on it ended, every row deleted, the
seeded rows (the agencies) put back, every sequence set where the migrations left it - or,
if the test changed its schema (compared by a fingerprint of the schema's catalogue), dropped
instead. Every checkout has a URL of its own (``application_name``), as a new schema had:
the audit witness and the in-process caches know a store by its URL.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, create_engine, make_url, text
from sqlalchemy.pool import NullPool

from joinedup.store import make_engine, upgrade

TEMPLATE_FILE = "migrated-template.db"

# Everything a test could change in one schema's definition, one line each, without the
# schema's name (every schema of the pool has the same fingerprint).
CATALOGUE = """
select 'class ' || relname || ' ' || relkind::text
  from pg_class where relnamespace = cast(:schema as text)::regnamespace
union all
select 'column ' || table_name || '.' || column_name || ' ' || data_type || ' '
       || is_nullable || ' ' || coalesce(column_default, '')
  from information_schema.columns where table_schema = cast(:schema as text)
union all
select 'constraint ' || t.relname || '.' || c.conname || ' ' || pg_get_constraintdef(c.oid)
  from pg_constraint c left join pg_class t on t.oid = c.conrelid
  where c.connamespace = cast(:schema as text)::regnamespace
union all
select 'index ' || indexname || ' ' || replace(indexdef, cast(:schema as text) || '.', '')
  from pg_indexes where schemaname = cast(:schema as text)
union all
select 'trigger ' || t.relname || '.' || g.tgname
  from pg_trigger g join pg_class t on t.oid = g.tgrelid
  where not g.tgisinternal and t.relnamespace = cast(:schema as text)::regnamespace
union all
select 'function ' || proname || '(' || pg_get_function_identity_arguments(oid) || ')'
  from pg_proc where pronamespace = cast(:schema as text)::regnamespace
union all
select 'revision ' || version_num from alembic_version
"""

TABLES = """
select quote_ident(tablename) from pg_tables
  where schemaname = cast(:schema as text) and tablename <> 'alembic_version' order by 1
"""

SEQUENCES = """
select quote_ident(sequencename), start_value, last_value
  from pg_sequences where schemaname = :schema order by 1
"""


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _fingerprint(connection: Connection, schema: str) -> str:
    rows = connection.execute(text(CATALOGUE), {"schema": schema})
    lines = sorted(str(row[0]) for row in rows)
    return hashlib.sha256("\n".join(lines).encode()).hexdigest()


@dataclass
class _Migrated:
    """What a schema of the pool is put back to: the state the migrations leave."""

    fingerprint: str
    reset: str  # one statement: every row deleted, every sequence set as migrated
    seeded: dict[str, tuple[list[str], list[dict[str, Any]]]] = field(default_factory=dict)

    @classmethod
    def read(cls, connection: Connection, schema: str) -> _Migrated:
        tables = [str(r[0]) for r in connection.execute(text(TABLES), {"schema": schema})]
        sequences = [
            f"perform setval('{name}', {start}, false);"
            if last is None
            else f"perform setval('{name}', {last}, true);"
            for name, start, last in connection.execute(text(SEQUENCES), {"schema": schema})
        ]
        # replica: no foreign-key checks or triggers while emptying, so the order is free
        body = [
            "set local session_replication_role = replica;",
            *(f"delete from {table};" for table in tables),
            *sequences,
        ]
        migrated = cls(
            _fingerprint(connection, schema), "do $$ begin " + " ".join(body) + " end $$"
        )
        for table in tables:
            result = connection.execute(text(f"select * from {table}"))
            rows = [dict(row._mapping) for row in result]
            if rows:
                migrated.seeded[table] = (list(result.keys()), rows)
        return migrated

    def put_back(self, connection: Connection) -> None:
        connection.execute(text(self.reset))
        connection.execute(text("set local session_replication_role = origin"))
        for table, (columns, rows) in self.seeded.items():
            names = ", ".join(_quoted(c) for c in columns)
            values = ", ".join(f":{c}" for c in columns)
            connection.execute(text(f"insert into {table} ({names}) values ({values})"), rows)


class MigratedStores:
    """One process's SQLite template and its pool of migrated PostgreSQL schemas."""

    def __init__(self, folder: Path, postgres_url: str) -> None:
        self.folder = folder
        self.postgres_url = postgres_url
        self._sqlite_template: Path | None = None
        self._migrated: _Migrated | None = None
        self._free: list[str] = []  # schemas as the migrations left them
        self._lent: dict[str, str] = {}  # application_name -> schema
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        self._prefix = f"t_{worker}_{uuid.uuid4().hex[:8]}"
        self._made = 0

    # SQLite

    def sqlite(self, path: Path) -> str:
        """The URL of a migrated SQLite store at ``path`` (a copy of the template)."""
        if self._sqlite_template is None:
            template = self.folder / TEMPLATE_FILE
            engine = make_engine(f"sqlite:///{template}")
            upgrade(engine)
            engine.dispose()  # the last connection closing checkpoints the WAL into the file
            self._sqlite_template = template
        shutil.copy(self._sqlite_template, path)  # with its mode: 0600, as a new store's
        return f"sqlite:///{path}"

    # PostgreSQL

    def _migrate(self) -> str:
        from tests.conftest import create_postgres_schema, postgres_schema_url

        self._made += 1
        schema = f"{self._prefix}_{self._made}"
        create_postgres_schema(schema)
        engine = make_engine(postgres_schema_url(schema))
        try:
            upgrade(engine)
            if self._migrated is None:
                with engine.connect() as connection:
                    self._migrated = _Migrated.read(connection, schema)
        finally:
            engine.dispose()
        return schema

    def postgresql(self) -> str:
        """The URL of a migrated PostgreSQL schema no other test is using."""
        from tests.conftest import postgres_schema_url

        schema = self._free.pop() if self._free else self._migrate()
        name = f"jt_{uuid.uuid4().hex[:12]}"
        self._lent[name] = schema
        return f"{postgres_schema_url(schema)}&application_name={name}"

    def release(self, url: str) -> None:
        """The schema lent as ``url`` put back in the pool as the migrations left it, or
        dropped if the test changed its definition."""
        from tests.conftest import drop_postgres_schema, postgres_schema_url

        assert self._migrated is not None
        name = str(make_url(url).query["application_name"])
        schema = self._lent.pop(name)
        engine = create_engine(make_url(postgres_schema_url(schema)), poolclass=NullPool)
        try:
            with engine.begin() as connection:
                connection.execute(  # the sessions the test left (threads, children)
                    text(
                        "select pg_terminate_backend(pid) from pg_stat_activity"
                        " where application_name = :name"
                    ),
                    {"name": name},
                )
                if _fingerprint(connection, schema) != self._migrated.fingerprint:
                    reusable = False
                else:
                    self._migrated.put_back(connection)
                    reusable = True
        finally:
            engine.dispose()
        if reusable:
            self._free.append(schema)
        else:
            drop_postgres_schema(schema)

    def close(self) -> None:
        """Drop the pool's schemas."""
        from tests.conftest import drop_postgres_schema

        for schema in self._free:
            drop_postgres_schema(schema)
        self._free.clear()

"""Engines for the configured database: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

from joinedup.errors import BadInput


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as operators write them) and use psycopg 3."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif not (parsed.drivername.startswith("postgresql") or parsed.drivername == "sqlite"):
        raise BadInput(
            f"unsupported database {parsed.drivername!r}: use sqlite:/// or postgresql://"
        )
    return parsed.render_as_string(hide_password=False)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers (the web app) run while an ingest writes; foreign keys are off by
    # default in SQLite and must be switched on per connection.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.close()


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas and pool settings this platform relies on."""
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; emit it ourselves so that a whole
        # ingest is one transaction that a crash rolls back. IMMEDIATE takes the write lock at
        # the start: with a deferred BEGIN, two web requests that each read and then write
        # (every governed read appends to the audit log) deadlock on the lock upgrade and one
        # fails at once with "database is locked"; taken up front, the second simply waits
        # (busy_timeout). Readers are serialised too: SQLite is the embedded, single-machine
        # default; PostgreSQL is the concurrent production store.
        event.listen(engine, "connect", _disable_pysqlite_autobegin)
        event.listen(engine, "begin", _begin)
        return engine
    kwargs.setdefault("pool_pre_ping", True)
    return create_engine(url, **kwargs)


READ_ONLY = {"sqlite_read_only": True}


def _begin(connection: Any) -> None:
    """``BEGIN IMMEDIATE``, except on a connection marked read-only
    (``connection.execution_options(**READ_ONLY)``), which needs no write lock."""
    read_only = connection.get_execution_options().get("sqlite_read_only")
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _disable_pysqlite_autobegin(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.isolation_level = None


# Rows SQLite's ANALYZE samples per index: approximate statistics in a fraction of a second
# even on a 100,000-child store, which is all the planner needs to pick the indexed side.
SQLITE_ANALYSIS_LIMIT = 1000


def refresh_planner_statistics(engine: Engine) -> None:
    """Give the query planner fresh table statistics after a bulk load. Without them
    SQLite has none at all and joins from the wrong side (a search by NHS number scanned
    every linked record), and PostgreSQL plans on the sizes it saw before the load until
    autovacuum catches up."""
    with engine.connect() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(f"PRAGMA analysis_limit={SQLITE_ANALYSIS_LIMIT}")
            connection.exec_driver_sql("ANALYZE")
        else:
            connection.exec_driver_sql("ANALYZE")
        connection.commit()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"

"""Engines for the configured database: SQLite (embedded default) or PostgreSQL."""

from __future__ import annotations

import logging
import os
import sqlite3
import threading
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import closing, contextmanager
from datetime import date, datetime
from operator import methodcaller
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from joinedup.errors import BadInput

log = logging.getLogger(__name__)


def normalise_database_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs (as operators write them) and use psycopg 3."""
    try:
        parsed = make_url(url)
    except ArgumentError:  # not shown: a URL may hold a password
        raise BadInput(
            "JOINEDUP_DATABASE_URL is not a database URL: use sqlite:///path/to/store.db or "
            "postgresql://user@host/database"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif not (parsed.drivername.startswith("postgresql") or parsed.drivername == "sqlite"):
        raise BadInput(
            f"unsupported database {parsed.drivername!r}: use sqlite:/// or postgresql://"
        )
    return parsed.render_as_string(hide_password=False)


# How the sqlite3 driver writes dates and date-times: as its default adapters do
# (``isoformat()``, and ``isoformat(" ")``), which Python 3.12 deprecates, so declared here;
# and as C callables rather than its Python functions (1.2 µs less per event row inserted, in
# a micro-benchmark of 272,000 events; no change to an ingest's wall time, which the parsing
# process sets).
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, methodcaller("isoformat", " "))


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


def private_store_file(url: str) -> None:
    """Create a SQLite store's file readable and writable by its owner only (0600) before
    SQLite opens it: SQLite would make it world-readable (0644 under the usual umask), and
    gives its -wal and -shm files the database file's mode. An existing file is left as it
    is, with a warning when others may read it."""
    database = make_url(url).database
    if not database or database == ":memory:" or database.startswith("file:"):
        return
    path = Path(database).expanduser()
    if path.is_dir():
        raise BadInput(f"the store {path} is a folder: JOINEDUP_DATABASE_URL names a SQLite file")
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        if path.stat().st_mode & 0o077:
            log.warning(
                "the store %s can be read by others: chmod 600 it (and its -wal, -shm)", path
            )
        return
    except OSError:
        return  # no such folder, say: SQLite reports it, in its own words
    os.close(descriptor)


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` with the pragmas and pool settings this platform relies on."""
    url = normalise_database_url(url)
    if url.startswith("sqlite"):
        private_store_file(url)
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


# --- the WAL checkpoint after a large write, off the writer's path ---------------------------
# A SQLite commit in WAL mode also checkpoints (copies the WAL into the database file and
# syncs it) once the WAL is over 1,000 pages: after an ingest that is the whole delivery,
# written a second time, in the committing thread (3.7 s of the 11.1 s SQLite alone spends
# storing a 20,000-child partnership, bench_sqlite_floor). ``checkpoint_later`` commits without
# it and has one background thread checkpoint instead, while the process goes on (the next
# delivery's manifest check and parsing). Checkpointing is crash-safe at any point: a killed
# process leaves a WAL that the next connection reads. The thread is not a daemon, so a
# process finishes its checkpoint before it exits.
def _new_checkpointer() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-checkpoint")


_checkpointer = _new_checkpointer()
_checkpoints: dict[str, Future[None]] = {}
_checkpoints_lock = threading.Lock()


def _after_fork_in_child() -> None:
    # a forked child has none of the parent's threads: a fresh executor, lock and record
    global _checkpointer, _checkpoints_lock
    _checkpointer = _new_checkpointer()
    _checkpoints_lock = threading.Lock()
    _checkpoints.clear()


os.register_at_fork(after_in_child=_after_fork_in_child)


def _checkpoint(path: str) -> None:
    try:
        # mode=rw: a store removed meanwhile is not created again, empty
        uri = f"{Path(path).resolve().as_uri()}?mode=rw"
        with closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
            # PASSIVE: copies what no reader still needs, never waits for or blocks a writer
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    except sqlite3.Error as error:
        # nothing is lost: the WAL holds the commits, and the next checkpoint copies them
        log.warning("background checkpoint of %s failed: %s", path, error)


def _checkpoint_soon(path: str) -> None:
    with _checkpoints_lock:
        pending = _checkpoints.get(path)
        if pending is not None and not pending.running() and not pending.done():
            return  # one that has not started yet will copy this commit too
        _checkpoints[path] = _checkpointer.submit(_checkpoint, path)


def wait_for_checkpoints() -> None:
    """Wait until every checkpoint handed to the background thread has run (tests, and
    anything that reads the database file itself)."""
    with _checkpoints_lock:
        pending = list(_checkpoints.values())
    for future in pending:
        future.result()


@contextmanager
def checkpoint_later(connection: Connection) -> Iterator[None]:
    """Around the commit of a large write on ``connection``: on a SQLite file, the commit does
    not checkpoint; a background thread does, after it. Elsewhere, nothing changes."""
    database = connection.engine.url.database
    if connection.dialect.name != "sqlite" or not database or database == ":memory:":
        yield
        return
    driver = connection.connection.driver_connection
    assert driver is not None
    # on the driver connection: through SQLAlchemy, a statement after the commit would begin
    # a new transaction and take the write lock
    (pages,) = driver.execute("PRAGMA wal_autocheckpoint").fetchone()
    driver.execute("PRAGMA wal_autocheckpoint=0")
    try:
        yield
    finally:
        driver.execute(f"PRAGMA wal_autocheckpoint={int(pages)}")
    _checkpoint_soon(database)

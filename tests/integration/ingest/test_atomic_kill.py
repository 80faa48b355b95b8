"""All or nothing: a real ``joinedup ingest`` process killed with SIGKILL in the middle of its
transaction leaves the store exactly as it was; running it again completes the ingest, and the
store then equals a clean single ingest of the same delivery.

The kill comes only once the process is seen writing inside its transaction (SQLite: it holds
the write lock; PostgreSQL: its backend has a transaction id and ``source_record`` has grown)
and while it is still running; a delivery that finishes first is regenerated twice as big.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url

from joinedup.ingest import ingest_delivery
from joinedup.store import make_engine, upgrade
from joinedup.store import tables as t
from tests.support.hostile import big_housing_delivery, table_counts

# Persons in the first attempt (three rows each: the person and two events). PostgreSQL
# writes slower per row, so it needs fewer to stay busy for a few seconds.
FIRST_SIZE = {"sqlite": 6_000, "postgresql": 3_000}
ATTEMPTS = 4
SETTLE = 0.5  # seconds of writing after the transaction is first seen, before the kill


def _command(folder: Path) -> list[str]:
    return [sys.executable, "-m", "joinedup.cli", "ingest", str(folder), "--json"]


def _environment(url: str) -> dict[str, str]:
    return {**os.environ, "JOINEDUP_DATABASE_URL": url, "PYTHONUNBUFFERED": "1"}


def _sqlite_writing(path: str) -> Callable[[], bool]:
    """True while another connection holds the database's write lock (an open write
    transaction); the probe takes the lock only for an instant when it is free."""

    def probe() -> bool:
        connection = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            connection.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as error:
            return "locked" in str(error)
        else:
            connection.execute("ROLLBACK")
            return False
        finally:
            connection.close()

    return probe


def _postgres_writing(engine: Engine, application: str) -> Callable[[], bool]:
    """True once the ingest's backend has a transaction id and has written source rows."""

    def probe() -> bool:
        with engine.connect() as connection:
            writing = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE application_name = :name AND backend_xid IS NOT NULL"
                ),
                {"name": application},
            ).scalar_one()
            grown = connection.execute(
                text("SELECT pg_relation_size('source_record')")
            ).scalar_one()
        return bool(writing) and grown > 0

    return probe


def _postgres_gone(engine: Engine, application: str) -> None:
    """Wait until the server has noticed the killed client and ended its backend."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            left = connection.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE application_name = :name"),
                {"name": application},
            ).scalar_one()
        if not left:
            return
        time.sleep(0.1)
    raise AssertionError("the killed ingest's PostgreSQL backend is still there")


def _kill_mid_ingest(folder: Path, url: str, writing: Callable[[], bool], cwd: Path) -> bool:
    """Start the ingest and SIGKILL it once it has been writing inside its transaction for
    ``SETTLE`` seconds, checking that the transaction is still open just before the kill.
    False when it finished (or committed) first. The caller tells a kill that landed just
    after the commit from a mid-way one by what the store then holds."""
    process = subprocess.Popen(
        _command(folder),
        env=_environment(url),
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 120
    seen = ended = None
    killed = False
    while process.poll() is None and time.monotonic() < deadline:
        now_writing, now = writing(), time.monotonic()
        if seen is None:
            seen = now if now_writing else None
        elif ended is None and not now_writing:
            ended = now  # the transaction ended: it committed; let the process finish
        elif ended is None and now - seen >= SETTLE:
            process.send_signal(signal.SIGKILL)
            killed = True
            print(f"killed {now - seen:.2f} s after the write transaction began")
            break
        elif ended is not None:  # one delivery, one transaction: never a second one
            assert not now_writing, "the ingest wrote in a second transaction"
        time.sleep(0.02)
    _, stderr = process.communicate(timeout=120)
    if not killed:
        assert process.returncode == 0, stderr.decode(errors="replace")
    else:
        assert process.returncode == -signal.SIGKILL
    return killed


def _clean_single_ingest(folder: Path, scratch: Path) -> tuple[dict[str, int], dict[str, Any]]:
    """Counts per table, and the report, of one uninterrupted ingest into a fresh store."""
    scratch.mkdir()
    engine = make_engine(f"sqlite:///{scratch / 'reference.db'}")
    try:
        upgrade(engine)
        report = ingest_delivery(engine, folder)
        return table_counts(engine), report.to_dict()
    finally:
        engine.dispose()


def test_sigkill_mid_ingest_leaves_the_store_as_it_was(database_url: str, tmp_path: Path) -> None:
    backend = make_url(database_url).get_backend_name()
    application = f"joinedup-kill-{uuid.uuid4().hex[:10]}"
    url = database_url
    if backend == "postgresql":
        url = f"{database_url}&application_name={application}"
    engine = make_engine(database_url)
    upgrade(engine)
    before = table_counts(engine)
    assert before["delivery"] == 0 and before["source_record"] == 0
    writing = (
        _sqlite_writing(make_url(database_url).database or "")
        if backend == "sqlite"
        else _postgres_writing(engine, application)
    )
    work = tmp_path / "cwd"
    work.mkdir()

    people = FIRST_SIZE[backend]
    for attempt in range(ATTEMPTS):
        folder = big_housing_delivery(tmp_path / f"delivery-{attempt}", people)
        expected_counts, expected_report = _clean_single_ingest(folder, tmp_path / f"ref-{attempt}")
        killed = _kill_mid_ingest(folder, url, writing, work)
        if backend == "postgresql":
            _postgres_gone(engine, application)
        after = table_counts(engine)
        if after == before:
            assert killed, "the ingest exited normally but stored nothing"
            print(f"attempt {attempt + 1}: {3 * people:,} rows")
            break
        # Not as before: then it must be the whole delivery (it committed before the kill
        # landed). Anything in between is a partial ingest: the failure this test exists for.
        assert after == expected_counts, "a killed ingest left part of its delivery behind"
        with engine.begin() as connection:  # empty the store and try a bigger delivery
            for table in reversed(t.metadata.sorted_tables):  # children before parents
                if table.name != "agency":
                    connection.execute(table.delete())
        assert table_counts(engine) == before
        people *= 2
    else:
        pytest.fail(f"the ingest always finished before it could be killed ({people // 2:,})")

    if backend == "sqlite":
        with sqlite3.connect(make_url(database_url).database or "") as connection:
            assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    # exactly as before: no delivery, no source records, no quarantined rows, nothing at all
    assert table_counts(engine) == before

    rerun = subprocess.run(
        _command(folder),
        env=_environment(url),
        cwd=work,
        capture_output=True,
        timeout=600,
        check=False,
    )
    assert rerun.returncode == 0, rerun.stderr.decode(errors="replace")
    report = json.loads(rerun.stdout)
    assert report["status"] == "ingested"

    assert table_counts(engine) == expected_counts  # equal to a clean single ingest
    for key in ("rows", "accepted", "warnings", "quarantined", "inserted", "files"):
        assert report[key] == expected_report[key], key
    assert report["rows"] == 3 * people
    assert report["quarantined"] == len(range(0, 2 * people, 50))  # events naming nobody
    assert list(work.iterdir()) == []  # nothing written beside the store
    engine.dispose()

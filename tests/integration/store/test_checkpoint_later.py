"""An ingest's commit on SQLite leaves the WAL checkpoint to a background thread.

SQLite-only behaviour (PostgreSQL has no WAL file of ours to copy): the commit must not copy
the WAL into the database file itself, the background checkpoint must, and the pooled
connection must get its own checkpoint setting back.
"""

from __future__ import annotations

import shutil
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event

from joinedup.ingest import ingest_delivery
from joinedup.services import open_store
from joinedup.store import database
from tests.support.deliveries import police_delivery


def _rows_in_file(path: Path, table: str = "source_record") -> int:
    """Rows of ``table`` in the database file alone, without its WAL: what has been
    checkpointed (a copy of the file is opened, so the live WAL is not read)."""
    alone = path.with_name(f"{path.name}.alone")
    shutil.copyfile(path, alone)
    try:
        with closing(sqlite3.connect(alone)) as connection:
            (count,) = connection.execute(f"SELECT count(*) FROM {table}").fetchone()
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{alone}{suffix}").unlink(missing_ok=True)
    return int(count)


def test_the_commit_leaves_the_checkpoint_to_the_background(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = tmp_path / "store.db"
    engine = open_store(f"sqlite:///{store}")

    # every connection checkpoints after a single page: without checkpoint_later the
    # commit of even this small delivery would copy the WAL into the file
    def eager(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.execute("PRAGMA wal_autocheckpoint=1")

    event.listen(engine, "connect", eager)
    engine.dispose()
    database.wait_for_checkpoints()  # the migrations' own writes are in the file
    handed: list[tuple[str, int]] = []

    def hand_over(path: str) -> None:  # what the file holds when the commit hands over
        handed.append((path, _rows_in_file(Path(path))))

    monkeypatch.setattr(database, "_checkpoint_soon", hand_over)

    report = ingest_delivery(engine, police_delivery(tmp_path / "d1"))

    assert report.status == "ingested"
    [(path, in_file)] = handed
    assert path == str(store)
    assert in_file == 0  # the commit did not checkpoint: the delivery is in the WAL only
    with engine.connect() as connection:  # the pooled connection, its own setting back
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1
    database._checkpoint(path)
    assert _rows_in_file(store) == report.total("accepted") == 9
    engine.dispose()


def test_a_real_background_checkpoint_runs_and_can_be_waited_for(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    engine = open_store(f"sqlite:///{store}")
    for n in range(3):  # three commits in quick succession: each is copied in the end
        ingest_delivery(
            engine,
            police_delivery(tmp_path / f"d{n}", extracted_at=f"2026-11-2{n}T06:00:00Z"),
        )
    database.wait_for_checkpoints()
    assert _rows_in_file(store, "delivery") == 3  # the last commit's too
    engine.dispose()


def test_a_failed_commit_restores_the_setting_and_hands_nothing_over(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine = open_store(f"sqlite:///{tmp_path / 'store.db'}")
    handed: list[str] = []
    monkeypatch.setattr(database, "_checkpoint_soon", handed.append)
    with engine.connect() as connection:
        before = connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar()
        with pytest.raises(RuntimeError), database.checkpoint_later(connection):
            raise RuntimeError("the commit failed")
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == before
    assert handed == []
    engine.dispose()


def test_a_checkpoint_of_a_store_removed_meanwhile_creates_nothing(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    gone = tmp_path / "gone.db"
    with caplog.at_level("WARNING", logger="joinedup.store.database"):
        database._checkpoint(str(gone))
    assert not gone.exists()
    assert f"background checkpoint of {gone} failed" in caplog.text

"""A database error in one cycle does not end the worker (the benchmark's worker thread died
of SQLite's "database is locked" while a long ingest held the write lock, and every later
alert stayed unsent)."""

from __future__ import annotations

import sqlite3
import threading
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from joinedup.alerts import worker
from joinedup.alerts.delivery import CycleReport


def _run_in_a_thread(**kwargs: Any) -> Any:
    """``worker.run`` off the main thread (it would take over SIGINT/SIGTERM there)."""
    result: dict[str, Any] = {}

    def target() -> None:
        try:
            result["total"] = worker.run(object(), poll_seconds=0.001, **kwargs)  # type: ignore[arg-type]
        except Exception as error:  # noqa: BLE001 - handed back to the test
            result["error"] = error

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if "error" in result:
        raise result["error"]
    return result["total"]


def test_worker_goes_on_after_a_locked_database(monkeypatch: pytest.MonkeyPatch) -> None:
    stop = threading.Event()
    calls: list[int] = []

    def cycle(_engine: Any, _worker_id: str) -> CycleReport:
        calls.append(1)
        if len(calls) <= 2:
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("locked"))
        stop.set()
        return CycleReport(sent=3)

    monkeypatch.setattr(worker, "cycle", cycle)
    total = _run_in_a_thread(stop=stop)

    assert len(calls) == 3
    assert total.sent == 3
    assert len(total.errors) == 2 and "locked" in total.errors[0]


def test_an_error_that_is_not_the_database_s_still_ends_the_worker(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def cycle(_engine: Any, _worker_id: str) -> CycleReport:
        raise ValueError("a bug")

    monkeypatch.setattr(worker, "cycle", cycle)
    with pytest.raises(ValueError, match="a bug"):
        _run_in_a_thread(stop=threading.Event())

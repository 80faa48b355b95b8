"""No error in one cycle ends the worker (the benchmark's worker thread died of SQLite's
"database is locked" while a long ingest held the write lock, and every later alert stayed
unsent; issue 17: a ``KeyError`` from one overdue alert ended it too), and a sent batch is
marked SENT even when the store is busy at first."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import SimpleNamespace
from typing import Any

import pytest
from sqlalchemy.exc import OperationalError

from joinedup.alerts import delivery, worker
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

    def cycle(_engine: Any, _worker_id: str, **_: Any) -> CycleReport:
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


def test_a_defect_that_escapes_a_cycle_does_not_end_the_worker_either(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stop = threading.Event()
    calls: list[int] = []

    def cycle(_engine: Any, _worker_id: str, **_: Any) -> CycleReport:
        calls.append(1)
        if len(calls) <= 3:
            raise KeyError("Jack Miller")  # a defect whose message names a person
        stop.set()
        return CycleReport(escalated=1)

    monkeypatch.setattr(worker, "cycle", cycle)
    total = _run_in_a_thread(stop=stop)

    assert len(calls) == 4 and total.escalated == 1
    assert total.cycles_failed == 3
    assert total.errors == ["cycle: KeyError: '…'"] * 3  # the name is not repeated


def test_only_a_stop_ends_the_loop(monkeypatch: pytest.MonkeyPatch) -> None:
    """The loop runs on through failing cycles until it is stopped (SIGTERM/SIGINT set the
    same event), and stops within one pause."""
    stop = threading.Event()
    calls: list[int] = []

    def cycle(_engine: Any, _worker_id: str, **_: Any) -> CycleReport:
        calls.append(1)
        if len(calls) == 50:
            stop.set()
        raise RuntimeError("always")

    monkeypatch.setattr(worker, "MAX_ERROR_WAIT_SECONDS", 0.001)
    monkeypatch.setattr(worker, "cycle", cycle)
    total = _run_in_a_thread(stop=stop)
    assert len(calls) == 50 and total.cycles_failed == 50


class _BusyOnce:
    """An engine whose first ``begin()`` finds the database locked."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.executed: list[Any] = []

    @contextmanager
    def begin(self) -> Iterator[Any]:
        if self.failures:
            self.failures -= 1
            raise OperationalError("BEGIN IMMEDIATE", {}, sqlite3.OperationalError("locked"))
        yield self

    def execute(self, statement: Any) -> None:
        self.executed.append(statement)


def test_a_sent_batch_is_marked_even_if_the_store_is_busy_at_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(delivery.time, "sleep", lambda _s: None)
    engine = _BusyOnce(failures=2)
    sent = [SimpleNamespace(id=1, attempts=0), SimpleNamespace(id=2, attempts=0)]
    delivery._mark_sent(engine, "w", sent, CycleReport())  # type: ignore[arg-type]
    assert len(engine.executed) == 1  # marked SENT once the lock was free: not sent again


def test_marking_gives_up_after_its_attempts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(delivery.time, "sleep", lambda _s: None)
    engine = _BusyOnce(failures=delivery.MARK_ATTEMPTS)
    with pytest.raises(OperationalError):
        delivery._mark_sent(engine, "w", [SimpleNamespace(id=1, attempts=0)], CycleReport())  # type: ignore[arg-type]
    assert engine.executed == []

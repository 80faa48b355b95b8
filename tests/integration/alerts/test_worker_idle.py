"""An idle worker cycle looks for work without SQLite's write lock: each write transaction
waits for an ingest holding it, and the worker sent its emails behind four of them."""

from __future__ import annotations

from sqlalchemy import Engine, event

from joinedup.alerts import worker


def test_an_idle_cycle_takes_the_write_lock_at_most_once(loaded: Engine) -> None:
    worker.cycle(loaded, "w-warm")  # whatever the loaded store still had to do
    begins: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.startswith("BEGIN"):
            begins.append(statement)

    event.listen(loaded, "before_cursor_execute", seen)
    try:
        report = worker.cycle(loaded, "w-idle")
    finally:
        event.remove(loaded, "before_cursor_execute", seen)

    assert report.sent == report.escalated == report.triggers_resolved == 0
    assert begins.count("BEGIN IMMEDIATE") <= 1  # the claim of due messages, none found
    assert "BEGIN" in begins  # the read-only look for work

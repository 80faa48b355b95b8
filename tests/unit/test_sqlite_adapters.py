"""The sqlite3 driver writes dates and date-times exactly as its default adapters did, so
stores written before and after ``store.database`` declared its own read the same."""

from __future__ import annotations

import sqlite3
from datetime import UTC, date, datetime, timedelta, timezone

import joinedup.store.database  # noqa: F401  (declares the adapters)


def test_dates_and_date_times_are_written_as_iso_text() -> None:
    values = [
        date(2025, 9, 18),
        datetime(2025, 9, 18, 19, 33, tzinfo=UTC),
        datetime(2025, 9, 18, 19, 33, 5, 120, tzinfo=timezone(timedelta(hours=1))),
        datetime(1999, 1, 2, 3, 4, 5),  # naive
    ]
    with sqlite3.connect(":memory:") as connection:
        connection.execute("CREATE TABLE t (v)")
        connection.executemany("INSERT INTO t VALUES (?)", [(v,) for v in values])
        stored = [v for (v,) in connection.execute("SELECT v FROM t ORDER BY rowid")]
    assert stored == [
        "2025-09-18",
        "2025-09-18 19:33:00+00:00",
        "2025-09-18 19:33:05.000120+01:00",
        "1999-01-02 03:04:05",
    ]
    assert stored == [v.isoformat() if type(v) is date else v.isoformat(" ") for v in values]

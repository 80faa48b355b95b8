"""The worker's heartbeat in the store: each worker's last completed cycle (when, how many
items it handled, how many failed), its last failed cycle and when it stopped, so that
``joinedup alerts status`` and the health endpoint can tell from another process whether
alerts are flowing.

An idle cycle writes nothing (on SQLite every write waits for the lock an ingest holds);
the heartbeat is written after a cycle that handled something, and otherwise at most every
``EVERY_SECONDS``. It is best effort: when the store is away the cycle has already failed
and said so, and the heartbeat not moving is what the health check reports.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, delete, insert, update

from joinedup.alerts import failures
from joinedup.alerts.report import CycleReport
from joinedup.store.alert_tables import alert_worker

EVERY_SECONDS = 10.0
FORGET_AFTER = timedelta(days=7)  # rows of workers stopped longer ago are deleted
log = logging.getLogger(__name__)


class Heartbeat:
    def __init__(self, engine: Engine, worker_id: str, every: float = EVERY_SECONDS) -> None:
        self.engine, self.worker_id, self.every = engine, worker_id, every
        self.written = float("-inf")  # time.monotonic() of the last write
        self.cycles = 0  # completed cycles
        # A worker id that comes back (a thread id reused) keeps its last cycle until the
        # first cycle of this run, which is always written.
        self._write({"started_at": datetime.now(UTC), "stopped_at": None, "cycles": 0}, start=True)

    def completed(self, report: CycleReport) -> None:
        self.cycles += 1
        if not report.busy and time.monotonic() - self.written < self.every:
            return
        self.written = time.monotonic()
        self._write(
            {
                "last_cycle_at": datetime.now(UTC),
                "last_cycle_items": report.handled,
                "last_cycle_failures": report.dead_lettered,
                "cycles": self.cycles,
            }
        )

    def failed(self, error: BaseException) -> None:
        self._write({"last_error_at": datetime.now(UTC), "last_error": failures.describe(error)})

    def stopped(self) -> None:
        self._write({"stopped_at": datetime.now(UTC)})

    def _write(self, values: dict[str, Any], start: bool = False) -> None:
        try:
            with self.engine.begin() as connection:
                done = connection.execute(
                    update(alert_worker)
                    .where(alert_worker.c.worker_id == self.worker_id)
                    .values(**values)
                ).rowcount
                if not done:  # its first write (or the first since the store came back)
                    row = {
                        "started_at": datetime.now(UTC),
                        "cycles": self.cycles,
                        "last_cycle_items": 0,
                        "last_cycle_failures": 0,
                    } | values
                    connection.execute(insert(alert_worker).values(worker_id=self.worker_id, **row))
                if start:
                    connection.execute(
                        delete(alert_worker).where(
                            alert_worker.c.stopped_at < datetime.now(UTC) - FORGET_AFTER
                        )
                    )
        except Exception as error:  # noqa: BLE001 - best effort: the cycle reports the store
            log.debug("alerts worker heartbeat not written: %s", failures.describe(error))

"""The alert worker: each cycle evaluates the triggers still waiting for linking, relays
``ConcernRecorded`` events, re-scores the children of new deliveries (``alerts.rescoring``:
risk escalation alerts), delivers the due messages of the outbox (``alerts.delivery``:
at least once, idempotently, batches claimed under a lease) and escalates what nobody
acknowledged in time (``alerts.escalation``). Run several workers to share the outbox
(``joinedup alerts worker`` in several processes).

A database error in a cycle (SQLite's write lock held past its busy timeout by a long
ingest, a PostgreSQL restart) does not end the worker: the cycle is reported, the worker
waits (doubling up to ``MAX_ERROR_WAIT_SECONDS``) and tries again; whatever the failed
cycle had claimed is sent again once its lease runs out.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select
from sqlalchemy.exc import DBAPIError

from joinedup.alerts import concerns, rescoring
from joinedup.alerts.delivery import (
    BATCH,
    LEASE,
    MAX_ATTEMPTS,
    CycleReport,
    backoff,
    claim,
    deliver_due,
)
from joinedup.alerts.escalation import escalate_overdue
from joinedup.alerts.intake import retry_pending
from joinedup.config import AlertSettings, alert_settings
from joinedup.store.alert_tables import alert, alert_trigger
from joinedup.store.database import READ_ONLY
from joinedup.store.tables import outbox

__all__ = [
    "BATCH",
    "LEASE",
    "MAX_ATTEMPTS",
    "CycleReport",
    "backoff",
    "claim",
    "cycle",
    "deliver_due",
    "escalate_overdue",
    "run",
]
log = logging.getLogger(__name__)
_PENDING_TRIGGER = select(alert_trigger.c.id).where(alert_trigger.c.status == "PENDING").limit(1)
_UNPUBLISHED_CONCERN = (
    select(outbox.c.id)
    .where(outbox.c.event_type == concerns.EVENT, outbox.c.published_at.is_(None))
    .limit(1)
)
_OVERDUE = (
    select(alert.c.id).where(alert.c.status == "OPEN", alert.c.due_at < bindparam("now")).limit(1)
)
MAX_ERROR_WAIT_SECONDS = 30.0


def _waiting(engine: Engine, now: datetime) -> set[str]:
    """What this cycle has to do besides delivering, looked up without the write lock: on
    SQLite each write transaction waits for the ingest holding the lock, and a worker that
    took it four times a cycle for nothing sent its emails behind four ingests."""
    with engine.connect().execution_options(**READ_ONLY) as connection:
        found = {
            name
            for name, query in (
                ("triggers", _PENDING_TRIGGER),
                ("concerns", _UNPUBLISHED_CONCERN),
                ("rescoring", rescoring.OPEN.limit(1)),
            )
            if connection.execute(query).first() is not None
        }
        if connection.execute(_OVERDUE, {"now": now}).first() is not None:
            found.add("overdue")
    return found


def cycle(engine: Engine, worker_id: str, settings: AlertSettings | None = None) -> CycleReport:
    settings = settings or alert_settings()
    report = CycleReport()
    waiting = _waiting(engine, datetime.now(UTC))
    if "triggers" in waiting:
        with engine.begin() as connection:
            report.triggers_resolved = retry_pending(connection)
    if "concerns" in waiting:
        report.concerns_relayed = concerns.relay(engine)
    if "rescoring" in waiting:
        rescored = rescoring.rescore_requested(engine)
        report.children_rescored += rescored["children"]
    report.add(deliver_due(engine, worker_id, settings, lease=lease_from_environment()))
    if "overdue" in waiting:
        report.escalated += escalate_overdue(engine, settings)
    return report


def lease_from_environment() -> timedelta:
    seconds = os.environ.get("JOINEDUP_ALERT_LEASE_SECONDS", "").strip()
    return timedelta(seconds=float(seconds)) if seconds else LEASE


def run(
    engine: Engine,
    *,
    once: bool = False,
    poll_seconds: float = 0.5,
    stop: threading.Event | None = None,
    on_cycle: Any = None,
) -> CycleReport:
    """Deliver and escalate until stopped (SIGINT/SIGTERM), or one cycle with ``once``."""
    stop = stop or threading.Event()
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGINT, signal.SIGTERM):
            signal.signal(sig, lambda *_: stop.set())
    worker_id = f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}"[:80]
    total = CycleReport()
    errors_in_a_row = 0
    while True:
        try:
            report = cycle(engine, worker_id)
            errors_in_a_row = 0
        except DBAPIError as error:  # the store is busy or away: not a reason to stop
            errors_in_a_row += 1
            log.warning("alert worker cycle failed (%s); trying again", error.orig)
            report = CycleReport(errors=[f"cycle: {type(error.orig).__name__}: {error.orig}"])
        total.add(report)
        if on_cycle:
            on_cycle(report)
        if once or stop.is_set():
            return total
        busy = report.sent or report.failed or report.triggers_resolved or report.concerns_relayed
        if errors_in_a_row:
            stop.wait(min(poll_seconds * 2**errors_in_a_row, MAX_ERROR_WAIT_SECONDS))
        elif not busy:
            stop.wait(poll_seconds)
        if stop.is_set():
            return total


def main() -> None:
    """``python -m joinedup.alerts.worker``: the worker without loading the whole CLI (what
    a service manager runs; ``joinedup alerts worker`` is the same loop)."""
    from joinedup.services import open_store

    run(open_store())


if __name__ == "__main__":  # pragma: no cover - process entry point
    main()

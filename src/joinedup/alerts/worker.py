"""The alert worker: each cycle evaluates the triggers still waiting for linking, relays
``ConcernRecorded`` events, re-scores the children of new deliveries (``alerts.rescoring``:
risk escalation alerts), delivers the due messages of the outbox (``alerts.delivery``:
at least once, idempotently, batches claimed under a lease) and escalates what nobody
acknowledged in time (``alerts.escalation``). Run several workers to share the outbox
(``joinedup alerts worker`` in several processes).

No one item can stop it. Each trigger, concern, re-score request, message and overdue alert
is handled in a savepoint of its own; one that raises rolls back alone and becomes a dead
letter (``alerts.dead_letters``: its stage, the error without personal data, attempts),
left out until its next attempt (backoff doubling from 5 s to an hour, at most
``MAX_ATTEMPTS``), and the operator is told (``alerts.operator``). An exception that escapes
a whole cycle (SQLite's write lock held past its busy timeout by a long ingest, a PostgreSQL
restart, a defect outside any one item) is logged and the worker goes on after a pause
(doubling up to ``MAX_ERROR_WAIT_SECONDS``); whatever the failed cycle had claimed is sent
again once its lease runs out. Only SIGTERM or SIGINT stop it, after the item in hand.

Duties of the layers above (``Duty``: the exchange with partner partnerships after each
delivery, ``services.exchange_follow``) are passed in by whoever starts the worker
(``services.alerts.run_worker``) and run at the end of each cycle; each isolates its own
items, and one that raises ends only its own turn.

Each worker keeps its heartbeat in the store (``alerts.heartbeat``), which ``joinedup alerts
status`` and ``GET /api/v1/health/alerts`` read (``alerts.status``).
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, bindparam, select

from joinedup import config
from joinedup.alerts import concerns, dead_letters, failures, operator, rescoring
from joinedup.alerts.dead_letters import ALERT, CONCERN, RESCORE, TRIGGER, Ledger
from joinedup.alerts.delivery import (
    BATCH,
    LEASE,
    MAX_ATTEMPTS,
    CycleReport,
    backoff,
    claim,
    deliver_due,
)
from joinedup.alerts.escalation import escalate_overdue, overdue
from joinedup.alerts.heartbeat import Heartbeat
from joinedup.alerts.intake import retry_pending
from joinedup.alerts.mash_requests import escalate_overdue_requests
from joinedup.config import AlertSettings, alert_settings
from joinedup.governance import mash_cases
from joinedup.governance.audit.seal import seal_now
from joinedup.store.alert_tables import alert, alert_trigger
from joinedup.store.casework_tables import mash_request
from joinedup.store.database import READ_ONLY
from joinedup.store.risk_tables import risk_rescore_request
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
_NOW: Any = bindparam("now")
_PENDING_TRIGGER = (
    select(alert_trigger.c.id)
    .where(
        alert_trigger.c.status == "PENDING",
        alert_trigger.c.id.not_in(dead_letters.blocked(TRIGGER, _NOW)),
    )
    .limit(1)
)
_UNPUBLISHED_CONCERN = (
    select(outbox.c.id)
    .where(
        outbox.c.event_type == concerns.EVENT,
        outbox.c.published_at.is_(None),
        outbox.c.id.not_in(dead_letters.blocked(CONCERN, _NOW)),
    )
    .limit(1)
)
_OPEN_RESCORE = rescoring.OPEN.where(
    risk_rescore_request.c.id.not_in(dead_letters.blocked(RESCORE, _NOW))
).limit(1)
_OVERDUE = (
    overdue(_NOW)
    .with_only_columns(alert.c.id)
    .where(alert.c.id.not_in(dead_letters.blocked(ALERT, _NOW)))
    .limit(1)
)
_OVERDUE_REQUEST = mash_cases.overdue_requests(_NOW).with_only_columns(mash_request.c.id).limit(1)
MAX_ERROR_WAIT_SECONDS = 30.0
# More work for the worker's cycle, from a layer above: (engine, worker id, now, report, stop).
Duty = Callable[[Engine, str, datetime, CycleReport, threading.Event], None]


def _waiting(engine: Engine, now: datetime) -> set[str]:
    """What this cycle has to do besides delivering, looked up without the write lock: on
    SQLite each write transaction waits for the ingest holding it, and a worker that
    took it four times a cycle for nothing sent its emails behind four ingests. Items
    waiting for their next attempt after a failure are not work yet."""
    with engine.connect().execution_options(**READ_ONLY) as connection:
        return {
            name
            for name, query in (
                ("triggers", _PENDING_TRIGGER),
                ("concerns", _UNPUBLISHED_CONCERN),
                ("rescoring", _OPEN_RESCORE),
                ("overdue", _OVERDUE),
                ("requests", _OVERDUE_REQUEST),
            )
            if connection.execute(query, {"now": now}).first() is not None
        }


def cycle(
    engine: Engine,
    worker_id: str,
    settings: AlertSettings | None = None,
    *,
    stop: threading.Event | None = None,
    duties: Sequence[Duty] = (),
) -> CycleReport:
    """One pass over every kind of work, each item isolated (see the module docstring)."""
    settings = settings or alert_settings()
    report = CycleReport()
    now = datetime.now(UTC)
    stop = stop or threading.Event()
    waiting = _waiting(engine, now)

    def ledger(kind: str) -> Ledger:
        return Ledger(kind, report, worker_id, now)

    if "triggers" in waiting:
        with engine.begin() as connection:
            triggers = ledger(TRIGGER).load(connection)
            report.triggers_resolved = retry_pending(connection, now, ledger=triggers)
    if "concerns" in waiting and not stop.is_set():
        report.concerns_relayed += concerns.relay(engine, now, ledger=ledger(CONCERN), stop=stop)
    if "rescoring" in waiting and not stop.is_set():
        done = rescoring.rescore_requested(engine, now, ledger=ledger(RESCORE), stop=stop)
        report.children_rescored += done["children"]
        report.rescores_done += done["requests"]
    if not stop.is_set():
        report.add(
            deliver_due(engine, worker_id, settings, lease=lease_from_environment(), stop=stop)
        )
    if "overdue" in waiting and not stop.is_set():
        report.escalated += escalate_overdue(engine, settings, now, ledger=ledger(ALERT), stop=stop)
    if "requests" in waiting and not stop.is_set():  # the MASH's overdue information requests
        report.escalated += escalate_overdue_requests(engine, settings, now)
    for duty in duties:
        if stop.is_set():
            break
        try:
            duty(engine, worker_id, now, report, stop)
        except Exception as error:  # noqa: BLE001 - a duty's defect stops nothing else
            if failures.store_unavailable(error):
                raise
            log.warning("alerts worker: a duty failed: %s", failures.describe(error),
                        exc_info=error)  # fmt: skip
            report.errors.append(f"duty: {failures.describe(error)}")
    try:  # one notice for whatever failed (this cycle, or held back by the rate limit)
        operator.notify(engine, worker_id, datetime.now(UTC), settings)
    except Exception as error:  # noqa: BLE001 - the items are done; the notice waits
        if failures.store_unavailable(error):
            raise
        log.warning(
            "alerts worker: no operator notice: %s", failures.describe(error), exc_info=error
        )
    return report


def lease_from_environment() -> timedelta:
    return timedelta(seconds=config.settings().alerts.lease_seconds)


@contextmanager
def _stopped_by_signals(stop: threading.Event) -> Iterator[None]:
    """SIGINT and SIGTERM set ``stop`` (the worker finishes the item in hand), and the
    previous handlers are put back afterwards. Only the main thread may set handlers."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in before:
        signal.signal(sig, lambda *_: stop.set())
    try:
        yield
    finally:
        for sig, handler in before.items():
            signal.signal(sig, handler)


def run(
    engine: Engine,
    *,
    once: bool = False,
    poll_seconds: float = 0.5,
    stop: threading.Event | None = None,
    on_cycle: Callable[[CycleReport], Any] | None = None,
    duties: Sequence[Duty] = (),
) -> CycleReport:
    """Deliver and escalate until stopped (SIGINT/SIGTERM), or one cycle with ``once``."""
    config.refuse_unsafe_defaults()  # JOINEDUP_ENV=production: alerts only over TLS
    stop = stop or threading.Event()
    worker_id = f"{os.uname().nodename}:{os.getpid()}:{threading.get_ident()}"[:80]
    total = CycleReport()
    errors_in_a_row = 0
    with _stopped_by_signals(stop):
        heartbeat = Heartbeat(engine, worker_id)
        try:
            while True:
                try:
                    report = cycle(engine, worker_id, stop=stop, duties=duties)
                    errors_in_a_row = 0
                    heartbeat.completed(report)
                except Exception as error:  # noqa: BLE001 - nothing but a signal stops it
                    errors_in_a_row += 1
                    log.warning(
                        "alerts worker: a cycle failed at %s (%s); trying again",
                        failures.stage_of(error, "the cycle"),
                        failures.describe(error),
                        exc_info=error,
                    )
                    report = CycleReport(
                        cycles_failed=1, errors=[f"cycle: {failures.describe(error)}"]
                    )
                    heartbeat.failed(error)
                total.add(report)
                try:  # a signed head (and its witness line) after each cycle that wrote one
                    seal_now()
                except Exception as error:  # noqa: BLE001 - sealing never stops delivery
                    log.warning(
                        "alerts worker: the audit log's head was not signed (%s)",
                        failures.describe(error),
                    )
                if on_cycle:
                    on_cycle(report)
                if once or stop.is_set():
                    return total
                if errors_in_a_row:
                    stop.wait(min(poll_seconds * 2**errors_in_a_row, MAX_ERROR_WAIT_SECONDS))
                elif not report.busy:
                    stop.wait(poll_seconds)
                if stop.is_set():
                    return total
        finally:
            heartbeat.stopped()


def main() -> None:
    """``python -m joinedup.alerts.worker``: the worker without loading the whole CLI (what
    a service manager runs; ``joinedup alerts worker`` is the same loop)."""
    from joinedup.errors import JoinedUpError
    from joinedup.store.opening import open_store

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        run(open_store())
    except JoinedUpError as error:  # a bad setting, say: one line, as the CLI says it
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(error.exit_code) from None


if __name__ == "__main__":  # pragma: no cover - process entry point
    main()

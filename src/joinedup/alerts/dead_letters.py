"""Dead letters: the items the alerts worker failed on, tried again with backoff.

Each item (a trigger, a ``ConcernRecorded`` event, a re-score request, an outbox message,
an overdue alert to escalate) is handled in a savepoint of its own (``Ledger.isolated``):
when it raises, only its own writes roll back, and its dead letter records the kind, id,
stage, the error's class and a one-line reason without personal data
(``failures.reason``), the attempts, the first and last failure and when it is tried next.
Until then the worker's queries leave it out (``blocked``), so one bad item costs nothing
between attempts. The wait doubles from 5 seconds up to an hour; after ``MAX_ATTEMPTS`` the
letter is exhausted and the item waits for an operator (``retry``). An item that later
succeeds resolves its letter (``SUCCEEDED``): the row stays, as history.

The first failure of an item and the exhaustion of its attempts each write an audit entry
(``ALERT_DEAD_LETTER``), in the transaction that records them; ``alerts.operator`` tells
the operator. A store that is busy or away is not an item's fault
(``failures.store_unavailable``): that error ends the cycle instead, and the worker tries
again after a pause.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, insert, or_, select, update

from joinedup.alerts import channels, failures
from joinedup.alerts.report import CycleReport
from joinedup.governance.audit import append
from joinedup.store.alert_tables import alert, alert_dead_letter, alert_message, alert_trigger
from joinedup.store.risk_tables import risk_rescore_request
from joinedup.store.tables import outbox

TRIGGER, CONCERN, RESCORE, MESSAGE, ALERT = "trigger", "concern", "rescore", "message", "alert"
KINDS = (TRIGGER, CONCERN, RESCORE, MESSAGE, ALERT)
_TABLE_OF = {
    TRIGGER: alert_trigger,
    CONCERN: outbox,
    RESCORE: risk_rescore_request,
    MESSAGE: alert_message,
    ALERT: alert,
}
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0
MAX_ATTEMPTS = 10
AUDIT_KIND = "ALERT_DEAD_LETTER"
SUCCEEDED = "SUCCEEDED"
GONE = "GONE"  # the item was deleted since (retention, a re-delivery)
log = logging.getLogger(__name__)
L = alert_dead_letter


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure in a row: 5 s doubling, at most an hour."""
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS))


def blocked(kind: str, now: Any) -> Any:
    """The ids of ``kind`` not to try ``now`` (a time, or a bound parameter): waiting for
    their next attempt, or out of attempts."""
    return select(L.c.item_id).where(
        L.c.kind == kind,
        L.c.resolved_at.is_(None),
        or_(L.c.exhausted_at.is_not(None), L.c.next_attempt_at > now),
    )


class Ledger:
    """The dead letters of one kind of item, for one pass of the worker over that kind."""

    def __init__(self, kind: str, report: CycleReport, worker_id: str, now: datetime) -> None:
        self.kind, self.report, self.worker_id, self.now = kind, report, worker_id, now
        self.retrying: set[int] = set()  # items with an open letter: tried again now

    def load(self, connection: Connection) -> Ledger:
        self.retrying = set(
            connection.execute(
                select(L.c.item_id).where(L.c.kind == self.kind, L.c.resolved_at.is_(None))
            ).scalars()
        )
        return self

    @contextmanager
    def isolated(self, connection: Connection, item_id: int, stage: str) -> Iterator[None]:
        """Run the block for one item in a savepoint: on an exception its writes roll back
        and it becomes (or stays) a dead letter; on success an open letter is resolved."""
        savepoint = connection.begin_nested()
        try:
            yield
        except Exception as error:
            savepoint.rollback()
            if failures.store_unavailable(error):
                raise
            self.failed(connection, item_id, error, stage)
        else:
            savepoint.commit()
            if item_id in self.retrying:
                self.succeeded(connection, [item_id])

    def failed(
        self,
        connection: Connection,
        item_id: int,
        error: BaseException,
        stage: str,
        *,
        attempts: int | None = None,
        next_attempt_at: datetime | None = None,
    ) -> bool:
        """Record the failure; returns whether the item has used up its attempts."""
        where = failures.stage_of(error, stage)
        log.warning(
            "alerts worker: %s %s failed at %s: %s",
            self.kind,
            item_id,
            where,
            failures.describe(error),
            # a channel refusing a message is expected: its traceback says nothing more
            exc_info=None if isinstance(error, channels.DeliveryFailed) else error,
        )
        exhausted = record(
            connection,
            self.kind,
            item_id,
            where,
            error,
            self.now,
            self.worker_id,
            attempts=attempts,
            next_attempt_at=next_attempt_at,
        )
        self.retrying.add(item_id)
        self.report.dead_lettered += 1
        self.report.exhausted += exhausted
        self.report.errors.append(f"{self.kind} {item_id} at {where}: {failures.describe(error)}")
        return exhausted

    def succeeded(self, connection: Connection, item_ids: Iterable[int]) -> None:
        ids = [i for i in item_ids if i in self.retrying]
        if ids:
            self.report.recovered += resolve(connection, self.kind, ids, self.now)
            self.retrying.difference_update(ids)


def isolated(
    ledger: Ledger | None, connection: Connection, item_id: int, stage: str
) -> AbstractContextManager[None]:
    """``ledger.isolated(...)``; without a ledger (a replay, a direct call) nothing is
    isolated and an exception goes to the caller, as before."""
    return nullcontext() if ledger is None else ledger.isolated(connection, item_id, stage)


def record(
    connection: Connection,
    kind: str,
    item_id: int,
    stage: str,
    error: BaseException,
    now: datetime,
    worker_id: str,
    *,
    attempts: int | None = None,
    next_attempt_at: datetime | None = None,
) -> bool:
    """Write the item's dead letter (a new one, or the next failure of an open one) and the
    audit entries of its first failure and of its attempts running out. ``attempts`` and
    ``next_attempt_at``: the item keeps its own count and backoff (an outbox message)."""
    row = connection.execute(select(L).where(L.c.kind == kind, L.c.item_id == item_id)).first()
    first = row is None or row.resolved_at is not None
    tries = attempts if attempts is not None else 1 if first else int(row.attempts) + 1  # type: ignore[union-attr]
    exhausted = tries >= MAX_ATTEMPTS
    values: dict[str, Any] = {
        "stage": stage[:40],
        "error_class": failures.error_class(error),
        "reason": failures.reason(error),
        "attempts": tries,
        "last_failed_at": now,
        "next_attempt_at": None if exhausted else next_attempt_at or now + backoff(tries),
        "exhausted_at": now if exhausted else None,
    }
    if first:
        values.update(
            first_failed_at=now,
            resolved_at=None,
            resolution=None,
            reported_at=None,
            reported_exhausted_at=None,
        )
    if row is None:
        connection.execute(insert(L).values(kind=kind, item_id=item_id, **values))
    else:
        connection.execute(update(L).where(L.c.id == row.id).values(**values))
    events = (["failed"] if first else []) + (["exhausted"] if exhausted else [])
    for event in events:
        append(
            connection,
            kind=AUDIT_KIND,
            actor=f"alerts-worker:{worker_id}",
            details={
                "event": event,
                "item": kind,
                "item_id": item_id,
                "stage": values["stage"],
                "error": values["error_class"],
                "reason": values["reason"],
                "attempts": tries,
                "next_attempt_at": (
                    values["next_attempt_at"].isoformat() if values["next_attempt_at"] else None
                ),
            },
            recorded_at=now,
        )
    return exhausted


def resolve(connection: Connection, kind: str, item_ids: list[int], now: datetime) -> int:
    """Resolve the open letters of these items (they succeeded); returns how many."""
    result = connection.execute(
        update(L)
        .where(L.c.kind == kind, L.c.item_id.in_(item_ids), L.c.resolved_at.is_(None))
        .values(resolved_at=now, resolution=SUCCEEDED, next_attempt_at=None)
    )
    return int(result.rowcount or 0)


def retry(
    connection: Connection, now: datetime, kind: str | None = None, item_id: int | None = None
) -> list[dict[str, Any]]:
    """Try the open letters again at once, with their attempts counted afresh (after an
    operator fixed the cause); a dead message is pending again. Letters of items deleted
    since are resolved as GONE. Returns the letters put back, as (kind, item id)."""
    for name, table in _TABLE_OF.items():
        if kind in (None, name):
            connection.execute(
                update(L)
                .where(
                    L.c.kind == name,
                    L.c.resolved_at.is_(None),
                    L.c.item_id.not_in(select(table.c.id)),
                )
                .values(resolved_at=now, resolution=GONE, next_attempt_at=None)
            )
    chosen: list[Any] = [L.c.resolved_at.is_(None)]
    if kind is not None:
        chosen.append(L.c.kind == kind)
    if item_id is not None:
        chosen.append(L.c.item_id == item_id)
    again = connection.execute(
        update(L)
        .where(and_(*chosen))
        .values(attempts=0, next_attempt_at=now, exhausted_at=None, reported_exhausted_at=None)
        .returning(L.c.kind, L.c.item_id)
    ).all()
    messages = [i for k, i in again if k == MESSAGE]
    if messages:
        connection.execute(
            update(alert_message)
            .where(alert_message.c.id.in_(messages), alert_message.c.status != "SENT")
            .values(status="PENDING", attempts=0, next_attempt_at=now, claimed_until=None)
        )
    return [{"kind": k, "item_id": int(i)} for k, i in again]

"""The ingest hook: alerts are raised in the transaction that stores the events causing them.

``delivery_written(connection, delivery_id)`` runs inside the ingest transaction, after the
delivery's rows are written and before commit. For each new or changed event of the delivery
that some rule looks at, it writes an ``alert_trigger`` and evaluates it at once. When the
event's person is not linked yet (a new record: linking runs after the ingest commits), the
trigger stays PENDING and the worker evaluates it again once linking has run, so nothing
that should alert is lost either way.

Events older than ``LIVE_DAYS`` before the delivery's extraction are history (a first load,
a backfill): they raise no alert. ``paused()`` turns the hook off in this thread (replay
uses it to load the initial state); ``simulated_clock()`` makes each delivery's extraction
time the alerts' "now" (replay: deadlines, folding and rate limits in simulated time).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update

from joinedup.alerts import facts, routing
from joinedup.alerts.evaluate import Unlinked, findings_for
from joinedup.alerts.raising import insert_ignoring_duplicates, raise_alert
from joinedup.alerts.rules import trigger_event_types
from joinedup.config import AlertSettings, alert_settings
from joinedup.store.alert_tables import alert_trigger
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import delivery, event, source_record

LIVE_DAYS = 7
PENDING_FOR = timedelta(hours=24)  # a trigger whose person is never linked is given up then
_state = threading.local()
_OUTCOME = alert_trigger.c.outcome.type
_WAITING = (
    update(alert_trigger)
    .where(alert_trigger.c.id == bindparam("b_id"))
    .values(attempts=alert_trigger.c.attempts + 1, outcome=bindparam("b_outcome", type_=_OUTCOME))
)
_DONE = (
    update(alert_trigger)
    .where(alert_trigger.c.id == bindparam("b_id"))
    .values(
        status="DONE",
        resolved_at=bindparam("b_at"),
        outcome=bindparam("b_outcome", type_=_OUTCOME),
    )
)


@contextmanager
def paused() -> Iterator[None]:
    before = getattr(_state, "paused", False)
    _state.paused = True
    try:
        yield
    finally:
        _state.paused = before


@contextmanager
def simulated_clock() -> Iterator[None]:
    before = getattr(_state, "simulated", False)
    _state.simulated = True
    try:
        yield
    finally:
        _state.simulated = before


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def delivery_written(connection: Connection, delivery_id: int) -> None:
    """The hook ``joinedup.ingest.pipeline`` calls before committing a delivery."""
    if getattr(_state, "paused", False):
        return
    row = connection.execute(
        select(delivery.c.agency_id, delivery.c.extracted_at).where(delivery.c.id == delivery_id)
    ).one()
    watched = {(c, e) for a, c, e in trigger_event_types() if a == row.agency_id}
    if not watched:
        return
    if connection.execute(select(linkage_record.c.record_key).limit(1)).first() is None:
        # Nobody is linked yet (a first load, before `joinedup link`): no event can be tied
        # to a child or a lead practitioner, so there is nobody to alert. Looking each event
        # up anyway cost a query per event: 20+ minutes for one 100,000-child delivery.
        return
    since = (_utc(row.extracted_at) - timedelta(days=LIVE_DAYS)).date()
    events = connection.execute(
        select(event)
        .join(source_record, source_record.c.id == event.c.source_record_id)
        .where(
            source_record.c.last_changed_delivery_id == delivery_id,
            # Only the last LIVE_DAYS of events can alert: found by ix_event_occurred_on.
            # Compared as an expression so that SQLite does not walk every event of the
            # agency by ix_event_person instead (180,000 for health at 20,000 children).
            event.c.agency_id + "" == row.agency_id,
            event.c.event_type.in_(sorted({e for _, e in watched})),
            event.c.occurred_on >= since,
        )
        .order_by(event.c.occurred_on, event.c.id)
    ).mappings()
    simulated = getattr(_state, "simulated", False)
    now = _utc(row.extracted_at) if simulated else datetime.now(UTC)
    settings = alert_settings()
    with facts.remembering():
        _evaluate_all(connection, delivery_id, list(events), watched, settings, now)


def _evaluate_all(
    connection: Connection,
    delivery_id: int,
    events: list[Any],
    watched: set[tuple[str, str]],
    settings: AlertSettings,
    now: datetime,
) -> None:
    for found in events:
        if (found["category"], found["event_type"]) not in watched:
            continue
        trigger_id = insert_ignoring_duplicates(
            connection,
            alert_trigger,
            {
                "event_id": found["id"],
                "delivery_id": delivery_id,
                "created_at": now,
                "status": "PENDING",
                "attempts": 0,
                "outcome": {},
            },
        )
        if trigger_id is not None:
            evaluate_trigger(connection, int(trigger_id), found, settings, now)


def evaluate_trigger(
    connection: Connection,
    trigger_id: int,
    found: Any,
    settings: AlertSettings,
    now: datetime,
) -> str:
    """Evaluate one trigger's event; marks it DONE (with what it raised) unless unlinked."""
    try:
        findings = findings_for(connection, found)
    except Unlinked as why:
        connection.execute(_WAITING, {"b_id": trigger_id, "b_outcome": {"waiting": str(why)}})
        return "PENDING"
    outcome: dict[str, Any] = {"alerts": []}
    for finding in findings:
        recipient = routing.route(connection, finding.rule, finding.records, finding.on, settings)
        alert_id, what = raise_alert(
            connection, finding, recipient, settings, now, cause_event_id=found["id"]
        )
        outcome["alerts"].append({"rule": finding.rule.id, "alert_id": alert_id, "as": what})
    connection.execute(_DONE, {"b_id": trigger_id, "b_at": now, "b_outcome": outcome})
    return "DONE"


def retry_pending(connection: Connection, now: datetime | None = None, limit: int = 500) -> int:
    """Evaluate again the triggers whose people were not linked; give up after a day.
    Returns how many were resolved (DONE or EXPIRED)."""
    now = now or datetime.now(UTC)
    settings = alert_settings()
    pending = connection.execute(
        select(alert_trigger.c.id, alert_trigger.c.event_id, alert_trigger.c.created_at)
        .where(alert_trigger.c.status == "PENDING")
        .order_by(alert_trigger.c.id)
        .limit(limit)
    ).all()
    with facts.remembering():
        return _retry(connection, pending, settings, now)


def _retry(connection: Connection, pending: Any, settings: AlertSettings, now: datetime) -> int:
    resolved = 0
    for trigger_id, event_id, created_at in pending:
        found = connection.execute(select(event).where(event.c.id == event_id)).mappings().first()
        if found is not None:
            if evaluate_trigger(connection, trigger_id, found, settings, now) == "DONE":
                resolved += 1
                continue
            if now - _utc(created_at) <= PENDING_FOR:
                continue
        reason = "the event was replaced" if found is None else "never linked"
        connection.execute(
            update(alert_trigger)
            .where(alert_trigger.c.id == trigger_id)
            .values(status="EXPIRED", resolved_at=now, outcome={"reason": reason})
        )
        resolved += 1
    return resolved

"""The ingest hook: alerts are raised in the transaction that stores the events causing them.

``delivery_written(connection, delivery_id)`` runs inside the ingest transaction, after the
delivery's rows are written and before commit. For each new or changed event of the delivery
that some rule looks at, it writes an ``alert_trigger`` and evaluates it at once. When the
event's person is not linked yet (a new record: linking runs after the ingest commits), the
trigger stays PENDING and the worker evaluates it again once linking has run, so nothing
that should alert is lost either way. It also leaves a request to re-score the delivery's
children (``alerts.rescoring``), which the worker carries out: risk escalation, live.

Events older than ``LIVE_DAYS`` before the delivery's extraction are history (a first load,
a backfill): they raise no alert. ``on_delivery_ingested`` is the handler the event flow
(``joinedup.bootstrap``) runs for ``DeliveryIngested``; ``on_delivery_ingested_simulated``
makes each delivery's extraction time the alerts' "now" instead (a replay: deadlines,
folding and rate limits in simulated time; the replay re-scores on its own schedule).
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from joinedup.alerts import (
    dead_letters,
    facts,
    facts_bulk,
    failures,
    raising_bulk,
    rescoring,
    routing,
)
from joinedup.alerts.evaluate import Unlinked, findings_for
from joinedup.alerts.rules import RULES, trigger_event_types
from joinedup.config import AlertSettings, alert_settings
from joinedup.domain.events import DeliveryIngested, DomainEvent
from joinedup.store.alert_tables import alert_trigger
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import delivery, event, source_record

LIVE_DAYS = 7
FAILED = "FAILED"  # a trigger whose evaluation raised this time (it stays PENDING)
log = logging.getLogger(__name__)
PENDING_FOR = timedelta(hours=24)  # a trigger whose person is never linked is given up then
# The agencies whose lead practitioners the rules ask about (recipients, fallbacks, and
# social care, which the self-harm rule checks): read in bulk for a delivery's people.
_ROUTED_TO = sorted(
    {r.recipient_agency.value for r in RULES.values()}
    | {r.fallback_agency.value for r in RULES.values() if r.fallback_agency}
    | {"social_care"}
)
_INSERT_TRIGGERS: dict[str, Any] = {}
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


def on_delivery_ingested(connection: Connection, event: DomainEvent) -> None:
    """In the delivery's transaction: triggers for what the rules watch, and a re-score."""
    assert isinstance(event, DeliveryIngested)
    delivery_written(connection, event.delivery_id)


def on_delivery_ingested_simulated(connection: Connection, event: DomainEvent) -> None:
    """The same in a replay's simulated time (the delivery's extraction is "now")."""
    assert isinstance(event, DeliveryIngested)
    delivery_written(connection, event.delivery_id, simulated=True)


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def delivery_written(connection: Connection, delivery_id: int, *, simulated: bool = False) -> None:
    """What a delivery causes, in its transaction (before it commits)."""
    row = connection.execute(
        select(delivery.c.agency_id, delivery.c.extracted_at).where(delivery.c.id == delivery_id)
    ).one()
    if connection.execute(select(linkage_record.c.record_key).limit(1)).first() is None:
        # Nobody is linked yet (a first load, before `joinedup link`): no event can be tied
        # to a child or a lead practitioner, so there is nobody to alert. Looking each event
        # up anyway cost a query per event: 20+ minutes for one 100,000-child delivery.
        return
    now = _utc(row.extracted_at) if simulated else datetime.now(UTC)
    if not simulated:  # a replay re-scores on its own schedule (--rescore-days)
        rescoring.request(connection, delivery_id, now)
    watched = {(c, e) for a, c, e in trigger_event_types() if a == row.agency_id}
    if not watched:
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
    events = [e for e in events if (e["category"], e["event_type"]) in watched]
    if not events:
        return
    rows = [
        {
            "event_id": found["id"],
            "delivery_id": delivery_id,
            "created_at": now,
            "status": "PENDING",
            "attempts": 0,
            "outcome": {},
        }
        for found in events
    ]
    triggers = dict(connection.execute(_new_triggers(connection), rows).all())  # event -> id
    fresh = [(triggers[e["id"]], e) for e in events if e["id"] in triggers]
    try:
        with connection.begin_nested():
            evaluate_triggers(connection, fresh, settings, now)
    except Exception as error:
        # A rule (or the policy, or routing) failing on one event must not refuse the
        # delivery: its triggers stay PENDING, written with the events, and the worker
        # evaluates each alone, so the one that fails becomes a dead letter.
        if failures.store_unavailable(error):
            raise
        log.warning(
            "alert rules failed on delivery %s at %s (%s): its %d triggers wait for the worker",
            delivery_id,
            failures.stage_of(error, failures.RULE_EVALUATION),
            failures.describe(error),
            len(fresh),
            exc_info=error,
        )


def _new_triggers(connection: Connection) -> Any:
    """INSERT of many triggers, each returned (event id, trigger id) unless already there."""
    name = connection.dialect.name
    if name not in _INSERT_TRIGGERS:
        dialect = postgresql if name == "postgresql" else sqlite
        _INSERT_TRIGGERS[name] = (
            dialect.insert(alert_trigger)
            .on_conflict_do_nothing()
            .returning(alert_trigger.c.event_id, alert_trigger.c.id)
        )
    return _INSERT_TRIGGERS[name]


def switched_on(rule_id: str, settings: AlertSettings) -> bool:
    """Operation Encompass's companions run only where the partnership's protocol asks."""
    if rule_id == "OPERATION_ENCOMPASS_HEALTH":
        return settings.encompass_health_email is not None
    if rule_id == "OPERATION_ENCOMPASS_CALL":
        return settings.encompass_telephone
    return True


def evaluate_triggers(
    connection: Connection, triggers: list[tuple[int, Any]], settings: AlertSettings, now: datetime
) -> list[str]:
    """Evaluate (trigger id, event) pairs as a set: their facts read in bulk, the rules run
    on each, the alerts raised in bulk (``raising_bulk``). Each trigger is marked DONE with
    what it raised, or stays PENDING when its person is not linked yet; returns the status
    of each, in order."""
    if not triggers:
        return []
    facts_bulk.warm(connection, [e for _, e in triggers], _ROUTED_TO)
    statuses, waiting, routed, owner = [], [], [], []
    for n, (trigger_id, found) in enumerate(triggers):
        try:
            with failures.at(failures.RULE_EVALUATION):
                findings = findings_for(connection, found)
        except Unlinked as why:
            waiting.append({"b_id": trigger_id, "b_outcome": {"waiting": str(why)}})
            statuses.append("PENDING")
            continue
        statuses.append("DONE")
        for finding in findings:
            if not switched_on(finding.rule.id, settings):
                continue
            with failures.at(failures.ROUTING):
                recipient = routing.route(
                    connection, finding.rule, finding.records, finding.on, settings
                )
            routed.append(raising_bulk.Routed(finding, recipient, found["id"]))
            owner.append(n)
    with failures.at(failures.RAISING):
        raised = raising_bulk.raise_alerts(connection, routed, settings, now)
    outcomes: dict[int, list[dict[str, Any]]] = {
        n: [] for n, s in enumerate(statuses) if s == "DONE"
    }
    for n, item, (alert_id, what) in zip(owner, routed, raised, strict=True):
        outcomes[n].append({"rule": item.finding.rule.id, "alert_id": alert_id, "as": what})
    done = [
        {"b_id": triggers[n][0], "b_at": now, "b_outcome": {"alerts": alerts}}
        for n, alerts in outcomes.items()
    ]
    if waiting:
        connection.execute(_WAITING, waiting)
    if done:
        connection.execute(_DONE, done)
    return statuses


def retry_pending(
    connection: Connection,
    now: datetime | None = None,
    limit: int = 500,
    ledger: dead_letters.Ledger | None = None,
) -> int:
    """Evaluate again the triggers whose people were not linked; give up after a day.
    Returns how many were resolved (DONE or EXPIRED). With a ``ledger`` (the worker), a
    trigger that fails is a dead letter, left out until its next attempt."""
    now = now or datetime.now(UTC)
    settings = alert_settings()
    query = (
        select(alert_trigger.c.id, alert_trigger.c.event_id, alert_trigger.c.created_at)
        .where(alert_trigger.c.status == "PENDING")
        .order_by(alert_trigger.c.id)
        .limit(limit)
    )
    if ledger is not None:
        query = query.where(alert_trigger.c.id.not_in(dead_letters.blocked(ledger.kind, now)))
    pending = connection.execute(query).all()
    with facts.remembering():
        return _retry(connection, pending, settings, now, ledger)


def _retry(
    connection: Connection,
    pending: Any,
    settings: AlertSettings,
    now: datetime,
    ledger: dead_letters.Ledger | None,
) -> int:
    found = (
        {
            row["id"]: row
            for row in connection.execute(
                select(event).where(event.c.id.in_([e for _, e, _ in pending]))
            ).mappings()
        }
        if pending
        else {}
    )
    present = [(t, found[e]) for t, e, _ in pending if e in found]
    statuses = _evaluate(connection, present, settings, now, ledger)
    resolved = 0
    for trigger_id, event_id, created_at in pending:
        status = statuses.get(trigger_id)
        if status == "DONE":
            resolved += 1
            continue
        if status == FAILED:
            continue  # a dead letter: tried again after its backoff, never expired unseen
        if event_id in found and now - _utc(created_at) <= PENDING_FOR:
            continue
        reason = "the event was replaced" if event_id not in found else "never linked"
        connection.execute(
            update(alert_trigger)
            .where(alert_trigger.c.id == trigger_id)
            .values(status="EXPIRED", resolved_at=now, outcome={"reason": reason})
        )
        if ledger is not None:
            ledger.succeeded(connection, [trigger_id])
        resolved += 1
    return resolved


def _evaluate(
    connection: Connection,
    present: list[tuple[int, Any]],
    settings: AlertSettings,
    now: datetime,
    ledger: dead_letters.Ledger | None,
) -> dict[int, str]:
    """Each trigger's status. With a ledger, the triggers that failed before are evaluated
    one at a time, the rest together in a savepoint; if that fails, one at a time too, so
    that only the failing ones become dead letters (``FAILED`` here)."""
    if ledger is None:
        ids = [t for t, _ in present]
        return dict(zip(ids, evaluate_triggers(connection, present, settings, now), strict=True))
    statuses: dict[int, str] = {}
    alone = [p for p in present if p[0] in ledger.retrying]
    together = [p for p in present if p[0] not in ledger.retrying]
    if together:
        try:
            with connection.begin_nested():
                found = evaluate_triggers(connection, together, settings, now)
            statuses.update(zip([t for t, _ in together], found, strict=True))
        except Exception as error:
            if failures.store_unavailable(error):
                raise
            alone += together
    for trigger_id, found_event in alone:
        statuses[trigger_id] = FAILED
        with ledger.isolated(connection, trigger_id, failures.RULE_EVALUATION):
            (statuses[trigger_id],) = evaluate_triggers(
                connection, [(trigger_id, found_event)], settings, now
            )
    return statuses

"""Risk escalation, live: a delivery's children are re-scored and alerted on without anyone
running ``joinedup risk rescore``.

``request(connection, delivery_id)`` runs in the ingest transaction (from the intake hook), so
a delivery that commits always leaves its request, and one that rolls back leaves none. The
alert worker's cycle then calls ``rescore_requested``: for each open request, the children
touched by the delivery's new or changed events that any risk rule reads (the event's own
linked person if a child, and every child sharing a linked household with them: an adult's
police record changes the children's risk) are re-scored with the active model, and
``risk_escalation.raise_for_changes`` raises RISK_ESCALATION alerts in the same
transaction as the new scores. A request waits while the delivery's records are not linked
yet (linking runs after the ingest commits), for at most ``WAIT_FOR_LINKING``; without an
active risk model it is closed saying so. Requests are taken oldest first, a few at a time,
so one large delivery does not hold the worker's other duties for long.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, bindparam, insert, select, update

from joinedup.alerts import dead_letters, failures
from joinedup.alerts.risk_escalation import raise_for_changes
from joinedup.risk.relevance import sql_screen
from joinedup.store.linkage_tables import linkage_household_member, linkage_record
from joinedup.store.risk_tables import risk_rescore_request
from joinedup.store.tables import event, source_record

WAIT_FOR_LINKING = timedelta(hours=24)
REQUESTS_PER_CYCLE = 5
CHILDREN_PER_TRANSACTION = 500  # people per IN (...) and per rescore call

OPEN = (
    select(risk_rescore_request.c.id, risk_rescore_request.c.delivery_id,
           risk_rescore_request.c.requested_at)
    .where(risk_rescore_request.c.done_at.is_(None))
    .order_by(risk_rescore_request.c.id)
)  # fmt: skip
_CLOSE = (
    update(risk_rescore_request)
    .where(risk_rescore_request.c.id == bindparam("b_id"))
    .values(
        done_at=bindparam("b_at"),
        outcome=bindparam("b_outcome", type_=risk_rescore_request.c.outcome.type),
    )
)
_RELEVANT = and_(source_record.c.id == event.c.source_record_id, sql_screen(event))


def request(connection: Connection, delivery_id: int, now: datetime) -> None:
    """Ask for the delivery's children to be re-scored (in the ingest transaction)."""
    connection.execute(
        insert(risk_rescore_request).values(delivery_id=delivery_id, requested_at=now, outcome={})
    )


def _touched(connection: Connection, delivery_id: int) -> tuple[set[str], int]:
    """The linked people of the delivery's new or changed relevant events, and how many of
    those events' people are not linked (yet)."""
    rows = connection.execute(
        select(event.c.agency_id, event.c.person_source_id, linkage_record.c.person_id)
        .select_from(event)
        .join(source_record, _RELEVANT)
        .outerjoin(
            linkage_record,
            and_(
                linkage_record.c.agency_id == event.c.agency_id,
                linkage_record.c.source_id == event.c.person_source_id,
            ),
        )
        .where(source_record.c.last_changed_delivery_id == delivery_id)
        .distinct()
    ).all()
    linked = {pid for _, _, pid in rows if pid}
    unlinked = len({(a, s) for a, s, pid in rows if pid is None and s})
    return linked, unlinked


def _with_households(connection: Connection, people: set[str]) -> list[str]:
    """``people`` and everyone sharing a linked household with one of them (``rescore``
    keeps the children among them)."""
    m = linkage_household_member
    found = set(people)
    ids = sorted(people)
    for i in range(0, len(ids), CHILDREN_PER_TRANSACTION):
        chunk = ids[i : i + CHILDREN_PER_TRANSACTION]
        theirs = select(m.c.household_id).where(m.c.person_id.in_(chunk))
        found.update(
            connection.execute(select(m.c.person_id).where(m.c.household_id.in_(theirs)))
            .scalars()
            .all()
        )
    return sorted(found)


def rescore_requested(
    engine: Engine,
    now: datetime | None = None,
    *,
    ledger: dead_letters.Ledger | None = None,
    stop: threading.Event | None = None,
) -> dict[str, int]:
    """Work through the open requests (see the module docstring); returns counts. With a
    ``ledger`` (the worker) a request that fails is a dead letter, left out until its next
    attempt, and the others go on."""
    now = now or datetime.now(UTC)
    done = {"requests": 0, "children": 0, "alerts": 0, "waiting": 0}
    query = OPEN.limit(REQUESTS_PER_CYCLE)
    if ledger is not None:
        query = query.where(
            risk_rescore_request.c.id.not_in(dead_letters.blocked(ledger.kind, now))
        )
    with engine.connect() as connection:
        requests = connection.execute(query).all()
        if ledger is not None:
            ledger.load(connection)
    for request_id, delivery_id, requested_at in requests:
        if stop is not None and stop.is_set():
            break
        with (
            engine.begin() as connection,
            dead_letters.isolated(ledger, connection, request_id, failures.RESCORING),
        ):
            for name, count in _rescore_one(
                connection, request_id, delivery_id, requested_at, now
            ).items():
                done[name] += count
    return done


def _rescore_one(
    connection: Connection, request_id: int, delivery_id: int, requested_at: datetime, now: datetime
) -> dict[str, int]:
    """One request: re-score its children and raise their alerts, then close it (or leave it
    waiting for linking). Returns what it adds to ``rescore_requested``'s counts."""
    from joinedup.risk.scoring import active_model, data_as_of, rescore

    people, unlinked = _touched(connection, delivery_id)
    if unlinked and now - _utc(requested_at) < WAIT_FOR_LINKING:
        return {"waiting": 1}
    outcome: dict[str, Any] = {"people": len(people), "not_linked": unlinked}
    counts = {"requests": 1, "children": 0, "alerts": 0}
    if active_model(connection) is None:  # none, or one of an earlier version
        outcome["skipped"] = "no risk model of this version: run `joinedup risk train`"
    else:
        on = data_as_of(connection)
        ids = _with_households(connection, people)
        changes: list[dict[str, Any]] = []
        for i in range(0, len(ids), CHILDREN_PER_TRANSACTION):
            changes += rescore(connection, ids[i : i + CHILDREN_PER_TRANSACTION], on=on)
        raised = raise_for_changes(connection, changes, now=now)
        outcome.update(children=len(changes), alerts=len(raised))
        counts.update(children=len(changes), alerts=len(raised))
    connection.execute(_CLOSE, {"b_id": request_id, "b_at": now, "b_outcome": outcome})
    return counts


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

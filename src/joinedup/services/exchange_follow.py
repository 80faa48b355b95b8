"""The exchange follows each delivery (issue 24): a child whose first record in the area
came in a delivery is known to the receiving MASH within that delivery, with no one running
``joinedup exchange run``.

A delivery ingested while exchange partners are configured leaves an ``exchange_due`` row
in its own transaction (``on_delivery_ingested``, wired by ``joinedup.bootstrap``): a
delivery that commits always leaves one, one that rolls back none. Each cycle of the alerts
worker then calls ``duty``: for each configured partner that has not covered the newest due
row (``exchange_follow.done_through``), once the due deliveries' records are linked (at most
``WAIT_FOR_LINKING``), it claims the partner (one run per partner at a time, whichever
worker), runs the exchange with it (``exchange_client.run``: discovery on encodings, the
matched children's signed summaries, the MASH told, transfer-in cases) and records what it
covered. Deliveries that arrive during a run are covered by the next one.

A partner that cannot be reached, or that refuses, or a run that raises for any other
reason, is tried again later: the wait doubles from ``BACKOFF_BASE`` up to ``BACKOFF_MAX``
and never runs out (a partner away for a weekend is still exchanged with when it is back),
each deferral audited (``EXCHANGE_DEFERRED``) and reported in the worker's cycle; the
worker and its other duties go on. Everything is in the store, so a restarted worker
resumes where the last one stopped; a claim dies with its worker (its lease, or at once
when the same host no longer runs the process that claimed it). Nothing is exchanged twice:
one run per partner at a time, and a summary already received tells the MASH nothing new.
A partner with no agreement in force letting it share with us is passed over (its due rows
covered, saying so): there is nothing it may send.
"""

from __future__ import annotations

import logging
import os
import threading
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, exists, func, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from joinedup.alerts import failures
from joinedup.alerts.report import CycleReport
from joinedup.config import settings
from joinedup.domain.events import DeliveryIngested, DomainEvent
from joinedup.errors import JoinedUpError
from joinedup.exchange.terms import PURPOSE, NotAgreed, terms_for
from joinedup.governance.agreement_store import current_agreements
from joinedup.governance.audit import append
from joinedup.services import exchange, exchange_client
from joinedup.store.database import READ_ONLY
from joinedup.store.exchange_tables import exchange_due, exchange_follow
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import person_record, source_record

WAIT_FOR_LINKING = timedelta(hours=24)
LEASE = timedelta(minutes=30)  # renewed after each batch of summaries
BACKOFF_BASE = timedelta(seconds=5)
BACKOFF_MAX = timedelta(hours=1)
F = exchange_follow
log = logging.getLogger(__name__)


def on_delivery_ingested(connection: Connection, event: DomainEvent) -> None:
    """In the delivery's transaction: the exchange is due (when partners are configured)."""
    assert isinstance(event, DeliveryIngested)
    if settings().exchange.partners_file is None:
        return
    connection.execute(insert(exchange_due).values(
        delivery_id=event.delivery_id, requested_at=datetime.now(UTC)))  # fmt: skip


def backoff(attempts: int) -> timedelta:
    """The wait after the ``attempts``-th failure in a row: 5 s doubling, at most an hour."""
    return min(BACKOFF_BASE * 2 ** min(attempts - 1, 20), BACKOFF_MAX)


def duty(
    engine: Engine, worker_id: str, now: datetime, report: CycleReport, stop: threading.Event
) -> None:
    """One pass of the alerts worker over the partners (see the module docstring)."""
    if settings().exchange.partners_file is None:
        return
    with engine.connect().execution_options(**READ_ONLY) as connection:
        newest = connection.execute(select(func.max(exchange_due.c.id))).scalar()
    if newest is None:
        return
    try:
        config = exchange.configured()
    except JoinedUpError as error:  # a bad partners file: the due rows wait for its fix
        report.errors.append(f"exchange: {failures.describe(error)}")
        return
    for name in sorted(config.partners):
        if stop.is_set():
            return
        follow(engine, name, int(newest), worker_id, now, report)


def follow(
    engine: Engine, partner: str, newest: int, worker_id: str, now: datetime,
    report: CycleReport,
) -> None:  # fmt: skip
    """Exchange with ``partner`` if deliveries up to ``newest`` are not yet covered."""
    state = _state(engine, partner)
    if int(state.done_through) >= newest or not _due_now(state, now):
        return
    if not _claim(engine, partner, worker_id, now):
        return
    try:
        with engine.connect() as connection:
            if not _agreed(connection, partner, now):
                skipped = "no agreement in force lets the partner share with us"
                _covered(engine, partner, newest, now, {"skipped": skipped})
                return
            if _waiting_for_linking(connection, int(state.done_through), newest, now):
                _release(engine, partner)
                return
        outcome = exchange_client.run(
            engine, partner, progress=lambda done, total: _renew(engine, partner, worker_id)
        )
    except Exception as error:  # noqa: BLE001 - one partner's failure stops nothing else
        if failures.store_unavailable(error):
            raise  # the store is away: the cycle stops; the claim lapses or is taken over
        _deferred(engine, partner, error, now, report)
        return
    _covered(engine, partner, newest, now, outcome)
    report.exchanges_run += 1


def _state(engine: Engine, partner: str) -> Any:
    with engine.connect() as connection:
        row = connection.execute(select(F).where(F.c.partner == partner)).first()
    if row is not None:
        return row
    try:
        with engine.begin() as connection:
            connection.execute(insert(F).values(partner=partner, done_through=0, attempts=0))
    except IntegrityError:  # another worker made it first
        pass
    with engine.connect() as connection:
        return connection.execute(select(F).where(F.c.partner == partner)).one()


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


def _due_now(state: Any, now: datetime) -> bool:
    after = _aware(state.next_attempt_at)
    return after is None or after <= now


def _gone(claimed_by: str | None) -> bool:
    """Whether the claim's worker (``host:pid:thread``) was on this host and has ended."""
    host, _, rest = (claimed_by or "").partition(":")
    pid = rest.partition(":")[0]
    if host != os.uname().nodename or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def _claim(engine: Engine, partner: str, worker_id: str, now: datetime) -> bool:
    """Take the partner for this worker, unless another worker holds it (a live claim)."""
    with engine.begin() as connection:
        held = connection.execute(select(F.c.claimed_until, F.c.claimed_by)
                                  .where(F.c.partner == partner)).one()  # fmt: skip
        free = or_(F.c.claimed_until.is_(None), F.c.claimed_until < now)
        if _aware(held.claimed_until) is not None and _gone(held.claimed_by):
            free = or_(free, F.c.claimed_by == held.claimed_by)
        taken = connection.execute(
            update(F).where(F.c.partner == partner, free)
            .values(claimed_until=now + LEASE, claimed_by=worker_id[:80])
        )  # fmt: skip
        return bool(taken.rowcount)


def _renew(engine: Engine, partner: str, worker_id: str) -> None:
    with engine.begin() as connection:
        connection.execute(update(F).where(F.c.partner == partner, F.c.claimed_by == worker_id[:80])
                           .values(claimed_until=datetime.now(UTC) + LEASE))  # fmt: skip


def _release(engine: Engine, partner: str) -> None:
    with engine.begin() as connection:
        connection.execute(update(F).where(F.c.partner == partner)
                           .values(claimed_until=None, claimed_by=None))  # fmt: skip


def _agreed(connection: Connection, partner: str, now: datetime) -> bool:
    """Whether an agreement in force lets ``partner`` share with us (else nothing to ask)."""
    try:
        terms_for(current_agreements(connection), partner, exchange.configured().ours, now.date())
    except NotAgreed:
        return False
    return True


def _waiting_for_linking(connection: Connection, done: int, newest: int, now: datetime) -> bool:
    """Whether a due delivery's person records are not all linked yet, and it is younger
    than ``WAIT_FOR_LINKING`` (linking runs after the ingest commits)."""
    due = connection.execute(
        select(exchange_due.c.delivery_id, exchange_due.c.requested_at).where(
            exchange_due.c.id > done, exchange_due.c.id <= newest
        )
    ).all()
    young = [d for d, at in due if now - (_aware(at) or now) < WAIT_FOR_LINKING]
    if not young:
        return False
    linked = exists().where(
        linkage_record.c.agency_id == person_record.c.agency_id,
        linkage_record.c.source_table == person_record.c.source_table,
        linkage_record.c.source_id == person_record.c.source_id,
    )
    unlinked = (
        select(person_record.c.id)
        .join(source_record, source_record.c.id == person_record.c.source_record_id)
        .where(source_record.c.last_changed_delivery_id.in_(young), ~linked)
        .limit(1)
    )
    return connection.execute(unlinked).first() is not None


def _covered(
    engine: Engine, partner: str, newest: int, now: datetime, outcome: dict[str, Any]
) -> None:
    with engine.begin() as connection:
        connection.execute(update(F).where(F.c.partner == partner).values(
            done_through=newest, attempts=0, next_attempt_at=None, claimed_until=None,
            claimed_by=None, last_error=None, last_run_at=now,
            last_outcome={k: v for k, v in outcome.items() if k != "requests"}))  # fmt: skip


def _deferred(
    engine: Engine, partner: str, error: BaseException, now: datetime, report: CycleReport
) -> None:
    reason = failures.describe(error)
    log.warning("exchange with %s deferred: %s", partner, reason,
                exc_info=None if isinstance(error, JoinedUpError) else error)  # fmt: skip
    with engine.begin() as connection:
        attempts = int(connection.execute(select(F.c.attempts).where(F.c.partner == partner))
                       .scalar_one()) + 1  # fmt: skip
        after = now + backoff(attempts)
        connection.execute(update(F).where(F.c.partner == partner).values(
            attempts=attempts, next_attempt_at=after, last_error=reason[:400],
            claimed_until=None, claimed_by=None))  # fmt: skip
        append(connection, kind="EXCHANGE_DEFERRED", actor=exchange.SYSTEM, purpose=PURPOSE,
               details={"partner": partner, "attempts": attempts, "reason": reason[:400],
                        "unreachable": isinstance(error, exchange_client.PartnerUnreachable),
                        "next_attempt_at": after.isoformat()}, recorded_at=now)  # fmt: skip
    report.exchanges_deferred += 1
    report.errors.append(f"exchange with {partner} deferred (attempt {attempts}): {reason}")


def status(engine: Engine) -> list[dict[str, Any]]:
    """Each partner's progress: covered, waiting, failed attempts (no child)."""
    with engine.connect() as connection:
        newest = connection.execute(select(func.max(exchange_due.c.id))).scalar() or 0
        rows = connection.execute(select(F).order_by(F.c.partner)).all()
    return [
        {"partner": r.partner, "up_to_date": int(r.done_through) >= newest,
         "attempts": int(r.attempts), "last_error": r.last_error,
         "next_attempt_at": _iso(r.next_attempt_at), "last_run_at": _iso(r.last_run_at)}
        for r in rows
    ]  # fmt: skip


def _iso(value: datetime | None) -> str | None:
    aware = _aware(value)
    return aware.isoformat() if aware is not None else None

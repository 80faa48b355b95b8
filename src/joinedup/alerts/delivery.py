"""Delivery of the outbox: at least once, idempotently, several workers sharing it.

A worker claims due messages with one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
LOCKED) RETURNING id`` (SKIP LOCKED on PostgreSQL, so workers share the outbox without
waiting on each other; SQLite has one writer at a time), holding each for a lease. It sends
the batch (emails over one SMTP connection, webhooks over one HTTP client), then marks what
was sent SENT in one transaction. A worker killed between the two leaves the batch claimed;
when the lease runs out another worker sends it again with the same message keys (at least
once; the receiver de-duplicates on the key). A failure is retried with exponential backoff;
after ``MAX_ATTEMPTS`` the message is DEAD and shows on the dashboard.

Each message fails alone: whatever one raises (its rendering, the relay refusing it, the
webhook answering 500, a defect) is that message's failure, recorded on it and in the dead
letters with its stage (``alerts.dead_letters``), and the rest of the batch goes on.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import DBAPIError

from joinedup.alerts import channels, dead_letters, failures
from joinedup.alerts.dead_letters import BACKOFF_MAX_SECONDS, MAX_ATTEMPTS, backoff
from joinedup.alerts.report import CycleReport
from joinedup.config import AlertSettings
from joinedup.store.alert_tables import alert, alert_message
from joinedup.store.database import READ_ONLY

__all__ = ["BACKOFF_MAX_SECONDS", "BATCH", "LEASE", "MAX_ATTEMPTS", "CycleReport", "backoff"]
LEASE = timedelta(seconds=60)
BATCH = 50  # messages per claim: one SMTP connection and one SENT transaction each
Failed = list[tuple[Any, Exception]]


def claim(engine: Engine, worker_id: str, now: datetime, batch: int, lease: timedelta) -> list:
    due = (
        select(alert_message.c.id)
        .where(
            alert_message.c.status == "PENDING",
            alert_message.c.next_attempt_at <= now,
            or_(alert_message.c.claimed_until.is_(None), alert_message.c.claimed_until < now),
        )
        .order_by(alert_message.c.next_attempt_at, alert_message.c.id)
        .limit(batch)
    )
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    with engine.begin() as connection:
        return list(
            connection.execute(
                update(alert_message)
                .where(alert_message.c.id.in_(due.scalar_subquery()))
                .values(claimed_by=worker_id, claimed_until=now + lease)
                .returning(alert_message.c.id)
            ).scalars()
        )


class Lease:
    """Keeps a batch's claim alive while it is sent: before a send, when a third of the
    lease has passed, the rest of the batch is renewed in one UPDATE; a message another
    worker has taken since (its lease ran out) is not sent by this one, nor is anything
    once the worker is asked to stop (the rest of the batch is released for the next)."""

    def __init__(
        self,
        engine: Engine,
        worker_id: str,
        ids: list[int],
        lease: timedelta,
        claimed: float,
        stop: threading.Event | None = None,
    ):
        self.engine, self.worker_id, self.lease, self.stop = engine, worker_id, lease, stop
        self.mine = set(ids)
        self.renewed = claimed  # time.monotonic() when the batch was claimed

    def holds(self, message_id: int, pending: list[int]) -> bool:
        if self.stop is not None and self.stop.is_set():
            return False
        if time.monotonic() - self.renewed > self.lease.total_seconds() / 3:
            with self.engine.begin() as connection:
                self.mine = set(
                    connection.execute(
                        update(alert_message)
                        .where(
                            alert_message.c.id.in_(pending),
                            alert_message.c.claimed_by == self.worker_id,
                            alert_message.c.status == "PENDING",
                        )
                        .values(claimed_until=datetime.now(UTC) + self.lease)
                        .returning(alert_message.c.id)
                    ).scalars()
                )
            self.renewed = time.monotonic()
        return message_id in self.mine


def _load(engine: Engine, ids: list[int]) -> list[tuple[Any, dict[str, Any]]]:
    # A read: on SQLite it need not wait for the write lock an ingest holds.
    with engine.connect().execution_options(**READ_ONLY) as connection:
        messages = connection.execute(
            select(alert_message).where(alert_message.c.id.in_(ids)).order_by(alert_message.c.id)
        ).all()
        alerts = {
            row["id"]: dict(row)
            for row in connection.execute(
                select(alert).where(alert.c.id.in_({m.alert_id for m in messages}))
            ).mappings()
        }
    return [(m, alerts[m.alert_id]) for m in messages]


def _one(message: Any, stage: str, send: Any, sent: list[Any], failed: Failed) -> None:
    """Send one message; anything it raises is its own failure (at ``stage``, unless the
    channel named a narrower one: its rendering), not the batch's."""
    try:
        with failures.at(stage):
            send()
        sent.append(message)
    except Exception as error:
        if failures.store_unavailable(error):
            raise
        failed.append((message, error))


def _send_batch(
    batch: list[tuple[Any, dict[str, Any]]], settings: AlertSettings, lease: Lease
) -> tuple[list[Any], Failed]:
    """Send every message of the batch: emails over one SMTP connection, webhooks over one
    HTTP client. Returns (sent messages, [(failed message, its error)])."""
    sent: list[Any] = []
    failed: Failed = []
    emails = [(m, a) for m, a in batch if m.channel == "EMAIL"]
    hooks = [(m, a) for m, a in batch if m.channel != "EMAIL"]
    if emails and not settings.smtp_url:
        missing = channels.DeliveryFailed("no SMTP relay configured (JOINEDUP_SMTP_URL)")
        failed += [(m, failures.tagged(missing, failures.EMAIL)) for m, _ in emails]
    elif emails:
        try:
            with channels.Mailer(settings.smtp_url or "") as mailer:
                for n, (message, found) in enumerate(emails):
                    if not lease.holds(message.id, [m.id for m, _ in emails[n:]]):
                        continue
                    _one(
                        message,
                        failures.EMAIL,
                        lambda m=message, a=found: mailer.send(
                            settings.sender, a, m.target, m.message_key
                        ),
                        sent,
                        failed,
                    )
        except channels.DeliveryFailed as error:  # refused before any send (plain SMTP)
            done = {m.id for m in sent} | {m.id for m, _ in failed}
            failed += [
                (m, failures.tagged(error, failures.EMAIL)) for m, _ in emails if m.id not in done
            ]
    if hooks:
        with httpx.Client() as client:
            for n, (message, found) in enumerate(hooks):
                if not lease.holds(message.id, [m.id for m, _ in hooks[n:]]):
                    continue
                _one(
                    message,
                    failures.WEBHOOK,
                    lambda m=message, a=found: channels.send_webhook(
                        m.target, settings.webhook_secret, a, m.message_key, client=client
                    ),
                    sent,
                    failed,
                )
    return sent, failed


MARK_ATTEMPTS = 5  # the emails are out: marking them is worth waiting for


def _mark_sent(engine: Engine, worker_id: str, sent: list[Any], report: CycleReport) -> None:
    """Mark a batch SENT in one transaction (each message's attempts + 1). The messages
    have gone: if the store is busy (SQLite's lock held past its busy timeout by ingests
    and other workers) try again, doubling the wait, rather than leave the batch claimed
    for another worker to send again when the lease runs out."""
    if not sent:
        return
    for attempt in range(MARK_ATTEMPTS):
        try:
            _mark_sent_once(engine, sent, report)
            return
        except DBAPIError:
            if attempt == MARK_ATTEMPTS - 1:
                raise
            time.sleep(0.5 * 2**attempt)


def _mark_sent_once(engine: Engine, sent: list[Any], report: CycleReport) -> None:
    now = datetime.now(UTC)
    with engine.begin() as connection:
        connection.execute(
            update(alert_message)
            .where(alert_message.c.id.in_([m.id for m in sent]))
            .values(
                status="SENT",
                attempts=alert_message.c.attempts + 1,
                sent_at=now,
                claimed_until=None,
                last_error=None,
            )
        )
        retried = [m.id for m in sent if m.attempts]  # only a message that failed has a letter
        if retried:
            report.recovered += dead_letters.resolve(connection, dead_letters.MESSAGE, retried, now)


def _mark_failed(engine: Engine, worker_id: str, failed: Failed, report: CycleReport) -> None:
    """Each failed message: its next attempt after the backoff (DEAD after ``MAX_ATTEMPTS``)
    and its dead letter, with the stage it failed at."""
    if not failed:
        return
    now = datetime.now(UTC)
    ledger = dead_letters.Ledger(dead_letters.MESSAGE, report, worker_id, now)
    with engine.begin() as connection:
        for message, error in failed:
            attempts = message.attempts + 1
            dead = attempts >= dead_letters.MAX_ATTEMPTS
            next_attempt_at = now + backoff(attempts)
            connection.execute(
                update(alert_message)
                .where(alert_message.c.id == message.id)
                .values(
                    attempts=attempts,
                    status="DEAD" if dead else "PENDING",
                    next_attempt_at=next_attempt_at,
                    claimed_by=None,
                    claimed_until=None,
                    last_error=str(error)[:2000],
                )
            )
            ledger.failed(
                connection,
                message.id,
                error,
                failures.EMAIL if message.channel == "EMAIL" else failures.WEBHOOK,
                attempts=attempts,
                next_attempt_at=next_attempt_at,
            )
            report.dead += dead
            report.failed += not dead


def _release(engine: Engine, worker_id: str, ids: list[int]) -> None:
    """Give back claimed messages this worker will not send (it is stopping)."""
    if ids:
        with engine.begin() as connection:
            connection.execute(
                update(alert_message)
                .where(alert_message.c.id.in_(ids), alert_message.c.claimed_by == worker_id)
                .values(claimed_by=None, claimed_until=None)
            )


def deliver_due(
    engine: Engine,
    worker_id: str,
    settings: AlertSettings,
    *,
    batch: int = BATCH,
    lease: timedelta = LEASE,
    stop: threading.Event | None = None,
) -> CycleReport:
    """Claim up to ``batch`` due messages, send them (one SMTP connection), mark them.

    A worker killed after sending and before marking leaves the batch claimed; another
    worker sends it again once the lease runs out, with the same message keys (at least
    once; at most one batch twice, which receivers de-duplicate on the key)."""
    report = CycleReport()
    claimed = time.monotonic()
    ids = claim(engine, worker_id, datetime.now(UTC), batch, lease)
    if not ids:
        return report
    sent, failed = _send_batch(
        _load(engine, ids), settings, Lease(engine, worker_id, ids, lease, claimed, stop)
    )
    _mark_sent(engine, worker_id, sent, report)
    _mark_failed(engine, worker_id, failed, report)
    report.sent += len(sent)
    if stop is not None and stop.is_set():
        done = {m.id for m in sent} | {m.id for m, _ in failed}
        _release(engine, worker_id, [i for i in ids if i not in done])
    return report

"""Delivery of the outbox: at least once, idempotently, several workers sharing it.

A worker claims due messages with one ``UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP
LOCKED) RETURNING id`` (SKIP LOCKED on PostgreSQL, so workers share the outbox without
waiting on each other; SQLite has one writer at a time), holding each for a lease. It sends
the batch (emails over one SMTP connection, webhooks over one HTTP client), then marks what
was sent SENT in one transaction. A worker killed between the two leaves the batch claimed;
when the lease runs out another worker sends it again with the same message keys (at least
once; the receiver de-duplicates on the key). A failure is retried with exponential backoff;
after ``MAX_ATTEMPTS`` the message is DEAD and shows on the dashboard.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, or_, select, update
from sqlalchemy.exc import DBAPIError

from joinedup.alerts import channels
from joinedup.config import AlertSettings
from joinedup.store.alert_tables import alert, alert_message
from joinedup.store.database import READ_ONLY

LEASE = timedelta(seconds=60)
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0
MAX_ATTEMPTS = 10
BATCH = 50  # messages per claim: one SMTP connection and one SENT transaction each


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS))


@dataclass
class CycleReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    escalated: int = 0
    triggers_resolved: int = 0
    concerns_relayed: int = 0
    children_rescored: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: CycleReport) -> None:
        for name in (
            "sent",
            "failed",
            "dead",
            "escalated",
            "triggers_resolved",
            "concerns_relayed",
            "children_rescored",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.errors = (self.errors + other.errors)[-20:]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "failed": self.failed,
            "dead": self.dead,
            "escalated": self.escalated,
            "triggers_resolved": self.triggers_resolved,
            "concerns_relayed": self.concerns_relayed,
            "errors": self.errors,
        }


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
    worker has taken since (its lease ran out) is not sent by this one."""

    def __init__(
        self, engine: Engine, worker_id: str, ids: list[int], lease: timedelta, claimed: float
    ):
        self.engine, self.worker_id, self.lease = engine, worker_id, lease
        self.mine = set(ids)
        self.renewed = claimed  # time.monotonic() when the batch was claimed

    def holds(self, message_id: int, pending: list[int]) -> bool:
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


def _send_batch(
    batch: list[tuple[Any, dict[str, Any]]], settings: AlertSettings, lease: Lease
) -> tuple[list[Any], list[tuple[Any, str]]]:
    """Send every message of the batch: emails over one SMTP connection, webhooks over one
    HTTP client. Returns (sent messages, [(failed message, why)])."""
    sent: list[Any] = []
    failed: list[tuple[Any, str]] = []
    emails = [(m, a) for m, a in batch if m.channel == "EMAIL"]
    hooks = [(m, a) for m, a in batch if m.channel != "EMAIL"]
    if emails and not settings.smtp_url:
        failed += [(m, "no SMTP relay configured (JOINEDUP_SMTP_URL)") for m, _ in emails]
    elif emails:
        try:
            with channels.Mailer(settings.smtp_url or "") as mailer:
                for n, (message, found) in enumerate(emails):
                    if not lease.holds(message.id, [m.id for m, _ in emails[n:]]):
                        continue
                    try:
                        mailer.send(settings.sender, found, message.target, message.message_key)
                        sent.append(message)
                    except channels.DeliveryFailed as error:
                        failed.append((message, str(error)))
        except channels.DeliveryFailed as error:  # refused before any send (plain SMTP)
            done = {m.id for m in sent} | {m.id for m, _ in failed}
            failed += [(m, str(error)) for m, _ in emails if m.id not in done]
    if hooks:
        with httpx.Client() as client:
            for n, (message, found) in enumerate(hooks):
                if not lease.holds(message.id, [m.id for m, _ in hooks[n:]]):
                    continue
                try:
                    channels.send_webhook(
                        message.target,
                        settings.webhook_secret,
                        found,
                        message.message_key,
                        client=client,
                    )
                    sent.append(message)
                except channels.DeliveryFailed as error:
                    failed.append((message, str(error)))
    return sent, failed


MARK_ATTEMPTS = 5  # the emails are out: marking them is worth waiting for


def _mark_sent(engine: Engine, worker_id: str, sent: list[Any]) -> None:
    """Mark a batch SENT in one transaction (each message's attempts + 1). The messages
    have gone: if the store is busy (SQLite's lock held past its busy timeout by ingests
    and other workers) try again, doubling the wait, rather than leave the batch claimed
    for another worker to send again when the lease runs out."""
    if not sent:
        return
    for attempt in range(MARK_ATTEMPTS):
        try:
            _mark_sent_once(engine, sent)
            return
        except DBAPIError:
            if attempt == MARK_ATTEMPTS - 1:
                raise
            time.sleep(0.5 * 2**attempt)


def _mark_sent_once(engine: Engine, sent: list[Any]) -> None:
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


def _mark_failed(engine: Engine, failed: list[tuple[Any, str]], report: CycleReport) -> None:
    if not failed:
        return
    now = datetime.now(UTC)
    with engine.begin() as connection:
        for message, why in failed:
            attempts = message.attempts + 1
            dead = attempts >= MAX_ATTEMPTS
            connection.execute(
                update(alert_message)
                .where(alert_message.c.id == message.id)
                .values(
                    attempts=attempts,
                    status="DEAD" if dead else "PENDING",
                    next_attempt_at=now + backoff(attempts),
                    claimed_by=None,
                    claimed_until=None,
                    last_error=why[:2000],
                )
            )
            report.dead += dead
            report.failed += not dead
            report.errors.append(f"message {message.id}: {why}")


def deliver_due(
    engine: Engine,
    worker_id: str,
    settings: AlertSettings,
    *,
    batch: int = BATCH,
    lease: timedelta = LEASE,
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
        _load(engine, ids), settings, Lease(engine, worker_id, ids, lease, claimed)
    )
    _mark_sent(engine, worker_id, sent)
    _mark_failed(engine, failed, report)
    report.sent += len(sent)
    return report

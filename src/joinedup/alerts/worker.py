"""The alert worker: delivers the outbox at least once, escalates what nobody acknowledged.

Delivery: a worker claims due messages with one ``UPDATE ... WHERE id IN (SELECT ... FOR
UPDATE SKIP LOCKED) RETURNING id`` (SKIP LOCKED on PostgreSQL, so workers share the outbox
without waiting on each other; SQLite has one writer at a time), holding each for a lease.
It sends the batch (emails over one SMTP connection, webhooks over one HTTP client), then
marks what was sent SENT in one transaction. A worker killed between the two leaves the
batch claimed; when the lease runs out another worker sends it again with the same message
keys (at least once; the receiver de-duplicates on the key). A failure is retried with
exponential backoff; after ``MAX_ATTEMPTS`` the message is DEAD and shows on the dashboard.
Run several workers to share the outbox (``joinedup alerts worker`` in several processes).

Escalation: an OPEN alert past its due time becomes ESCALATED and a new alert (level + 1)
goes to the next recipient (duty manager, then MASH), its content governed afresh for them.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from sqlalchemy import Engine, or_, select, update

from joinedup.alerts import channels, concerns, routing
from joinedup.alerts.evaluate import Finding, Unlinked, findings_for
from joinedup.alerts.intake import retry_pending
from joinedup.alerts.raising import NOT_SHARED, raise_alert
from joinedup.alerts.rules import RULES
from joinedup.config import AlertSettings, alert_settings
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.store.alert_tables import alert, alert_message
from joinedup.store.tables import event

LEASE = timedelta(seconds=60)
BACKOFF_BASE_SECONDS = 5.0
BACKOFF_MAX_SECONDS = 3600.0
MAX_ATTEMPTS = 10
BATCH = 50  # messages per claim: one SMTP connection and one SENT transaction each


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** (attempts - 1), BACKOFF_MAX_SECONDS))


COUNTS = ("sent", "failed", "dead", "escalated", "triggers_resolved", "concerns_relayed")


@dataclass
class CycleReport:
    sent: int = 0
    failed: int = 0
    dead: int = 0
    escalated: int = 0
    triggers_resolved: int = 0
    concerns_relayed: int = 0
    errors: list[str] = field(default_factory=list)

    def add(self, other: CycleReport) -> None:
        for name in (
            "sent",
            "failed",
            "dead",
            "escalated",
            "triggers_resolved",
            "concerns_relayed",
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
    with engine.connect() as connection:
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


def _mark_sent(engine: Engine, worker_id: str, sent: list[Any]) -> None:
    """Mark a batch SENT in one transaction (each message's attempts + 1)."""
    if not sent:
        return
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


def _recipient_of(row: Any) -> routing.Recipient:
    relationships = {
        routing.LEAD: {Relationship.INVOLVED},
        routing.MASH: {Relationship.MASH_TRIAGE},
    }.get(row.recipient_kind, {Relationship.TEAM_CASELOAD})
    role = "MASH_PRACTITIONER" if row.recipient_kind == routing.MASH else None
    from joinedup.alerts.rules import RECIPIENT_ROLE
    from joinedup.domain.agencies import AgencyId

    return routing.Recipient(
        row.recipient_kind,
        row.recipient_agency,
        row.recipient_key,
        row.recipient_name,
        row.recipient_email,
        row.recipient_team,
        role or RECIPIENT_ROLE.get(AgencyId(row.recipient_agency), "SOCIAL_WORKER"),
        Purpose(row.purpose),
        frozenset(relationships),
    )


def _refind(connection: Any, row: Any) -> Finding:
    """The finding an alert was raised for, from its event (to govern it afresh); if the
    event is gone (re-delivered since), a finding that shows nothing but whom to contact."""
    found = None
    if row.cause_event_id is not None:
        cause = (
            connection.execute(select(event).where(event.c.id == row.cause_event_id))
            .mappings()
            .first()
        )
        if cause is not None:
            try:
                found = next(
                    (
                        f
                        for f in findings_for(connection, cause)
                        if f.rule.id == row.rule_id and f.child_id == row.child_person_id
                    ),
                    None,
                )
            except Unlinked:
                found = None
    if found is not None:
        return found
    from joinedup.alerts import facts

    records = facts.records_of(connection, row.child_person_id)
    rule = RULES[row.rule_id]
    return Finding(
        rule,
        row.child_person_id,
        records,
        row.dedup_key.split("|", 2)[2],
        row.occurred_at.date(),
        _utc(row.occurred_at),
        details={f: {} for f in rule.fields} or {"_": {}},
        summary=NOT_SHARED,
    )


def escalate_overdue(engine: Engine, settings: AlertSettings, now: datetime | None = None) -> int:
    now = now or datetime.now(UTC)
    escalated = 0
    with engine.begin() as connection:
        overdue = connection.execute(
            select(alert)
            .where(alert.c.status == "OPEN", alert.c.due_at < now)
            .order_by(alert.c.due_at)
            .limit(200)
        ).all()
        for row in overdue:
            current = _recipient_of(row)
            target = routing.escalation_of(current, settings)
            if target is None:
                continue  # the MASH is the last stop: it stays overdue on the dashboard
            finding = _refind(connection, row)
            finding.cause = f"{row.dedup_key.split('|', 2)[2]}|escalated-from:{row.id}"
            new_id, _ = raise_alert(
                connection,
                finding,
                target,
                settings,
                now,
                cause_event_id=row.cause_event_id,
                level=row.level + 1,
                parent_alert_id=row.id,
            )
            connection.execute(
                update(alert)
                .where(alert.c.id == row.id)
                .values(status="ESCALATED", escalated_at=now)
            )
            escalated += new_id is not None
    return escalated


def cycle(engine: Engine, worker_id: str, settings: AlertSettings | None = None) -> CycleReport:
    settings = settings or alert_settings()
    report = CycleReport()
    with engine.begin() as connection:
        report.triggers_resolved = retry_pending(connection)
    report.concerns_relayed = concerns.relay(engine)
    report.add(deliver_due(engine, worker_id, settings, lease=lease_from_environment()))
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
    worker_id = f"{os.uname().nodename}:{os.getpid()}"[:80]
    total = CycleReport()
    while True:
        report = cycle(engine, worker_id)
        total.add(report)
        if on_cycle:
            on_cycle(report)
        if once or stop.is_set():
            return total
        busy = report.sent or report.failed or report.triggers_resolved or report.concerns_relayed
        if not busy:
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

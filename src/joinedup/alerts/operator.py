"""Telling the operator: when items go to the dead letters (their first failure) and when
they use up their attempts, one notice goes out through the alert channels: an email to
``JOINEDUP_ALERT_OPERATOR_EMAIL`` (through ``JOINEDUP_SMTP_URL``) and/or a signed POST to
``JOINEDUP_ALERT_OPERATOR_WEBHOOK_URL`` (signed with ``JOINEDUP_ALERT_WEBHOOK_SECRET``).

A storm of failures is one notice: a notice covers every letter not yet reported, at most
one per cycle and at most one every ``JOINEDUP_ALERT_OPERATOR_EVERY_SECONDS`` (default 300)
across all workers; what happens in between waits for the next one. Letters are claimed for
a notice in one UPDATE (two workers never report the same one); if no channel takes the
notice, the claim is given back and the next notice carries them. Each failure already has
its audit entry (``dead_letters.record``), whether or not a channel is configured.

A notice names the kind and id of each item, its stage, the error's class and its reason
with personal data taken out (``failures.reason``), attempts and the next attempt: what an
operator needs to look, with ``joinedup alerts status``, and nothing about a child.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, insert, or_, select, update

from joinedup.alerts import channels
from joinedup.config import AlertSettings, alert_settings
from joinedup.store.alert_tables import alert_dead_letter, alert_worker
from joinedup.store.database import READ_ONLY

L = alert_dead_letter
LISTED = 20  # items listed by name in a notice; the rest are counted
log = logging.getLogger(__name__)
UNREPORTED = or_(
    L.c.reported_at.is_(None),
    and_(L.c.exhausted_at.is_not(None), L.c.reported_exhausted_at.is_(None)),
)


@dataclass(frozen=True, slots=True)
class OperatorSettings:
    email: str | None
    webhook_url: str | None
    every: timedelta

    @classmethod
    def from_environment(cls) -> OperatorSettings:
        alerts = alert_settings()
        return cls(
            email=alerts.operator_email,
            webhook_url=alerts.operator_webhook_url,
            every=timedelta(seconds=alerts.operator_every_seconds),
        )


def due(engine: Engine, now: datetime, settings: OperatorSettings) -> bool:
    """Whether a notice is due: something unreported, and none sent for ``every`` (a read,
    without SQLite's write lock)."""
    with engine.connect().execution_options(**READ_ONLY) as connection:
        if connection.execute(select(L.c.id).where(UNREPORTED).limit(1)).first() is None:
            return False
        last = connection.execute(select(func.max(alert_worker.c.notified_at))).scalar()
    return last is None or now - _utc(last) >= settings.every


def notify(
    engine: Engine,
    worker_id: str,
    now: datetime,
    alerts: AlertSettings,
    settings: OperatorSettings | None = None,
) -> dict[str, Any] | None:
    """Send one notice of the unreported letters, if one is due; returns what it said."""
    settings = settings or OperatorSettings.from_environment()
    if not due(engine, now, settings):
        return None
    with engine.begin() as connection:
        failed, exhausted = _claim(connection, now)
        _stamp(connection, worker_id, now)
    if not failed and not exhausted:
        return None  # another worker reported them first
    notice = _notice(failed, exhausted, now)
    sent_to = _send(notice, now, alerts, settings)
    if not sent_to and (settings.email or settings.webhook_url):
        with engine.begin() as connection:  # nobody heard: the next notice carries them
            _unclaim(connection, failed, exhausted, now)
    elif not sent_to:
        log.warning("alerts worker: %s (no JOINEDUP_ALERT_OPERATOR_EMAIL set)", notice["subject"])
    return {**notice, "sent_to": sent_to}


_COLUMNS = (L.c.id, L.c.kind, L.c.item_id, L.c.stage, L.c.error_class, L.c.reason,
            L.c.attempts, L.c.first_failed_at, L.c.next_attempt_at, L.c.resolved_at)  # fmt: skip


def _claim(connection: Connection, now: datetime) -> tuple[list[Any], list[Any]]:
    failed = connection.execute(
        update(L).where(L.c.reported_at.is_(None)).values(reported_at=now).returning(*_COLUMNS)
    ).all()
    exhausted = connection.execute(
        update(L)
        .where(L.c.exhausted_at.is_not(None), L.c.reported_exhausted_at.is_(None))
        .values(reported_exhausted_at=now)
        .returning(*_COLUMNS)
    ).all()
    return sorted(failed, key=lambda r: r.id), sorted(exhausted, key=lambda r: r.id)


def _unclaim(
    connection: Connection, failed: list[Any], exhausted: list[Any], now: datetime
) -> None:
    if failed:
        connection.execute(
            update(L)
            .where(L.c.id.in_([r.id for r in failed]), L.c.reported_at == now)
            .values(reported_at=None)
        )
    if exhausted:
        connection.execute(
            update(L)
            .where(L.c.id.in_([r.id for r in exhausted]), L.c.reported_exhausted_at == now)
            .values(reported_exhausted_at=None)
        )


def _stamp(connection: Connection, worker_id: str, now: datetime) -> None:
    """This worker's last notice (the rate limit reads the latest of every worker's)."""
    done = connection.execute(
        update(alert_worker).where(alert_worker.c.worker_id == worker_id).values(notified_at=now)
    ).rowcount
    if not done:  # a cycle run on its own, without the worker's heartbeat
        connection.execute(
            insert(alert_worker).values(
                worker_id=worker_id,
                started_at=now,
                last_cycle_items=0,
                last_cycle_failures=0,
                cycles=0,
                notified_at=now,
            )
        )


def _item(row: Any) -> dict[str, Any]:
    return {
        "kind": row.kind,
        "item_id": int(row.item_id),
        "stage": row.stage,
        "error": row.error_class,
        "reason": row.reason,
        "attempts": row.attempts,
        "first_failed_at": _utc(row.first_failed_at).isoformat(),
        "next_attempt_at": _utc(row.next_attempt_at).isoformat() if row.next_attempt_at else None,
        "resolved": row.resolved_at is not None,
    }


def _notice(failed: list[Any], exhausted: list[Any], now: datetime) -> dict[str, Any]:
    counts = Counter(f"{r.kind} at {r.stage}" for r in [*failed, *exhausted])
    parts = [f"{len(failed)} item(s) failing"] if failed else []
    parts += [f"{len(exhausted)} out of attempts"] if exhausted else []
    subject = f"[joinedup] alerts worker: {', '.join(parts)}"
    lines = [
        "The alerts worker could not handle some items. The other items go on; each of",
        "these is tried again with backoff, and one out of attempts waits for you.",
        "",
    ]
    for title, rows in (("New failures", failed), ("Out of attempts", exhausted)):
        if not rows:
            continue
        lines.append(f"{title} ({len(rows)}):")
        for row in rows[:LISTED]:
            item = _item(row)
            then = f"next attempt {item['next_attempt_at']}" if item["next_attempt_at"] else ""
            then = "since succeeded" if item["resolved"] else then
            lines.append(
                f"  {item['kind']} {item['item_id']} at {item['stage']}: {item['error']}: "
                f"{item['reason']} (attempt {item['attempts']}{'; ' + then if then else ''})"
            )
        if len(rows) > LISTED:
            lines.append(f"  ... and {len(rows) - LISTED} more")
        lines.append("")
    lines.append("By kind and stage: " + ", ".join(f"{k}: {n}" for k, n in sorted(counts.items())))
    lines += [
        "",
        "See them: joinedup alerts status",
        "After fixing the cause, try them again at once: joinedup alerts retry --as ADMIN",
    ]
    return {
        "subject": subject,
        "text": "\n".join(lines) + "\n",
        "at": now.isoformat(),
        "failed": [_item(r) for r in failed],
        "exhausted": [_item(r) for r in exhausted],
        "by_kind_and_stage": dict(sorted(counts.items())),
    }


def _send(
    notice: dict[str, Any], now: datetime, alerts: AlertSettings, settings: OperatorSettings
) -> list[str]:
    key = f"joinedup-operator-notice-{int(now.timestamp() * 1000)}"
    sent_to = []
    if settings.email:
        try:
            if not alerts.smtp_url:
                raise channels.DeliveryFailed("no SMTP relay configured (JOINEDUP_SMTP_URL)")
            channels.send_text(
                alerts.smtp_url,
                alerts.sender,
                settings.email,
                notice["subject"],
                notice["text"],
                key,
            )
            sent_to.append("email")
        except channels.DeliveryFailed as error:
            log.warning("alerts worker: the operator's email was not sent: %s", error)
    if settings.webhook_url:
        body = {k: v for k, v in notice.items() if k != "text"} | {"type": "alerts.worker.failures"}
        try:
            channels.post_signed(
                settings.webhook_url,
                alerts.webhook_secret,
                json.dumps(body, sort_keys=True).encode(),
                key,
            )
            sent_to.append("webhook")
        except channels.DeliveryFailed as error:
            log.warning("alerts worker: the operator's webhook was not sent: %s", error)
    return sent_to


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)

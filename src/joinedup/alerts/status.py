"""What the alerts worker has to do, what it failed on, and when it last completed a cycle:
``joinedup alerts status`` and the health endpoint (``GET /api/v1/health/alerts``). Counts,
times, item ids and the dead letters' reasons (personal data taken out when they were
written): nothing about a child.

Healthy: some worker completed a cycle within ``JOINEDUP_ALERT_HEALTH_MAX_CYCLE_SECONDS``
(default 300: a cycle that re-scores large deliveries can take minutes), and no open dead
letter first failed longer ago than ``JOINEDUP_ALERT_HEALTH_MAX_DEAD_LETTER_SECONDS``
(default 3600: a failing item has then been tried about ten times, or has used up its
attempts and waits for an operator).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Engine, and_, func, select

from joinedup.alerts import concerns
from joinedup.config import alert_settings
from joinedup.store.alert_tables import (
    alert,
    alert_dead_letter,
    alert_message,
    alert_trigger,
    alert_worker,
)
from joinedup.store.database import READ_ONLY
from joinedup.store.risk_tables import risk_rescore_request
from joinedup.store.tables import outbox

L = alert_dead_letter
RECENT = 20
WORKERS_SHOWN_FOR = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class Thresholds:
    max_cycle_age: timedelta
    max_dead_letter_age: timedelta

    @classmethod
    def from_environment(cls) -> Thresholds:
        alerts = alert_settings()
        return cls(
            timedelta(seconds=alerts.health_max_cycle_seconds),
            timedelta(seconds=alerts.health_max_dead_letter_seconds),
        )


def _utc(value: datetime | None) -> datetime | None:
    return None if value is None else value if value.tzinfo else value.replace(tzinfo=UTC)


def _iso(value: datetime | None) -> str | None:
    moment = _utc(value)
    return None if moment is None else moment.isoformat()


def _age(value: datetime | None, now: datetime) -> float | None:
    moment = _utc(value)
    return None if moment is None else round((now - moment).total_seconds(), 1)


def _count(connection: Connection, table: Any, *where: Any) -> int:
    return int(
        connection.execute(select(func.count()).select_from(table).where(*where)).scalar_one()
    )


def queue(connection: Connection, now: datetime) -> dict[str, Any]:
    """What waits: triggers (for linking, or failing), concerns to relay, re-score requests,
    messages by channel, open and overdue alerts."""
    messages: dict[str, dict[str, int]] = {}
    rows = connection.execute(
        select(
            alert_message.c.channel,
            alert_message.c.status,
            func.count(),
            func.count().filter(alert_message.c.next_attempt_at <= now),
        )
        .where(alert_message.c.status != "SENT")
        .group_by(alert_message.c.channel, alert_message.c.status)
    )
    for channel, status, count, due in rows:
        found = messages.setdefault(channel.lower(), {"pending": 0, "due": 0, "dead": 0})
        if status == "DEAD":
            found["dead"] += int(count)
        else:
            found["pending"] += int(count)
            found["due"] += int(due or 0)
    return {
        "triggers": _count(connection, alert_trigger, alert_trigger.c.status == "PENDING"),
        "concerns": _count(
            connection,
            outbox,
            outbox.c.event_type == concerns.EVENT,
            outbox.c.published_at.is_(None),
        ),
        "rescores": _count(
            connection, risk_rescore_request, risk_rescore_request.c.done_at.is_(None)
        ),
        "messages": messages,
        "alerts_open": _count(connection, alert, alert.c.status == "OPEN"),
        "alerts_to_escalate": _count(
            connection,
            alert,
            alert.c.status == "OPEN",
            alert.c.due_at < now,
            alert.c.recipient_kind != "MASH",
        ),
    }


def dead_letters(connection: Connection, now: datetime, recent: int = RECENT) -> dict[str, Any]:
    """The open letters: how many, by kind and stage, the oldest, and the latest few."""
    open_ = L.c.resolved_at.is_(None)
    groups = connection.execute(
        select(
            L.c.kind,
            L.c.stage,
            func.count(),
            func.count(L.c.exhausted_at),
            func.min(L.c.first_failed_at),
        )
        .where(open_)
        .group_by(L.c.kind, L.c.stage)
        .order_by(L.c.kind, L.c.stage)
    ).all()
    firsts = [t for t in (_utc(g[4]) for g in groups) if t is not None]
    oldest = min(firsts, default=None)
    latest = connection.execute(
        select(L).where(open_).order_by(L.c.last_failed_at.desc(), L.c.id.desc()).limit(recent)
    ).all()
    return {
        "open": sum(int(g[2]) for g in groups),
        "exhausted": sum(int(g[3]) for g in groups),
        "oldest_first_failed_at": _iso(oldest),
        "oldest_age_seconds": _age(oldest, now),
        "by_kind_and_stage": [
            {
                "kind": kind,
                "stage": stage,
                "count": int(count),
                "exhausted": int(exhausted),
                "oldest_first_failed_at": _iso(first),
            }
            for kind, stage, count, exhausted, first in groups
        ],
        "latest": [
            {
                "kind": r.kind,
                "item_id": int(r.item_id),
                "stage": r.stage,
                "error": r.error_class,
                "reason": r.reason,
                "attempts": r.attempts,
                "first_failed_at": _iso(r.first_failed_at),
                "last_failed_at": _iso(r.last_failed_at),
                "next_attempt_at": _iso(r.next_attempt_at),
                "exhausted": r.exhausted_at is not None,
            }
            for r in latest
        ],
    }


def workers(connection: Connection, now: datetime) -> list[dict[str, Any]]:
    """Workers seen in the last day: started, last completed cycle, last failed cycle."""
    rows = connection.execute(select(alert_worker).order_by(alert_worker.c.started_at.desc())).all()
    shown = []
    for r in rows:
        seen = max(
            (t for t in map(_utc, (r.started_at, r.last_cycle_at, r.stopped_at)) if t),
            default=now,
        )
        if now - seen > WORKERS_SHOWN_FOR:
            continue
        shown.append(
            {
                "worker": r.worker_id,
                "started_at": _iso(r.started_at),
                "last_cycle_at": _iso(r.last_cycle_at),
                "last_cycle_items": r.last_cycle_items,
                "last_cycle_failures": r.last_cycle_failures,
                "cycles": r.cycles,
                "last_error_at": _iso(r.last_error_at),
                "last_error": r.last_error,
                "stopped_at": _iso(r.stopped_at),
            }
        )
    return shown


def _last_cycle(connection: Connection, now: datetime) -> dict[str, Any]:
    row = connection.execute(
        select(
            alert_worker.c.worker_id, alert_worker.c.last_cycle_at, alert_worker.c.last_cycle_items
        )
        .where(alert_worker.c.last_cycle_at.is_not(None))
        .order_by(alert_worker.c.last_cycle_at.desc())
        .limit(1)
    ).first()
    if row is None:
        return {"at": None, "age_seconds": None, "items": None, "worker": None}
    return {
        "at": _iso(row.last_cycle_at),
        "age_seconds": _age(row.last_cycle_at, now),
        "items": row.last_cycle_items,
        "worker": row.worker_id,
    }


def _verdict(
    connection: Connection, last: dict[str, Any], now: datetime, limits: Thresholds
) -> dict[str, Any]:
    late = now - limits.max_dead_letter_age
    stale = _count(connection, L, and_(L.c.resolved_at.is_(None), L.c.first_failed_at < late))
    problems = []
    if last["age_seconds"] is None:
        problems.append("no worker has completed a cycle")
    elif last["age_seconds"] > limits.max_cycle_age.total_seconds():
        problems.append(f"the last completed cycle was {last['age_seconds']:.0f} s ago")
    if stale:
        problems.append(f"{stale} dead letter(s) failing for over {limits.max_dead_letter_age}")
    return {
        "healthy": not problems,
        "problems": problems,
        "dead_letters_over_threshold": stale,
        "thresholds": {
            "max_cycle_age_seconds": limits.max_cycle_age.total_seconds(),
            "max_dead_letter_age_seconds": limits.max_dead_letter_age.total_seconds(),
        },
    }


def status(
    engine: Engine, now: datetime | None = None, limits: Thresholds | None = None
) -> dict[str, Any]:
    """Everything ``joinedup alerts status`` shows."""
    now, limits = now or datetime.now(UTC), limits or Thresholds.from_environment()
    with engine.connect().execution_options(**READ_ONLY) as connection:
        last = _last_cycle(connection, now)
        return {
            "at": now.isoformat(),
            "health": _verdict(connection, last, now, limits),
            "last_cycle": last,
            "queue": queue(connection, now),
            "dead_letters": dead_letters(connection, now),
            "workers": workers(connection, now),
        }


def health(
    engine: Engine, now: datetime | None = None, limits: Thresholds | None = None
) -> dict[str, Any]:
    """The health endpoint's figures: the verdict, the last cycle, counts (no ids, no
    reasons: the endpoint is for load balancers and monitoring, without signing in)."""
    now, limits = now or datetime.now(UTC), limits or Thresholds.from_environment()
    with engine.connect().execution_options(**READ_ONLY) as connection:
        last = _last_cycle(connection, now)
        verdict = _verdict(connection, last, now, limits)
        letters = dead_letters(connection, now, recent=0)
        waiting = queue(connection, now)
    return {
        **verdict,
        "at": now.isoformat(),
        "last_cycle_at": last["at"],
        "last_cycle_age_seconds": last["age_seconds"],
        "last_cycle_items": last["items"],
        "dead_letters": letters["open"],
        "dead_letters_exhausted": letters["exhausted"],
        "oldest_dead_letter_age_seconds": letters["oldest_age_seconds"],
        "queue": {
            "triggers": waiting["triggers"],
            "concerns": waiting["concerns"],
            "rescores": waiting["rescores"],
            "messages_due": sum(m["due"] for m in waiting["messages"].values()),
            "messages_dead": sum(m["dead"] for m in waiting["messages"].values()),
            "alerts_to_escalate": waiting["alerts_to_escalate"],
        },
    }

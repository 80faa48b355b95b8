"""The alerts as stored: list, one alert, a practitioner's inbox, acknowledgement, SLA
figures. Store-aware and identity-free: ``joinedup.services.alerts`` checks who asks
(an account) before calling these; tests and the worker call them directly.

The inbox shows what was already governed when each alert was raised (its content was
minimised for that recipient, and the decision audited then).
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from joinedup.errors import BadInput, Conflict, NotFound
from joinedup.store.account_tables import account
from joinedup.store.alert_tables import alert, alert_message

HIDDEN = ("_causes", "_risk")  # kept for folding and quiet periods; never shown


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _view(row: Any) -> dict[str, Any]:
    content = {k: v for k, v in (row.content or {}).items() if k not in HIDDEN}
    return {
        "id": row.id,
        "rule": row.rule_id,
        "rule_version": row.rule_version,
        "title": row.title,
        "child": row.child_person_id,
        "recipient": {
            "kind": row.recipient_kind,
            "agency": row.recipient_agency,
            "key": row.recipient_key,
            "name": row.recipient_name,
            "email": row.recipient_email,
            "team": row.recipient_team,
        },
        "purpose": row.purpose,
        "shared": row.shared,
        "level": row.level,
        "status": row.status,
        "occurrences": row.occurrences,
        "content": content,
        "occurred_at": _utc(row.occurred_at),
        "raised_at": _utc(row.raised_at),
        "due_at": _utc(row.due_at),
        "acknowledged_at": _utc(row.acknowledged_at),
        "acknowledged_by": row.acknowledged_by,
        "action_taken": row.action_taken,
        "escalated_at": _utc(row.escalated_at),
        "escalated_from": row.parent_alert_id,
    }


def list_alerts(
    engine: Engine,
    *,
    status: str | None = None,
    rule: str | None = None,
    recipient: str | None = None,
    child: str | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """Alerts, newest first, filtered by status, rule, recipient key or child."""
    query = select(alert).order_by(alert.c.id.desc()).limit(limit)
    if status:
        query = query.where(alert.c.status == status.upper())
    if rule:
        query = query.where(alert.c.rule_id == rule.upper())
    if recipient:
        query = query.where(alert.c.recipient_key == recipient)
    if child:
        query = query.where(alert.c.child_person_id == child)
    with engine.connect() as connection:
        return [_view(r) for r in connection.execute(query)]


def inbox(
    engine: Engine,
    practitioner_key: str,
    *,
    agency: str | None = None,
    include_done: bool = False,
    limit: int = 100,
) -> list[dict[str, Any]]:
    """A practitioner's alerts (by their key in their agency's feed), open ones first, the
    soonest due first."""
    query = select(alert).where(alert.c.recipient_key == practitioner_key)
    if agency is not None:
        query = query.where(alert.c.recipient_agency == agency)
    if not include_done:
        query = query.where(alert.c.status == "OPEN")
    query = query.order_by(alert.c.status != "OPEN", alert.c.due_at, alert.c.id).limit(limit)
    with engine.connect() as connection:
        return [_view(r) for r in connection.execute(query)]


def get_alert(engine: Engine, alert_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        row = connection.execute(select(alert).where(alert.c.id == alert_id)).first()
        if row is None:
            raise NotFound(f"no alert {alert_id}")
        view = _view(row)
        # Who acknowledged it, as a person (the account's display name), not a username.
        view["acknowledged_by_name"] = (
            connection.execute(
                select(account.c.display_name).where(account.c.username == row.acknowledged_by)
            ).scalar()
            if row.acknowledged_by
            else None
        ) or row.acknowledged_by
        view["messages"] = [
            {
                "channel": m.channel,
                "target": m.target,
                "status": m.status,
                "attempts": m.attempts,
                "sent_at": _utc(m.sent_at),
                "last_error": m.last_error,
            }
            for m in connection.execute(
                select(alert_message).where(alert_message.c.alert_id == alert_id)
            )
        ]
        return view


def _chain(connection: Any, alert_id: int) -> list[int]:
    """The alert, the alerts it escalated from, and those escalated from it."""
    root = alert_id
    while True:
        parent = connection.execute(
            select(alert.c.parent_alert_id).where(alert.c.id == root)
        ).scalar()
        if parent is None:
            break
        root = parent
    chain, frontier = [root], [root]
    while frontier:
        frontier = list(
            connection.execute(
                select(alert.c.id).where(alert.c.parent_alert_id.in_(frontier))
            ).scalars()
        )
        chain += frontier
    return chain


def acknowledge(engine: Engine, alert_id: int, by: str, action_taken: str) -> dict[str, Any]:
    """Record who acknowledged an alert and what they did; acknowledging any alert of an
    escalation chain closes the chain (the manager need not chase a handled alert)."""
    if not by.strip():
        raise BadInput("say who acknowledges the alert")
    if len(action_taken.strip()) < 3:
        raise BadInput("say what action was taken (an acknowledgement needs an action)")
    now = datetime.now(UTC)
    with engine.begin() as connection:
        row = connection.execute(select(alert).where(alert.c.id == alert_id)).first()
        if row is None:
            raise NotFound(f"no alert {alert_id}")
        if row.status == "ACKNOWLEDGED":
            raise Conflict(f"alert {alert_id} was acknowledged by {row.acknowledged_by}")
        chain = _chain(connection, alert_id)
        connection.execute(
            update(alert)
            .where(alert.c.id.in_(chain), alert.c.acknowledged_at.is_(None))
            .values(
                status="ACKNOWLEDGED",
                acknowledged_at=now,
                acknowledged_by=by.strip(),
                action_taken=action_taken.strip(),
            )
        )
        from joinedup.governance.audit import append

        append(
            connection,
            kind="ALERT_ACK",
            actor=by.strip(),
            actor_role="",
            purpose=row.purpose,
            subject=row.child_person_id,
            details={"alert_id": alert_id, "chain": chain, "action_taken": action_taken.strip()},
            recorded_at=now,
        )
    return get_alert(engine, alert_id)


def dashboard(engine: Engine, now: datetime | None = None) -> dict[str, Any]:
    """SLA figures per rule: raised, acknowledged (in time), median minutes to
    acknowledge, escalated, open and overdue now; messages by channel and status."""
    now = now or datetime.now(UTC)
    per_rule: dict[str, dict[str, Any]] = defaultdict(
        lambda: {
            "raised": 0,
            "acknowledged": 0,
            "acknowledged_in_time": 0,
            "escalated": 0,
            "open": 0,
            "overdue": 0,
            "minutes_to_ack": [],
        }
    )
    with engine.connect() as connection:
        rows = connection.execute(
            select(
                alert.c.rule_id,
                alert.c.level,
                alert.c.status,
                alert.c.raised_at,
                alert.c.due_at,
                alert.c.acknowledged_at,
            )
        ).all()
        messages = connection.execute(select(alert_message.c.channel, alert_message.c.status)).all()
    for rule_id, level, status, raised, due, acked in rows:
        figures = per_rule[rule_id]
        raised, due, acked = _utc(raised), _utc(due), _utc(acked)
        if level == 0:
            figures["raised"] += 1
            if acked is not None and raised is not None:
                figures["acknowledged"] += 1
                figures["acknowledged_in_time"] += bool(due and acked <= due)
                figures["minutes_to_ack"].append((acked - raised).total_seconds() / 60)
        figures["escalated"] += status == "ESCALATED"
        figures["open"] += status == "OPEN"
        figures["overdue"] += status == "OPEN" and due is not None and due < now
    out: dict[str, Any] = {}
    for rule_id, figures in sorted(per_rule.items()):
        minutes = figures.pop("minutes_to_ack")
        figures["median_minutes_to_ack"] = round(statistics.median(minutes), 1) if minutes else None
        figures["sla_met_percent"] = (
            round(100 * figures["acknowledged_in_time"] / figures["raised"], 1)
            if figures["raised"]
            else None
        )
        out[rule_id] = figures
    channels: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for channel, status in messages:
        channels[channel][status] += 1
    return {
        "rules": out,
        "messages": {c: dict(s) for c, s in channels.items()},
        "as_of": now,
    }

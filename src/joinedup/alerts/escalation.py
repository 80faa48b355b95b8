"""Escalation: an OPEN alert past its due time becomes ESCALATED and a new alert (level + 1)
goes to the next recipient (duty manager, then MASH), its content governed afresh for them."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, select, update

from joinedup.alerts import dead_letters, facts, failures, routing
from joinedup.alerts.clock import UK
from joinedup.alerts.evaluate import Finding, Unlinked, findings_for
from joinedup.alerts.raising import NOT_SHARED, raise_alert
from joinedup.alerts.rules import RULES, Rule
from joinedup.config import AlertSettings
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.store.alert_tables import alert
from joinedup.store.tables import event

PER_CYCLE = 200


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)


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
    event is gone (re-delivered since), a finding that shows nothing but whom to contact.
    A rule that shows no catalogue field has no event to re-read: see ``_unacknowledged``."""
    rule = RULES[row.rule_id]
    if not rule.fields:
        return _unacknowledged(connection, row, rule)
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
    return Finding(
        rule,
        row.child_person_id,
        facts.records_of(connection, row.child_person_id),
        row.dedup_key.split("|", 2)[2],
        row.occurred_at.date(),
        _utc(row.occurred_at),
        details={f: {} for f in rule.fields},
        summary=NOT_SHARED,
    )


def _unacknowledged(connection: Any, row: Any, rule: Rule) -> Finding:
    """The escalation of an alert whose rule shows no catalogue field (RISK_ESCALATION,
    CONCERN_RECORDED): that it went unacknowledged, to whom, whom to contact and where to
    look; no details. Their first alert's words were never decided by the policy (a
    concern's words were shared by its recorder with the lead practitioners only; a risk
    change is advisory, its evidence governed in the single view), and there is no field to
    ask the policy about for anyone else, so none is carried on and no decision is asked
    for (asking for a made-up field ended the worker: issue 17)."""
    raised = _utc(row.raised_at).astimezone(UK)
    due_at = _utc(row.due_at).astimezone(UK)
    agency = row.recipient_agency.replace("_", " ")
    return Finding(
        rule,
        row.child_person_id,
        facts.records_of(connection, row.child_person_id),
        row.dedup_key.split("|", 2)[2],
        row.occurred_at.date(),
        _utc(row.occurred_at),
        details={},
        summary=f"Not acknowledged in time: the alert raised for {row.recipient_name} "
        f"({agency}) on {raised:%d %B %Y at %H:%M} was due by {due_at:%d %B %Y %H:%M}. "
        "Ask them what was done; the child's single view shows what you may see.",
        extra={"contact": (row.content or {}).get("contact")},
    )


def overdue(now: Any) -> Any:
    """Alerts to escalate: open, past their deadline, not yet at the MASH (the last stop,
    where an alert stays overdue on the dashboard: counted among these, the oldest of them
    filled every cycle's batch and nothing newer was escalated)."""
    return (
        select(alert)
        .where(
            alert.c.status == "OPEN", alert.c.due_at < now, alert.c.recipient_kind != routing.MASH
        )
        .order_by(alert.c.due_at)
    )


def escalate_overdue(
    engine: Engine,
    settings: AlertSettings,
    now: datetime | None = None,
    *,
    ledger: dead_letters.Ledger | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Escalate up to ``PER_CYCLE`` overdue alerts; returns how many. With a ``ledger`` (the
    worker) each is escalated in a savepoint of its own: one that fails is a dead letter,
    left out until its next attempt, and the others go on."""
    now = now or datetime.now(UTC)
    escalated = 0
    query = overdue(now).limit(PER_CYCLE)
    if ledger is not None:
        query = query.where(alert.c.id.not_in(dead_letters.blocked(ledger.kind, now)))
    with engine.begin() as connection:
        if ledger is not None:
            ledger.load(connection)
        for row in connection.execute(query).all():
            if stop is not None and stop.is_set():
                break
            with dead_letters.isolated(ledger, connection, row.id, failures.ESCALATION):
                escalated += _escalate(connection, row, settings, now)
    return escalated


def _escalate(connection: Any, row: Any, settings: AlertSettings, now: datetime) -> int:
    target = routing.escalation_of(_recipient_of(row), settings)
    if target is None:
        return 0
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
        update(alert).where(alert.c.id == row.id).values(status="ESCALATED", escalated_at=now)
    )
    return int(new_id is not None)

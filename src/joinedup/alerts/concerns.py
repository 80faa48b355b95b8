"""A concern recorded from the single view reaches each lead practitioner as an alert.

``services.casework_actions.record_concern`` writes a ``ConcernRecorded`` event into the
outbox table in the transaction that stores the concern. The worker relays each such event:
one alert (inbox, and email when the practitioner has an address) per recipient named in
the event, written with the event's ``published_at`` in one transaction (PostgreSQL workers
skip rows another worker holds), and idempotent: the alert's ``dedup_key`` names the
concern and the recipient, so a relay that runs twice raises nothing twice.

What it shows: the concern's own words, its kind, who recorded it and their agency (the
recorder's own information, given to the lead practitioner: the recorder chose to share it
when recording; the share is in the audit log as ``CONCERN_RECORDED`` with whom it was
routed to), and how the recipient's own agency knows the child. Nothing another agency
holds is added, so there is nothing for the policy to cut.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, and_, select, update

from joinedup.alerts import contacts, dead_letters, facts, failures
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.raising import raise_alert
from joinedup.alerts.routing import LEAD, Recipient
from joinedup.alerts.rules import RECIPIENT_ROLE, RULES
from joinedup.config import AlertSettings, alert_settings
from joinedup.domain.agencies import AgencyId
from joinedup.governance.purposes import Purpose, Relationship
from joinedup.store.casework_tables import concern
from joinedup.store.tables import outbox, practitioner

EVENT = "ConcernRecorded"
RULE = "CONCERN_RECORDED"


def _recipients(connection: Connection, row: Any, keys: list[str]) -> list[Recipient]:
    routed = {r["practitioner_key"]: r for r in (row.routed_to or [])}
    found = []
    for key in keys:
        agency = routed.get(key, {}).get("agency")
        query = select(practitioner).where(practitioner.c.practitioner_key == key)
        if agency:
            query = query.where(practitioner.c.agency_id == agency)
        person = connection.execute(query.limit(1)).first()
        agency = agency or (person.agency_id if person else "social_care")
        role = RECIPIENT_ROLE.get(AgencyId(agency), "SOCIAL_WORKER")
        found.append(
            Recipient(
                LEAD,
                agency,
                key,
                person.name if person else key,
                (person.email if person else None) or routed.get(key, {}).get("email"),
                person.team if person else None,
                role,
                Purpose.LEAD_PRACTITIONER_CASEWORK,
                frozenset({Relationship.INVOLVED}),
            )
        )
    return found


def _is_recorder(recipient: Recipient, recorder: set[tuple[str | None, str]]) -> bool:
    return (None, recipient.key) in recorder or (recipient.agency, recipient.key) in recorder


def relay_one(
    connection: Connection, payload: dict[str, Any], settings: AlertSettings, now: datetime
) -> list[int]:
    """The alerts of one ``ConcernRecorded`` event (ids of those raised now)."""
    row = connection.execute(select(concern).where(concern.c.id == payload["concern_id"])).first()
    if row is None:
        return []  # the concern is gone (retention): nothing to tell
    rule = RULES[RULE]
    records = facts.records_of(connection, row.person_id)
    noun = "an engagement" if row.kind == "ENGAGEMENT" else "a concern"
    key, contact = contacts.recorder(connection, row.recorded_by, row.agency)
    # The recorder as a recipient would be named: the concern keeps her account's name, a
    # recipient is keyed by the agencies' feeds (her account's practitioner key there).
    recorder: set[tuple[str | None, str]] = {(None, row.recorded_by)}
    if key:
        recorder.add((row.agency, key))
    raised = []
    for recipient in _recipients(connection, row, list(payload.get("recipients") or [])):
        if _is_recorder(recipient, recorder):
            continue  # nobody is alerted about what they recorded themselves
        finding = Finding(
            rule,
            row.person_id,
            records,
            f"concern|{row.id}",
            row.recorded_at.date(),
            row.recorded_at if row.recorded_at.tzinfo else row.recorded_at.replace(tzinfo=UTC),
            details={},
            summary=f"{contact['name']} ({contact['agency']}) recorded {noun}: {row.text}",
            extra={"contact": contact},
        )
        alert_id, what = raise_alert(connection, finding, recipient, settings, now, fold=False)
        if alert_id is not None and what == "raised":
            raised.append(alert_id)
    return raised


def relay(
    engine: Engine,
    now: datetime | None = None,
    limit: int = 200,
    *,
    ledger: dead_letters.Ledger | None = None,
    stop: threading.Event | None = None,
) -> int:
    """Relay the unpublished ``ConcernRecorded`` events; returns how many alerts it raised.
    With a ``ledger`` (the worker) each event is relayed in a savepoint of its own: one
    that fails is a dead letter, left out until its next attempt, and the rest go on."""
    now = now or datetime.now(UTC)
    settings = alert_settings()
    due = (
        select(outbox.c.id, outbox.c.payload)
        .where(and_(outbox.c.event_type == EVENT, outbox.c.published_at.is_(None)))
        .order_by(outbox.c.id)
        .limit(limit)
    )
    if ledger is not None:
        due = due.where(outbox.c.id.not_in(dead_letters.blocked(ledger.kind, now)))
    if engine.dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    raised = 0
    with engine.begin() as connection:
        if ledger is not None:
            ledger.load(connection)
        for event_id, payload in connection.execute(due).all():
            if stop is not None and stop.is_set():
                break
            with dead_letters.isolated(ledger, connection, event_id, failures.CONCERN_RELAY):
                alerts = relay_one(connection, dict(payload), settings, now)
                connection.execute(
                    update(outbox).where(outbox.c.id == event_id).values(published_at=now)
                )
                raised += len(alerts)
    return raised

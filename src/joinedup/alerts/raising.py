"""From a finding to a governed alert: de-duplicated, folded, minimised, with its messages.

Everything here writes on the caller's connection, so an alert, its messages (the outbox)
and the audit entry of the governance decision commit together with whatever caused them.

- De-duplication: ``dedup_key`` = rule | child | cause | recipient is unique; the same cause
  (a re-delivered incident, a second person involved in it) never alerts a recipient twice.
- Folding (rate limit per family): a further cause for the same rule, child and recipient
  while an alert is still open (within ``FOLD_HOURS``) adds to that alert's count instead of
  raising another; one noisy family does not flood a practitioner.
- Rate limit per recipient: beyond ``MESSAGES_PER_HOUR`` emails to one recipient (its key
  and address) in an hour, further emails wait an hour (the inbox has them at once);
  webhooks, which serve every recipient, are not limited.
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from joinedup.alerts import contacts, facts, failures
from joinedup.alerts.clock import due
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.routing import Recipient
from joinedup.config import AlertSettings
from joinedup.domain.agencies import AgencyId
from joinedup.governance.access import AccessRequest, Decision
from joinedup.governance.catalogue import CATALOGUE
from joinedup.governance.minimisation import RESTRICTED, WITHHELD, minimise
from joinedup.governance.recording import decide_and_record
from joinedup.governance.roles import Role, SealedKind
from joinedup.store.alert_tables import alert, alert_message

FOLD_HOURS = 72
MESSAGES_PER_HOUR = 20
CAUSES = "_causes"  # kept in content for folding; never shown
NOT_SHARED = (
    "A partner agency holds new information about this child that it may be able to share "
    "with you. Contact them; nothing more can be shown here."
)
NOT_SHARED_TITLE = "A partner agency has new information about a child you work with"


def dedup_key(rule_id: str, child_id: str, cause: str, recipient_key: str) -> str:
    key = f"{rule_id}|{child_id}|{cause}|{recipient_key}"
    if len(key) <= 400:
        return key
    return f"{rule_id}|{child_id}|sha256:{hashlib.sha256(key.encode()).hexdigest()}"


# Statements built once (an alert is raised inside an ingest transaction: building each
# expression and its cache key per call cost more than running it).
_BY_KEY = select(alert.c.id).where(alert.c.dedup_key == bindparam("key"))
_OPEN_TO_FOLD = (
    select(alert.c.id, alert.c.content, alert.c.occurrences)
    .where(
        alert.c.rule_id == bindparam("rule"),
        alert.c.child_person_id == bindparam("child"),
        alert.c.recipient_key == bindparam("recipient"),
        alert.c.status == "OPEN",
        alert.c.raised_at >= bindparam("since"),
    )
    .order_by(alert.c.id.desc())
    .limit(1)
)
FOLD = (  # a cause folded into an open alert: its content and count (one or many)
    update(alert)
    .where(alert.c.id == bindparam("b_id"))
    .values(
        content=bindparam("b_content", type_=alert.c.content.type),
        occurrences=bindparam("b_occurrences"),
    )
)
# Emails to a recipient in the last hour = the alerts raised to them with that address (each
# has one EMAIL message). Counted on ``alert`` by its (recipient_key, status) index: counting
# alert_message by target had no index and scanned the whole outbox for every alert raised
# (80 ms a scan on PostgreSQL after 8,000 messages, inside the ingest transaction).
_RECENT_EMAILS = (
    select(func.count())
    .select_from(alert)
    .where(
        alert.c.recipient_key == bindparam("recipient"),
        alert.c.recipient_email == bindparam("email"),
        alert.c.raised_at >= bindparam("since"),
        alert.c.id != bindparam("alert_id"),
    )
)
_ADD_MESSAGE = insert(alert_message)
_IGNORING: dict[tuple[str, str], Any] = {}


def insert_ignoring_duplicates(connection: Connection, table: Any, values: dict[str, Any]) -> Any:
    """INSERT that does nothing on a unique-key clash (two workers, one re-delivery)."""
    name = connection.dialect.name
    statement = _IGNORING.get((name, table.name))
    if statement is None:
        dialect = postgresql if name == "postgresql" else sqlite
        statement = dialect.insert(table).on_conflict_do_nothing().returning(table.c.id)
        _IGNORING[(name, table.name)] = statement
    return connection.execute(statement, values).scalar()


def contact_for(
    connection: Connection, finding: Finding, settings: AlertSettings
) -> dict[str, Any]:
    """Who holds the information, and how to call them (``alerts.contacts``)."""
    source = finding.rule.source_agency
    return contacts.source_contact(connection, source.value if source else None, settings)


def governed_content(
    connection: Connection,
    finding: Finding,
    recipient: Recipient,
    settings: AlertSettings,
    now: datetime,
) -> tuple[bool, str, dict[str, Any]]:
    """(shared, title, content) for this recipient: the decision is audited; a denied field
    is absent; with nothing allowed, the alert only says whom to contact."""
    with failures.at(failures.POLICY_DECISION):
        request = access_request(finding, recipient, facts.seals_of(connection, finding.records))
        decision = None if request is None else decide_and_record(connection, request, now=now)
    return content_for(connection, finding, recipient, settings, decision)


class NotInCatalogue(ValueError):
    """A finding names a detail that is not a catalogue field: the policy cannot decide on
    it (the decision point knows catalogue fields only), so no alert is raised with it."""


def access_request(
    finding: Finding, recipient: Recipient, sealed: frozenset[SealedKind] = frozenset()
) -> AccessRequest | None:
    """What the recipient asks to see of the finding (None: it has no governed details).
    Only catalogue fields are asked for: anything else is a defect of the rule, named here
    rather than met as a ``KeyError`` inside the decision point (issue 17). ``sealed``: the
    seals on the child's records (``facts.seals_of``), which the decision point weighs."""
    if not finding.details:
        return None
    unknown = finding.details.keys() - CATALOGUE.keys()
    if unknown:
        raise NotInCatalogue(
            f"rule {finding.rule.id} asks for fields outside the catalogue: "
            + ", ".join(sorted(unknown))
        )
    return AccessRequest(
        user_id=recipient.key,
        role=Role(recipient.role),
        agency=AgencyId(recipient.agency),
        team=recipient.team,
        purpose=recipient.purpose,
        child_id=finding.child_id,
        fields=frozenset(finding.details),
        relationships=recipient.relationships,
        sealed=sealed,
    )


def content_for(
    connection: Connection,
    finding: Finding,
    recipient: Recipient,
    settings: AlertSettings,
    decision: Decision | None,
) -> tuple[bool, str, dict[str, Any]]:
    """(shared, title, content) given the recorded decision on ``access_request``. A sealed
    child's alert shows what the decision opened of the seal (``minimise``): with the seal
    not opened (or no decision made), only that something exists and whom to call."""
    seals = facts.seals_of(connection, finding.records)
    opened = bool(seals) and decision is not None and seals <= decision.sealed_permitted
    content: dict[str, Any] = {
        "child_id": finding.child_id,
        "rule": finding.rule.id,
        "your_record": facts.own_record(
            connection, finding.records, recipient.agency, opened=opened
        ),
        "contact": finding.extra.get("contact") or contact_for(connection, finding, settings),
        "where_to_look": f"the child's single view in joinedup (person {finding.child_id})",
        # Kept for the rule's own use, never shown (inbox and channels drop "_" keys).
        **{k: v for k, v in finding.extra.items() if k.startswith("_")},
    }
    if seals and not opened:
        content["what_happened"] = NOT_SHARED
        content["withheld"] = [RESTRICTED]
        return False, NOT_SHARED_TITLE, content
    if decision is None:
        content["what_happened"] = finding.summary
        return True, finding.rule.title, content
    if not decision.allowed:
        content["what_happened"] = NOT_SHARED
        return False, NOT_SHARED_TITLE, content
    marked = {"sealed": sorted(k.value for k in seals)} if seals else {}
    shown = minimise({"child_id": finding.child_id, **marked, **finding.details}, decision)
    shown.pop("child_id", None)
    shown.pop("sealed", None)
    if set(finding.details) <= decision.allowed_fields:
        content["what_happened"] = finding.summary
    else:
        content["what_happened"] = "New information from a partner agency (part of it withheld)"
    content["details"] = {k: v for k, v in shown.items() if k != WITHHELD}
    if WITHHELD in shown:
        content["withheld"] = shown[WITHHELD]
    return True, finding.rule.title, content


def _fold(
    connection: Connection, finding: Finding, recipient: Recipient, cause_key: str, now: datetime
) -> int | None:
    """Add the cause to an open alert of the same rule, child and recipient, if one."""
    row = connection.execute(
        _OPEN_TO_FOLD,
        {
            "rule": finding.rule.id,
            "child": finding.child_id,
            "recipient": recipient.key,
            "since": now - timedelta(hours=FOLD_HOURS),
        },
    ).first()
    if row is None:
        return None
    content = folded_content(row.content, cause_key, finding)
    if content is not None:
        connection.execute(
            FOLD, {"b_id": row.id, "b_content": content, "b_occurrences": row.occurrences + 1}
        )
    return int(row.id)


def folded_content(content: dict[str, Any], cause_key: str, finding: Finding) -> Any:
    """The open alert's content with a further cause added (None: it has it already)."""
    causes = list(content.get(CAUSES, []))
    if cause_key in causes:
        return None
    causes.append(cause_key)
    return {**content, CAUSES: causes[-200:], "latest": finding.on.isoformat()}


def raise_alert(
    connection: Connection,
    finding: Finding,
    recipient: Recipient,
    settings: AlertSettings,
    now: datetime,
    *,
    cause_event_id: int | None = None,
    level: int = 0,
    parent_alert_id: int | None = None,
    fold: bool = True,
) -> tuple[int | None, str]:
    """Write one alert and its messages; returns (alert id, "raised" | "folded" |
    "duplicate"). ``fold=False``: every cause is an alert of its own (a concern's words)."""
    key = dedup_key(finding.rule.id, finding.child_id, finding.cause, recipient.key)
    if connection.execute(_BY_KEY, {"key": key}).first():
        return None, "duplicate"
    if level == 0 and fold:
        folded = _fold(connection, finding, recipient, key, now)
        if folded is not None:
            return folded, "folded"
    shared, title, content = governed_content(connection, finding, recipient, settings, now)
    content[CAUSES] = [key]
    row = alert_row(finding, recipient, key, now, shared, title, content)
    row.update(cause_event_id=cause_event_id, level=level, parent_alert_id=parent_alert_id)
    alert_id = insert_ignoring_duplicates(connection, alert, row)
    if alert_id is None:
        return None, "duplicate"
    add_messages(connection, int(alert_id), recipient, settings, now)
    return int(alert_id), "raised"


def alert_row(
    finding: Finding,
    recipient: Recipient,
    key: str,
    now: datetime,
    shared: bool,
    title: str,
    content: dict[str, Any],
) -> dict[str, Any]:
    """The ``alert`` row of a first-level alert (no parent) about ``finding``."""
    return {
        "rule_id": finding.rule.id,
        "rule_version": finding.rule.version,
        "dedup_key": key,
        "child_person_id": finding.child_id,
        "cause_event_id": None,
        "occurred_at": finding.occurred_at,
        "raised_at": now,
        "due_at": due(
            finding.rule.deadline, now, calendar=finding.calendar, setting=finding.setting
        ),
        "level": 0,
        "recipient_kind": recipient.kind,
        "recipient_agency": recipient.agency,
        "recipient_key": recipient.key,
        "recipient_name": recipient.name,
        "recipient_email": recipient.email,
        "recipient_team": recipient.team,
        "purpose": recipient.purpose.value,
        "shared": shared,
        "title": title[:300],
        "content": content,
        "occurrences": 1,
        "status": "OPEN",
        "parent_alert_id": None,
    }


def message_targets(recipient: Recipient, settings: AlertSettings) -> list[tuple[str, str]]:
    targets = []
    if recipient.email:
        targets.append(("EMAIL", recipient.email))
    if settings.webhook_url:
        targets.append(("WEBHOOK", settings.webhook_url))
    return targets


def message_row(
    alert_id: int, channel: str, target: str, now: datetime, wait: bool
) -> dict[str, Any]:
    """An outbox message; ``wait``: the recipient had its hour's emails, send in an hour."""
    return {
        "alert_id": alert_id,
        "channel": channel,
        "target": target,
        "message_key": f"alert-{alert_id}-{channel.lower()}-{target}"[:500],
        "status": "PENDING",
        "attempts": 0,
        "created_at": now,
        "next_attempt_at": now + timedelta(hours=1) if wait else now,
    }


def add_messages(
    connection: Connection,
    alert_id: int,
    recipient: Recipient,
    settings: AlertSettings,
    now: datetime,
) -> None:
    for channel, target in message_targets(recipient, settings):
        # A webhook serves every recipient: the per-recipient limit applies to email only.
        wait = channel == "EMAIL" and (
            connection.execute(
                _RECENT_EMAILS,
                {
                    "recipient": recipient.key,
                    "email": target,
                    "since": now - timedelta(hours=1),
                    "alert_id": alert_id,
                },
            ).scalar_one()
            >= MESSAGES_PER_HOUR
        )
        connection.execute(_ADD_MESSAGE, message_row(alert_id, channel, target, now, wait))

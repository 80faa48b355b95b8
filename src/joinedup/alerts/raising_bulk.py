"""A delivery's alerts raised as a set: the same alerts as ``raising.raise_alert`` called for
each finding in turn, in a few statements instead of about a dozen round trips per alert.

For the routed findings of one delivery, in their order:

1. one read of the de-duplication keys already raised, one of the open alerts they could
   fold into and one count of each recipient's emails in the last hour;
2. in Python, in order: a known key is a duplicate; a further cause for the same rule, child
   and recipient as an open alert (in the store, or raised earlier in this batch) folds into
   it; anything else is a new alert;
3. the governance decisions of the new alerts, decided one by one (the policy point caches
   them) and their audit entries appended in one batch, in order;
4. one INSERT of all the new alerts (their ids come back by key), one UPDATE statement run
   for every fold, one INSERT of all their outbox messages, with each recipient's hourly
   email limit counted as the one-at-a-time path counts it.

Everything runs on the caller's connection: the alerts, their messages and audit entries
commit with the delivery that caused them (the transactional outbox), or not at all.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, select
from sqlalchemy.dialects import postgresql, sqlite

from joinedup.alerts import facts, failures, raising
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.routing import Recipient
from joinedup.config import AlertSettings
from joinedup.governance.recording import decide_and_record_many
from joinedup.store.alert_tables import alert, alert_message

CHUNK = 1000


@dataclass(slots=True)
class Routed:
    """A finding, whom it goes to, and the event that caused it."""

    finding: Finding
    recipient: Recipient
    cause_event_id: int | None


_KNOWN_KEYS = select(alert.c.dedup_key).where(
    alert.c.dedup_key.in_(bindparam("keys", expanding=True))
)
_OPEN = (
    select(
        alert.c.id,
        alert.c.rule_id,
        alert.c.child_person_id,
        alert.c.recipient_key,
        alert.c.content,
        alert.c.occurrences,
    )
    .where(
        alert.c.child_person_id.in_(bindparam("children", expanding=True)),
        alert.c.rule_id.in_(bindparam("rules", expanding=True)),
        alert.c.status == "OPEN",
        alert.c.raised_at >= bindparam("since"),
    )
    .order_by(alert.c.id)
)
_RECENT_EMAILS = (
    select(alert.c.recipient_key, alert.c.recipient_email, func.count())
    .where(
        alert.c.recipient_key.in_(bindparam("recipients", expanding=True)),
        alert.c.recipient_email.is_not(None),
        alert.c.raised_at >= bindparam("since"),
    )
    .group_by(alert.c.recipient_key, alert.c.recipient_email)
)
_ADD_MESSAGES = insert(alert_message)
_INSERTS: dict[str, Any] = {}


def _chunks(values: list[Any]) -> list[list[Any]]:
    return [values[n : n + CHUNK] for n in range(0, len(values), CHUNK)]


def _insert_alerts(connection: Connection) -> Any:
    name = connection.dialect.name
    if name not in _INSERTS:
        dialect = postgresql if name == "postgresql" else sqlite
        _INSERTS[name] = (
            dialect.insert(alert).on_conflict_do_nothing().returning(alert.c.id, alert.c.dedup_key)
        )
    return _INSERTS[name]


class _Open:
    """An alert a further cause may fold into: in the store, or new in this batch."""

    __slots__ = ("id", "content", "occurrences", "row", "changed")

    def __init__(self, id_: int | None, content: dict[str, Any], occurrences: int) -> None:
        self.id, self.content, self.occurrences = id_, content, occurrences
        self.row: dict[str, Any] | None = None  # a new alert's row, not inserted yet
        self.changed = False


def raise_alerts(
    connection: Connection, routed: list[Routed], settings: AlertSettings, now: datetime
) -> list[tuple[int | None, str]]:
    """Raise ``routed`` (first-level alerts, folding allowed) in order; for each, (alert id,
    "raised" | "folded" | "duplicate") as ``raise_alert`` would have returned."""
    if not routed:
        return []
    keys = [
        raising.dedup_key(r.finding.rule.id, r.finding.child_id, r.finding.cause, r.recipient.key)
        for r in routed
    ]
    known = {k for chunk in _chunks(sorted(set(keys))) for k in _scalars(connection, chunk)}
    opened = _open_alerts(connection, routed, now)
    outcome: list[Any] = []  # per item: ("duplicate",) | ("folded", _Open) | ("raised", _Open)
    new: list[tuple[Routed, str, _Open]] = []
    for item, key in zip(routed, keys, strict=True):
        finding, recipient = item.finding, item.recipient
        if key in known:
            outcome.append(("duplicate", None))
            continue
        triple = (finding.rule.id, finding.child_id, recipient.key)
        target = opened.get(triple)
        if target is not None:
            content = raising.folded_content(target.content, key, finding)
            if content is not None:
                target.content, target.changed = content, True
                target.occurrences += 1
            outcome.append(("folded", target))
            continue
        fresh = _Open(None, {raising.CAUSES: [key]}, 1)  # governed content added on writing
        opened[triple] = fresh
        known.add(key)
        new.append((item, key, fresh))
        outcome.append(("raised", fresh))
    _write_new(connection, new, settings, now)
    _write_folds(connection, opened.values())
    return [
        (None, "duplicate") if target is None or target.id is None else (int(target.id), what)
        for what, target in outcome
    ]


def _scalars(connection: Connection, keys: list[str]) -> list[str]:
    return list(connection.execute(_KNOWN_KEYS, {"keys": keys}).scalars())


def _open_alerts(
    connection: Connection, routed: list[Routed], now: datetime
) -> dict[tuple[str, str, str], _Open]:
    """The newest open alert per (rule, child, recipient) that a cause may fold into."""
    children = sorted({r.finding.child_id for r in routed})
    rules = sorted({r.finding.rule.id for r in routed})
    since = now - timedelta(hours=raising.FOLD_HOURS)
    found: dict[tuple[str, str, str], _Open] = {}
    for chunk in _chunks(children):
        params = {"children": chunk, "rules": rules, "since": since}
        for row in connection.execute(_OPEN, params):  # by id: the newest is kept
            triple = (row.rule_id, row.child_person_id, row.recipient_key)
            found[triple] = _Open(row.id, dict(row.content), row.occurrences)
    return found


def _write_new(
    connection: Connection,
    new: list[tuple[Routed, str, _Open]],
    settings: AlertSettings,
    now: datetime,
) -> None:
    if not new:
        return
    with failures.at(failures.POLICY_DECISION):
        requests = [
            raising.access_request(
                item.finding, item.recipient, facts.seals_of(connection, item.finding.records)
            )
            for item, _, _ in new
        ]
        asked = [r for r in requests if r is not None]
        decided = iter(decide_and_record_many(connection, asked, now=now))
    rows = []
    for (item, key, fresh), request in zip(new, requests, strict=True):
        decision = None if request is None else next(decided)
        shared, title, content = raising.content_for(
            connection, item.finding, item.recipient, settings, decision
        )
        # Its causes, with any folded into it earlier in this set (and the latest day).
        content.update(fresh.content)
        row = raising.alert_row(item.finding, item.recipient, key, now, shared, title, content)
        row.update(cause_event_id=item.cause_event_id, occurrences=fresh.occurrences)
        fresh.content, fresh.row, fresh.changed = content, row, False
        rows.append(row)
    ids: dict[str, int] = {}
    statement = _insert_alerts(connection)
    for chunk in _chunks(rows):
        ids.update({k: i for i, k in connection.execute(statement, chunk)})
    for _, key, fresh in new:
        fresh.id = ids.get(key)  # None: another transaction raised it first (a duplicate)
    _write_messages(connection, new, settings, now)


def _write_messages(
    connection: Connection,
    new: list[tuple[Routed, str, _Open]],
    settings: AlertSettings,
    now: datetime,
) -> None:
    since = now - timedelta(hours=1)
    recipients = sorted({item.recipient.key for item, _, _ in new if item.recipient.email})
    sent: Counter[tuple[str, str]] = Counter()
    for chunk in _chunks(recipients):
        params = {"recipients": chunk, "since": since}
        for key, email, count in connection.execute(_RECENT_EMAILS, params):
            sent[(key, email)] = count
    # The store's count includes this batch's alerts: each is counted as the alerts raised
    # before it, as when they were raised one at a time.
    for item, _, fresh in new:
        if fresh.id is not None and item.recipient.email:
            sent[(item.recipient.key, item.recipient.email)] -= 1
    messages = []
    for item, _, fresh in new:
        if fresh.id is None:
            continue
        for channel, target in raising.message_targets(item.recipient, settings):
            wait = False
            if channel == "EMAIL":
                pair = (item.recipient.key, target)
                wait = sent[pair] >= raising.MESSAGES_PER_HOUR
                sent[pair] += 1
            messages.append(raising.message_row(int(fresh.id), channel, target, now, wait))
    for chunk in _chunks(messages):
        connection.execute(_ADD_MESSAGES, chunk)


def _write_folds(connection: Connection, opened: Any) -> None:
    changes = [
        {"b_id": o.id, "b_content": o.content, "b_occurrences": o.occurrences}
        for o in opened
        if o.changed and o.id is not None
    ]
    if changes:
        connection.execute(raising.FOLD, changes)

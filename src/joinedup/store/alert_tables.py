"""Tables of alerts (the ``alerts`` Alembic branch). Same metadata as the core tables.

``alert_trigger``  an event that may need an alert, written in the ingest transaction that
                   stored the event (so nothing that should alert is lost); resolved at once
                   when its people are linked, else by the worker once they are.
``alert``          one alert to one recipient (the inbox is this table); an escalation is a
                   new row pointing at the alert it escalates.
``alert_message``  the alerts' outbox: one row per alert, channel and target, written in the
                   same transaction as the alert; workers claim, send and mark each one.
``alert_dead_letter`` an item the worker failed on (a trigger, concern, re-score request,
                   message, or an overdue alert to escalate): where and why (no personal
                   data), attempts, when it is tried next; resolved when it succeeds.
``alert_worker``   each worker's heartbeat: its last completed cycle, so that ``joinedup
                   alerts status`` and the health endpoint work from another process.
``mail_sink_message`` each email the demo's local mail sink received (``joinedup demo``):
                   to, subject, when and the body as sent, for the administrator's page.
                   Empty outside the demo.
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from joinedup.store.tables import Id, Json, metadata

alert_trigger = Table(
    "alert_trigger",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("event_id", Id, nullable=False),  # event.id (no FK: a re-delivery replaces events)
    Column("delivery_id", Id, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("status", String(12), nullable=False, default="PENDING"),  # PENDING | DONE | EXPIRED
    Column("attempts", Integer, nullable=False, default=0),
    Column("resolved_at", DateTime(timezone=True)),
    Column("outcome", Json, nullable=False, default=dict),
    UniqueConstraint("event_id", name="uq_alert_trigger_event"),
    Index("ix_alert_trigger_status", "status"),
)

alert = Table(
    "alert",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("rule_id", String(40), nullable=False),
    Column("rule_version", Integer, nullable=False),
    # rule | child | cause | recipient: the same cause never alerts the same recipient twice.
    Column("dedup_key", String(400), nullable=False),
    Column("child_person_id", String(40), nullable=False),
    Column("cause_event_id", Id),
    Column("occurred_at", DateTime(timezone=True), nullable=False),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("due_at", DateTime(timezone=True), nullable=False),
    Column("level", Integer, nullable=False, default=0),  # 0 first recipient, 1 manager, 2 MASH
    Column("recipient_kind", String(20), nullable=False),  # LEAD | DUTY | DSL | MANAGER | MASH
    Column("recipient_agency", String(40), nullable=False),
    Column("recipient_key", String(320), nullable=False),
    Column("recipient_name", String(200), nullable=False),
    Column("recipient_email", String(320)),
    Column("recipient_team", String(200)),
    Column("purpose", String(40), nullable=False),
    Column("shared", Boolean, nullable=False),  # governance allowed the details to be shared
    Column("title", String(300), nullable=False),
    Column("content", Json, nullable=False),
    Column("occurrences", Integer, nullable=False, default=1),
    Column("status", String(14), nullable=False, default="OPEN"),  # OPEN | ACKNOWLEDGED | ESCALATED
    Column("acknowledged_at", DateTime(timezone=True)),
    Column("acknowledged_by", String(320)),
    Column("action_taken", Text),
    Column("escalated_at", DateTime(timezone=True)),
    Column("parent_alert_id", Id, ForeignKey("alert.id")),
    UniqueConstraint("dedup_key", name="uq_alert_dedup_key"),
    Index("ix_alert_recipient_status", "recipient_key", "status"),
    Index("ix_alert_status_due", "status", "due_at"),
    Index("ix_alert_child_rule", "child_person_id", "rule_id"),
)

alert_message = Table(
    "alert_message",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("alert_id", Id, ForeignKey("alert.id", ondelete="CASCADE"), nullable=False),
    Column("channel", String(10), nullable=False),  # EMAIL | WEBHOOK
    Column("target", String(400), nullable=False),
    # alert id, channel and target: what a receiver de-duplicates a re-delivery on.
    Column("message_key", String(500), nullable=False),
    Column("status", String(10), nullable=False, default="PENDING"),  # PENDING | SENT | DEAD
    Column("attempts", Integer, nullable=False, default=0),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True), nullable=False),
    Column("claimed_by", String(80)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("sent_at", DateTime(timezone=True)),
    Column("last_error", Text),
    UniqueConstraint("message_key", name="uq_alert_message_key"),
    Index("ix_alert_message_due", "status", "next_attempt_at"),
)

alert_dead_letter = Table(
    "alert_dead_letter",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    # trigger | concern | rescore | message | alert (an overdue alert to escalate)
    Column("kind", String(12), nullable=False),
    Column("item_id", Id, nullable=False),  # the item's id in its own table (no FK: any table)
    Column("stage", String(40), nullable=False),  # rule evaluation, policy decision, email...
    Column("error_class", String(120), nullable=False),
    Column("reason", String(300), nullable=False),  # one line, personal data taken out
    Column("attempts", Integer, nullable=False),  # failures in a row
    Column("first_failed_at", DateTime(timezone=True), nullable=False),
    Column("last_failed_at", DateTime(timezone=True), nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),  # None once its attempts are used up
    Column("exhausted_at", DateTime(timezone=True)),
    Column("resolved_at", DateTime(timezone=True)),  # it succeeded, or an operator said so
    Column("resolution", String(20)),  # SUCCEEDED | DISMISSED
    # What the operator has been told: the first failure, and that the attempts ran out.
    Column("reported_at", DateTime(timezone=True)),
    Column("reported_exhausted_at", DateTime(timezone=True)),
    UniqueConstraint("kind", "item_id", name="uq_alert_dead_letter_item"),
    Index("ix_alert_dead_letter_open", "resolved_at", "kind"),
)

alert_worker = Table(
    "alert_worker",
    metadata,
    Column("worker_id", String(80), primary_key=True),  # host:pid:thread
    Column("started_at", DateTime(timezone=True), nullable=False),
    Column("last_cycle_at", DateTime(timezone=True)),  # the last cycle that completed
    Column("last_cycle_items", Integer, nullable=False, default=0),
    Column("last_cycle_failures", Integer, nullable=False, default=0),
    Column("cycles", Integer, nullable=False, default=0),
    Column("last_error_at", DateTime(timezone=True)),  # the last cycle that did not complete
    Column("last_error", String(300)),
    Column("notified_at", DateTime(timezone=True)),  # its last notification to the operator
    Column("stopped_at", DateTime(timezone=True)),
)

mail_sink_message = Table(
    "mail_sink_message",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("mail_from", String(320), nullable=False),
    Column("mail_to", Text, nullable=False),  # the envelope's recipients, comma-separated
    Column("subject", String(400), nullable=False),
    Column("message_id", String(400)),
    Column("body", Text, nullable=False),  # the text as sent, decoded
    Index("ix_mail_sink_message_received_at", "received_at"),
)

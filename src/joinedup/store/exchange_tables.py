"""Tables of the exchange between partnerships (issue 24): the refs of our last export to
each partner (so a partner's request quotes a ref only the holder can resolve), the
children we matched in a partner's export, the signed summaries received, and the
transfer-in cases they opened. Same metadata as the core tables."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from joinedup.store.tables import Id, Json, metadata

# Our children as last exported to a partner: ref -> person, with the encoding sent, the
# exchange session it was sent in and the partner's deposited encoding our own matching
# paired it with (``paired_with``): a request for a ref is answered only when that is set.
exchange_export_ref = Table(
    "exchange_export_ref",
    metadata,
    Column("partner", String(60), primary_key=True),
    Column("ref", String(64), primary_key=True),
    Column("person_id", String(40), nullable=False),
    Column("clk", LargeBinary, nullable=False),
    Column("blocks", Json, nullable=False),
    Column("exported_at", DateTime(timezone=True), nullable=False),
    Column("session_id", String(64)),
    Column("paired_with", String(64)),
)

# An exchange session a partner opened with us (services.exchange_sessions): its own random
# salt keys both sides' encodings, so another session's encodings match nothing; the
# partner deposits its encodings before we release ours. One live session per partner.
exchange_session = Table(
    "exchange_session",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("partner", String(60), nullable=False),
    Column("salt", LargeBinary, nullable=False),
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("deposited", Integer),  # how many encodings the partner deposited
    Column("deposited_at", DateTime(timezone=True)),
    Column("exported_at", DateTime(timezone=True)),
    Index("ix_exchange_session_partner", "partner"),
)

# The partner's deposit in a session: its encodings of the children it holds (encodings
# only; its refs are opaque to us), which our matching pairs with our export.
exchange_deposit = Table(
    "exchange_deposit",
    metadata,
    Column("session_id", String(64), primary_key=True),
    Column("ref", String(64), primary_key=True),
    Column("clk", LargeBinary, nullable=False),
    Column("blocks", Json, nullable=False),
)

# A child of ours found in a partner's export (their ref: valid for that export only).
exchange_match = Table(
    "exchange_match",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner", String(60), nullable=False),
    Column("person_id", String(40), nullable=False),
    Column("their_ref", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("found_at", DateTime(timezone=True), nullable=False),
    Column("status", String(20), nullable=False),  # MATCHED | RECEIVED | REFUSED
    Column("summary_id", Id),
    UniqueConstraint("partner", "their_ref", name="uq_exchange_match_ref"),
    Index("ix_exchange_match_person", "person_id"),
)

# A signed summary a partner sent about one of our children, as received and verified.
exchange_summary = Table(
    "exchange_summary",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("partner", String(60), nullable=False),
    Column("person_id", String(40), nullable=False),
    Column("their_ref", String(64), nullable=False),
    Column("summary", Json, nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", Text, nullable=False),
    Column("digest", String(64), nullable=False),
    Column("received_at", DateTime(timezone=True), nullable=False),
    Column("alert_id", Id),
    UniqueConstraint("partner", "digest", name="uq_exchange_summary_digest"),
    Index("ix_exchange_summary_person", "person_id"),
)

# A child on a child protection plan or looked after in the other area: the transfer-in
# conference is due within 15 working days of the receiving MASH being told.
transfer_in_case = Table(
    "transfer_in_case",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("partner", String(60), nullable=False),
    Column("summary_id", Id, nullable=False),
    Column("kind", String(40), nullable=False),  # CHILD_PROTECTION_PLAN | LOOKED_AFTER
    Column("opened_at", DateTime(timezone=True), nullable=False),
    Column("conference_due_on", Date, nullable=False),
    # OPEN -> CONFERENCE_BOOKED -> CONFERENCE_HELD -> CLOSED (or CLOSED from any)
    Column("status", String(20), nullable=False),
    Column("conference_on", Date),
    Column("updated_by", String(200)),
    Column("updated_at", DateTime(timezone=True)),
    Column("outcome", Text),
    Column("overdue_alerted_at", DateTime(timezone=True)),
    Column("alert_id", Id),
    Index("ix_transfer_in_case_person", "person_id"),
    Index("ix_transfer_in_case_status", "status"),
)

# The exchange follows each delivery (services.exchange_follow): a delivery ingested while
# partners are configured leaves a row here, in its own transaction, so none is lost ...
exchange_due = Table(
    "exchange_due",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
)

# ... and each partner's progress through them: the newest due row an exchange with it has
# covered, its failed attempts in a row and when to try again (a partner away), and the
# claim of the worker running it (one run per partner at a time: never twice at once).
exchange_follow = Table(
    "exchange_follow",
    metadata,
    Column("partner", String(60), primary_key=True),
    Column("done_through", Id, nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime(timezone=True)),
    Column("claimed_until", DateTime(timezone=True)),
    Column("claimed_by", String(80)),
    Column("last_error", Text),
    Column("last_run_at", DateTime(timezone=True)),
    Column("last_outcome", Json),
)

# Partner requests already seen within their signing window (signing.WINDOW): the same
# signed request twice is a replay, refused. Kept until the window has passed, then purged.
exchange_nonce = Table(
    "exchange_nonce",
    metadata,
    Column("partner", String(60), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_exchange_nonce_expires", "expires_at"),
)

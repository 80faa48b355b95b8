"""Tables of accounts (accounts branch): the people who sign in, and their server-side
sessions. Same metadata as the core tables.

Only a hash of each session token is stored, so a copy of the database opens no session;
logging out revokes the row, so a stolen cookie stops working at once. Failed sign-ins are
counted per account name and per source in ``sign_in_throttle`` (``accounts.throttle``), in
the store so that every server process sees the same counts.
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
)

from joinedup.store.tables import Id, metadata

account = Table(
    "account",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("username", String(200), nullable=False, unique=True),
    # argon2id PHC string; NULL for an account that signs in only through OIDC.
    Column("password_hash", String(400)),
    Column("role", String(40), nullable=False),
    Column("agency", String(40), nullable=False),
    Column("team", String(200)),
    # The practitioner's key in their agency's feed (the email its practitioner table uses).
    Column("practitioner_key", String(320)),
    Column("display_name", String(200), nullable=False),
    # "local" or the OIDC issuer the account came from; ``subject`` is the issuer's id for it.
    Column("provider", String(400), nullable=False, default="local"),
    Column("subject", String(400)),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    # The per-account lockout before issue 17 (anyone could trigger it): no longer written;
    # sign_in_throttle counts failures instead.
    Column("failed_logins", Integer, nullable=False, default=0),
    Column("first_failure_at", DateTime(timezone=True)),
    Column("locked_until", DateTime(timezone=True)),
    Column("last_login_at", DateTime(timezone=True)),
)

account_session = Table(
    "account_session",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("token_sha256", String(64), nullable=False, unique=True),
    Column("account_id", Id, ForeignKey("account.id", ondelete="CASCADE"), nullable=False),
    Column("csrf_token", String(64), nullable=False),
    Column("purpose", String(40)),  # declared after login; NULL until then
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("last_seen_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    # An OIDC sign-in's ID token, the hint that ends the provider's session at logout;
    # cleared when the session ends. NULL for a password sign-in.
    Column("id_token", Text),
    Index("ix_account_session_account", "account_id"),
)

sign_in_throttle = Table(
    "sign_in_throttle",
    metadata,
    # "account" (the name as typed, normalised, whether or not an account has it) or
    # "source" (the client's address; an IPv6 address by its /64 network).
    Column("scope", String(10), primary_key=True),
    Column("key", String(200), primary_key=True),
    # Failures since the last success, forgotten after a quiet hour.
    Column("failures", Integer, nullable=False, default=0),
    Column("last_failure_at", DateTime(timezone=True)),
    Column("blocked_until", DateTime(timezone=True)),
    Index("ix_sign_in_throttle_last_failure", "last_failure_at"),
)

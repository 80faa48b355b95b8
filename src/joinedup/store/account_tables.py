"""Tables of accounts (accounts branch): the people who sign in, and their server-side
sessions. Same metadata as the core tables.

Only a hash of each session token is stored, so a copy of the database opens no session;
logging out revokes the row, so a stolen cookie stops working at once.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, DateTime, ForeignKey, Index, Integer, String, Table

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
    # Lockout: failures counted from the first in the current window.
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
    Index("ix_account_session_account", "account_id"),
)

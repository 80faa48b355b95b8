"""What the delivery receivers keep in the store.

``agency_delivery_key``  each agency's registered Ed25519 public key (PEM) for pushing
                         deliveries, by its RFC 7638 thumbprint; revoking sets
                         ``revoked_at`` (kept, so the audit can still name the key).
``delivery_token_seen``  every agency token used, until it expires: a token is good for one
                         request, and one replayed within its lifetime is refused.

The deliveries themselves are the ingest's ``delivery`` rows; a delivery still arriving is a
folder in the upload area (``receive.staging``), not a row.
"""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, String, Table, Text

from joinedup.store.tables import metadata

agency_delivery_key = Table(
    "agency_delivery_key",
    metadata,
    Column("key_id", String(64), primary_key=True),
    Column("agency_id", String(40), nullable=False),
    Column("public_key_pem", Text, nullable=False),
    Column("added_at", DateTime(timezone=True), nullable=False),
    Column("added_by", String(200), nullable=False),
    Column("revoked_at", DateTime(timezone=True)),
    Index("ix_agency_delivery_key_agency_id", "agency_id"),
)

delivery_token_seen = Table(
    "delivery_token_seen",
    metadata,
    Column("token_id", String(100), primary_key=True),
    Column("agency_id", String(40), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Index("ix_delivery_token_seen_expires_at", "expires_at"),
)

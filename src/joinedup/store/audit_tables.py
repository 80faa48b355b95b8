"""Tables of the tamper-evident audit log (governance). Same metadata as the core tables."""

from __future__ import annotations

from sqlalchemy import Column, DateTime, Index, Integer, LargeBinary, String, Table, Text

from joinedup.store.tables import Id, Json, metadata

audit_entry = Table(
    "audit_entry",
    metadata,
    # Contiguous from 0: the entry's index in the Merkle tree (RFC 6962 leaf index).
    Column("seq", Id, primary_key=True, autoincrement=False),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("actor", String(200), nullable=False),
    Column("actor_role", String(80)),
    Column("purpose", String(60)),
    Column("subject", String(200)),  # the child or person the entry is about, if any
    Column("details", Json, nullable=False),
    Column("leaf", LargeBinary, nullable=False),  # the exact bytes hashed (canonical JSON)
    Column("prev_hash", String(64), nullable=False),
    Column("entry_hash", String(64), nullable=False),
    Index("ix_audit_entry_subject", "subject"),
    Index("ix_audit_entry_kind", "kind"),
    # ``joinedup audit search --actor/--since`` (migration 0004).
    Index("ix_audit_entry_actor", "actor"),
    Index("ix_audit_entry_recorded_at", "recorded_at"),
    # The volume limits' count of an account's entries of one kind in a window
    # (``governance.notices.done_since``, before every search; migration 0058_audit_volume_index).
    Index("ix_audit_entry_actor_kind_recorded_at", "actor", "kind", "recorded_at"),
)

audit_tree_head = Table(
    "audit_tree_head",
    metadata,
    Column("tree_size", Integer, primary_key=True, autoincrement=False),
    Column("root_hash", String(64), nullable=False),
    Column("signed_at", DateTime(timezone=True), nullable=False),
    Column("key_id", String(64), nullable=False),
    Column("signature", Text, nullable=False),  # base64 Ed25519 over the signed head
    # The compact range (one hex hash per set bit of tree_size) so the next checkpoint hashes
    # only the entries added since; not signed, checked against root_hash before reuse
    # (migration 0004).
    Column("frontier", Json),
)

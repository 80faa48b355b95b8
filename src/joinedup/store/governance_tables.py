"""Tables of governance (agreements branch): agreement versions, emergency access grants and
their review tasks. Same metadata as the core tables."""

from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    Date,
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

# Every version of every agreement ever loaded; the current one has superseded_at NULL.
agreement_version = Table(
    "agreement_version",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("agreement_id", String(60), nullable=False),
    Column("version", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("title", String(300), nullable=False),
    Column("effective_from", Date, nullable=False),
    Column("expires_on", Date),
    Column("review_by", Date, nullable=False),
    Column("document", Json, nullable=False),  # the validated agreement, as its YAML keys
    Column("content_sha256", String(64), nullable=False),
    Column("source_name", String(400), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("loaded_by", String(200), nullable=False),
    Column("superseded_at", DateTime(timezone=True)),
    UniqueConstraint("agreement_id", "version", name="uq_agreement_version_id_version"),
    Index("ix_agreement_version_current", "agreement_id", "superseded_at"),
)

# A break-glass grant: time-limited, for one user, child and safeguarding purpose.
emergency_access = Table(
    "emergency_access",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("user_id", String(200), nullable=False),
    Column("role", String(40), nullable=False),
    Column("agency", String(40), nullable=False),
    Column("team", String(200)),
    Column("purpose", String(40), nullable=False),
    Column("child_id", String(200), nullable=False),
    Column("fields", Json, nullable=False),
    Column("justification", Text, nullable=False),
    Column("granted_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
    Column("audit_seq", Integer),
    CheckConstraint("expires_at > granted_at", name="expires_after_granted"),
    Index("ix_emergency_access_user_child", "user_id", "child_id"),
)

# The privacy officer's review of each break-glass grant.
access_review_task = Table(
    "access_review_task",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column(
        "emergency_access_id",
        Id,
        ForeignKey("emergency_access.id", ondelete="CASCADE"),
        nullable=False,
        unique=True,
    ),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("assigned_role", String(40), nullable=False),
    Column("status", String(20), nullable=False),  # OPEN | CLOSED
    Column("reviewer", String(200)),
    Column("outcome", String(20)),  # APPROPRIATE | INAPPROPRIATE | NEEDS_FOLLOW_UP
    Column("note", Text),
    Column("reviewed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('OPEN', 'CLOSED')", name="status_known"),
    CheckConstraint(
        "outcome IS NULL OR outcome IN ('APPROPRIATE', 'INAPPROPRIATE', 'NEEDS_FOLLOW_UP')",
        name="outcome_known",
    ),
    Index("ix_access_review_task_status", "status"),
)

# A notice to the privacy officer: an account doing something in unusual volume (searches,
# break-glass grants), raised the moment it happens and closed by a privacy officer's review.
privacy_notice = Table(
    "privacy_notice",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("kind", String(40), nullable=False),  # SEARCH_VOLUME | BREAK_GLASS_VOLUME | ...
    Column("actor", String(200), nullable=False),
    Column("actor_role", String(40)),
    Column("raised_at", DateTime(timezone=True), nullable=False),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("details", Json, nullable=False),  # counts and the window: no personal data
    Column("status", String(20), nullable=False),  # OPEN | CLOSED
    Column("reviewer", String(200)),
    Column("note", Text),
    Column("reviewed_at", DateTime(timezone=True)),
    CheckConstraint("status IN ('OPEN', 'CLOSED')", name="notice_status_known"),
    Index("ix_privacy_notice_open", "status", "kind", "actor"),
)

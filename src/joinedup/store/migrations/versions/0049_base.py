"""The base schema: every table joinedup had when its migration history was made linear.

Generated once from the tables declared in code (``alembic.autogenerate``), then frozen: it is
history now and is never edited (a change to the schema is a new revision on top). It
replaces the per-capability branches ``0001`` to ``0041``; a store made by them at their
newest revisions has exactly this schema and is stamped with this revision by
``joinedup db upgrade`` (``store/migrate.py``). The agencies are seeded as they were then.

Revision ID: 0049_base
Revises:
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0049_base"
down_revision = None
branch_labels = None
depends_on = None

JSON = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")
ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
AGENCIES = [
    ("social_care", "Children's social care", "ssd-csv/1", True),
    ("health", "Health (integrated care board)", "fhir-r4-bulk/1", True),
    ("police", "Police", "pole-csv/1", True),
    ("education", "Schools and education", "school-census-csv/1", False),
    ("housing", "Housing", "agency-events-csv/1", False),
    ("probation", "Probation", "agency-events-csv/1", False),
    ("substance_misuse", "Substance misuse services", "agency-events-csv/1", False),
    ("adult_mental_health", "Adult mental health services", "agency-events-csv/1", False),
]


def upgrade() -> None:
    op.create_table(
        "account",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=200), nullable=False),
        sa.Column("password_hash", sa.String(length=400), nullable=True),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("practitioner_key", sa.String(length=320), nullable=True),
        sa.Column("display_name", sa.String(length=200), nullable=False),
        sa.Column("provider", sa.String(length=400), nullable=False),
        sa.Column("subject", sa.String(length=400), nullable=True),
        sa.Column("disabled", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("failed_logins", sa.Integer(), nullable=False),
        sa.Column("first_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account")),
        sa.UniqueConstraint("username", name=op.f("uq_account_username")),
    )
    op.create_table(
        "agency",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("feed_format", sa.String(length=40), nullable=False),
        sa.Column("statutory_partner", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agency")),
    )
    op.create_table(
        "agreement_version",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("agreement_id", sa.String(length=60), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("effective_from", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=True),
        sa.Column("review_by", sa.Date(), nullable=False),
        sa.Column("document", JSON, nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_name", sa.String(length=400), nullable=False),
        sa.Column("loaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("loaded_by", sa.String(length=200), nullable=False),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agreement_version")),
        sa.UniqueConstraint("agreement_id", "version", name="uq_agreement_version_id_version"),
    )
    op.create_index(
        "ix_agreement_version_current",
        "agreement_version",
        ["agreement_id", "superseded_at"],
        unique=False,
    )
    op.create_table(
        "alert",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("rule_id", sa.String(length=40), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("dedup_key", sa.String(length=400), nullable=False),
        sa.Column("child_person_id", sa.String(length=40), nullable=False),
        sa.Column("cause_event_id", ID, nullable=True),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("recipient_kind", sa.String(length=20), nullable=False),
        sa.Column("recipient_agency", sa.String(length=40), nullable=False),
        sa.Column("recipient_key", sa.String(length=320), nullable=False),
        sa.Column("recipient_name", sa.String(length=200), nullable=False),
        sa.Column("recipient_email", sa.String(length=320), nullable=True),
        sa.Column("recipient_team", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("shared", sa.Boolean(), nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("content", JSON, nullable=False),
        sa.Column("occurrences", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=14), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("acknowledged_by", sa.String(length=320), nullable=True),
        sa.Column("action_taken", sa.Text(), nullable=True),
        sa.Column("escalated_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("parent_alert_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["parent_alert_id"], ["alert.id"], name=op.f("fk_alert_parent_alert_id_alert")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert")),
        sa.UniqueConstraint("dedup_key", name="uq_alert_dedup_key"),
    )
    op.create_index("ix_alert_child_rule", "alert", ["child_person_id", "rule_id"], unique=False)
    op.create_index("ix_alert_recipient_status", "alert", ["recipient_key", "status"], unique=False)
    op.create_index("ix_alert_status_due", "alert", ["status", "due_at"], unique=False)
    op.create_table(
        "alert_dead_letter",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("item_id", ID, nullable=False),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("error_class", sa.String(length=120), nullable=False),
        sa.Column("reason", sa.String(length=300), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("first_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_failed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("exhausted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution", sa.String(length=20), nullable=True),
        sa.Column("reported_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reported_exhausted_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_dead_letter")),
        sa.UniqueConstraint("kind", "item_id", name="uq_alert_dead_letter_item"),
    )
    op.create_index(
        "ix_alert_dead_letter_open", "alert_dead_letter", ["resolved_at", "kind"], unique=False
    )
    op.create_table(
        "alert_trigger",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("event_id", ID, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", JSON, nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_trigger")),
        sa.UniqueConstraint("event_id", name="uq_alert_trigger_event"),
    )
    op.create_index("ix_alert_trigger_status", "alert_trigger", ["status"], unique=False)
    op.create_table(
        "alert_worker",
        sa.Column("worker_id", sa.String(length=80), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_cycle_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_cycle_items", sa.Integer(), nullable=False),
        sa.Column("last_cycle_failures", sa.Integer(), nullable=False),
        sa.Column("cycles", sa.Integer(), nullable=False),
        sa.Column("last_error_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=300), nullable=True),
        sa.Column("notified_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("stopped_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("worker_id", name=op.f("pk_alert_worker")),
    )
    op.create_table(
        "audit_entry",
        sa.Column("seq", ID, autoincrement=False, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=80), nullable=True),
        sa.Column("purpose", sa.String(length=60), nullable=True),
        sa.Column("subject", sa.String(length=200), nullable=True),
        sa.Column("details", JSON, nullable=False),
        sa.Column("leaf", sa.LargeBinary(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("entry_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_audit_entry")),
    )
    op.create_index("ix_audit_entry_actor", "audit_entry", ["actor"], unique=False)
    op.create_index("ix_audit_entry_kind", "audit_entry", ["kind"], unique=False)
    op.create_index("ix_audit_entry_recorded_at", "audit_entry", ["recorded_at"], unique=False)
    op.create_index("ix_audit_entry_subject", "audit_entry", ["subject"], unique=False)
    op.create_table(
        "audit_tree_head",
        sa.Column("tree_size", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("root_hash", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("key_id", sa.String(length=64), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("frontier", JSON, nullable=True),
        sa.PrimaryKeyConstraint("tree_size", name=op.f("pk_audit_tree_head")),
    )
    op.create_table(
        "concern",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("routed_to", JSON, nullable=False),
        sa.Column("audit_seq", ID, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_concern")),
    )
    op.create_index("ix_concern_person", "concern", ["person_id"], unique=False)
    op.create_table(
        "emergency_access",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("user_id", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=40), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("purpose", sa.String(length=40), nullable=False),
        sa.Column("child_id", sa.String(length=200), nullable=False),
        sa.Column("fields", JSON, nullable=False),
        sa.Column("justification", sa.Text(), nullable=False),
        sa.Column("granted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("audit_seq", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "expires_at > granted_at", name=op.f("ck_emergency_access_expires_after_granted")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_emergency_access")),
    )
    op.create_index(
        "ix_emergency_access_user_child", "emergency_access", ["user_id", "child_id"], unique=False
    )
    op.create_table(
        "household",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household")),
    )
    op.create_table(
        "intervention_type",
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("min_age", sa.Integer(), nullable=False),
        sa.Column("max_age", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_intervention_type")),
    )
    op.create_table(
        "linkage_family_tie",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("related_person_id", sa.String(length=40), nullable=False),
        sa.Column("source", sa.String(length=40), nullable=False),
        sa.Column("evidence", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_family_tie")),
        sa.UniqueConstraint(
            "person_id", "related_person_id", "source", name="uq_linkage_family_tie"
        ),
    )
    op.create_index(
        "ix_linkage_family_tie_person", "linkage_family_tie", ["person_id"], unique=False
    )
    op.create_table(
        "linkage_model",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("fingerprint", sa.String(length=64), nullable=False),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("splink_version", sa.String(length=20), nullable=False),
        sa.Column("settings", JSON, nullable=False),
        sa.Column("thresholds", JSON, nullable=False),
        sa.Column("term_frequencies", JSON, nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_model")),
    )
    op.create_table(
        "outbox",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox")),
    )
    op.create_index("ix_outbox_unpublished", "outbox", ["published_at"], unique=False)
    op.create_table(
        "person",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person")),
    )
    op.create_table(
        "privacy_notice",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_role", sa.String(length=40), nullable=True),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("details", JSON, nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('OPEN', 'CLOSED')", name=op.f("ck_privacy_notice_notice_status_known")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_privacy_notice")),
    )
    op.create_index(
        "ix_privacy_notice_open", "privacy_notice", ["status", "kind", "actor"], unique=False
    )
    op.create_table(
        "risk_model",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_through", sa.Date(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("training", JSON, nullable=False),
        sa.Column("artefact", sa.LargeBinary(), nullable=False),
        sa.Column("artefact_sha256", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_model")),
    )
    op.create_table(
        "sign_in_throttle",
        sa.Column("scope", sa.String(length=10), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("scope", "key", name=op.f("pk_sign_in_throttle")),
    )
    op.create_index(
        "ix_sign_in_throttle_last_failure", "sign_in_throttle", ["last_failure_at"], unique=False
    )
    op.create_table(
        "triage_case",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("opened_by", sa.String(length=200), nullable=False),
        sa.Column("agency", sa.String(length=40), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", sa.Text(), nullable=True),
        sa.Column("due_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("prompted_by", sa.String(length=40), nullable=True),
        sa.Column("closed_by", sa.String(length=200), nullable=True),
        sa.Column("closing_reason", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_triage_case")),
    )
    op.create_index("ix_triage_case_person", "triage_case", ["person_id"], unique=False)
    op.create_table(
        "access_review_task",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("emergency_access_id", ID, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assigned_role", sa.String(length=40), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("reviewer", sa.String(length=200), nullable=True),
        sa.Column("outcome", sa.String(length=20), nullable=True),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IS NULL OR outcome IN ('APPROPRIATE', 'INAPPROPRIATE', 'NEEDS_FOLLOW_UP')",
            name=op.f("ck_access_review_task_outcome_known"),
        ),
        sa.CheckConstraint(
            "status IN ('OPEN', 'CLOSED')", name=op.f("ck_access_review_task_status_known")
        ),
        sa.ForeignKeyConstraint(
            ["emergency_access_id"],
            ["emergency_access.id"],
            name=op.f("fk_access_review_task_emergency_access_id_emergency_access"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_access_review_task")),
        sa.UniqueConstraint(
            "emergency_access_id", name=op.f("uq_access_review_task_emergency_access_id")
        ),
    )
    op.create_index("ix_access_review_task_status", "access_review_task", ["status"], unique=False)
    op.create_table(
        "account_session",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("token_sha256", sa.String(length=64), nullable=False),
        sa.Column("account_id", ID, nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
        sa.Column("purpose", sa.String(length=40), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["account.id"],
            name=op.f("fk_account_session_account_id_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_account_session")),
        sa.UniqueConstraint("token_sha256", name=op.f("uq_account_session_token_sha256")),
    )
    op.create_index("ix_account_session_account", "account_session", ["account_id"], unique=False)
    op.create_table(
        "alert_message",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("alert_id", ID, nullable=False),
        sa.Column("channel", sa.String(length=10), nullable=False),
        sa.Column("target", sa.String(length=400), nullable=False),
        sa.Column("message_key", sa.String(length=500), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", sa.String(length=80), nullable=True),
        sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["alert.id"],
            name=op.f("fk_alert_message_alert_id_alert"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_message")),
        sa.UniqueConstraint("message_key", name="uq_alert_message_key"),
    )
    op.create_index(
        "ix_alert_message_due", "alert_message", ["status", "next_attempt_at"], unique=False
    )
    op.create_table(
        "delivery",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("feed_format", sa.String(length=40), nullable=False),
        sa.Column("partnership", sa.String(length=200), nullable=True),
        sa.Column("extracted_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("manifest_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_path", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("inserted", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "rows = accepted + quarantined", name=op.f("ck_delivery_rows_accounted")
        ),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_delivery_agency_id_agency")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery")),
        sa.UniqueConstraint("agency_id", "manifest_sha256", name="uq_delivery_agency_manifest"),
    )
    op.create_table(
        "household_member",
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["household.id"],
            name=op.f("fk_household_member_household_id_household"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_household_member_person_id_person")
        ),
        sa.PrimaryKeyConstraint("household_id", "person_id", name=op.f("pk_household_member")),
    )
    op.create_table(
        "intervention",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("external_id", sa.String(length=120), nullable=False),
        sa.Column("type_code", sa.String(length=60), nullable=False),
        sa.Column("person_agency", sa.String(length=40), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("provider", sa.String(length=200), nullable=False),
        sa.Column("cost_pence", sa.Integer(), nullable=True),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["type_code"],
            ["intervention_type.code"],
            name=op.f("fk_intervention_type_code_intervention_type"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_intervention")),
        sa.UniqueConstraint("external_id", name=op.f("uq_intervention_external_id")),
    )
    op.create_index(
        "ix_intervention_person",
        "intervention",
        ["person_agency", "person_source_id"],
        unique=False,
    )
    op.create_index("ix_intervention_start", "intervention", ["start_date"], unique=False)
    op.create_index(op.f("ix_intervention_type_code"), "intervention", ["type_code"], unique=False)
    op.create_table(
        "linkage_run",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("backend", sa.String(length=20), nullable=False),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("records", sa.Integer(), nullable=False),
        sa.Column("comparisons", sa.Integer(), nullable=False),
        sa.Column("persons", sa.Integer(), nullable=False),
        sa.Column("summary", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["linkage_model.id"], name=op.f("fk_linkage_run_model_id_linkage_model")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_run")),
    )
    op.create_table(
        "risk_score",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("model_id", ID, nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("scored_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("current", sa.Boolean(), nullable=False),
        sa.Column("probability_6m", sa.Float(), nullable=False),
        sa.Column("probability_12m", sa.Float(), nullable=False),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("school_urn", sa.String(length=20), nullable=True),
        sa.Column("factor_codes", JSON, nullable=False),
        sa.Column("factors", JSON, nullable=False),
        sa.Column("contributions", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["risk_model.id"], name=op.f("fk_risk_score_model_id_risk_model")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_score")),
    )
    op.create_index(
        "ix_risk_score_current", "risk_score", ["current", "probability_12m"], unique=False
    )
    op.create_index("ix_risk_score_person", "risk_score", ["person_id", "current"], unique=False)
    op.create_table(
        "delivery_file",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("path", sa.String(length=400), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("accepted", sa.Integer(), nullable=False),
        sa.Column("warnings", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.CheckConstraint(
            "rows = accepted + quarantined", name=op.f("ck_delivery_file_rows_accounted")
        ),
        sa.CheckConstraint(
            "warnings <= accepted", name=op.f("ck_delivery_file_warnings_within_accepted")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_delivery_file_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_delivery_file")),
        sa.UniqueConstraint("delivery_id", "path", name="uq_delivery_file_path"),
    )
    op.create_table(
        "linkage_change",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("other_person_ids", JSON, nullable=False),
        sa.Column("record_keys", JSON, nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_change_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_change")),
    )
    op.create_index("ix_linkage_change_person", "linkage_change", ["person_id"], unique=False)
    op.create_index("ix_linkage_change_run", "linkage_change", ["run_id"], unique=False)
    op.create_table(
        "linkage_household",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("address_key", sa.String(length=400), nullable=False),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("run_id", ID, nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_household_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_household")),
    )
    op.create_table(
        "linkage_record",
        sa.Column("record_key", sa.String(length=300), nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=True),
        sa.Column("run_id", ID, nullable=False),
        sa.Column("identity", JSON, nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_linkage_record_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_record_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("record_key", name=op.f("pk_linkage_record")),
    )
    op.create_index("ix_linkage_record_person", "linkage_record", ["person_id"], unique=False)
    op.create_index(
        "ix_linkage_record_source",
        "linkage_record",
        ["agency_id", "source_id", "source_table"],
        unique=False,
    )
    op.create_table(
        "linkage_review",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("record_key_l", sa.String(length=300), nullable=False),
        sa.Column("record_key_r", sa.String(length=300), nullable=False),
        sa.Column("match_weight", sa.Float(), nullable=False),
        sa.Column("match_probability", sa.Float(), nullable=False),
        sa.Column("evidence", JSON, nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("run_id", ID, nullable=True),
        sa.Column("decision", sa.String(length=10), nullable=True),
        sa.Column("decided_by", sa.String(length=200), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["run_id"], ["linkage_run.id"], name=op.f("fk_linkage_review_run_id_linkage_run")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_review")),
        sa.UniqueConstraint("record_key_l", "record_key_r", name="uq_linkage_review_pair"),
    )
    op.create_index("ix_linkage_review_status", "linkage_review", ["status"], unique=False)
    op.create_table(
        "quarantined_row",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("file", sa.String(length=400), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("reason_codes", JSON, nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("resolved_by_delivery_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_quarantined_row_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_quarantined_row_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["resolved_by_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_quarantined_row_resolved_by_delivery_id_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantined_row")),
    )
    op.create_index(
        "ix_quarantined_row_agency_status", "quarantined_row", ["agency_id", "status"], unique=False
    )
    op.create_table(
        "risk_decision",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score_id", ID, nullable=True),
        sa.Column("probability_12m", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=True),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["score_id"], ["risk_score.id"], name=op.f("fk_risk_decision_score_id_risk_score")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_decision")),
    )
    op.create_index("ix_risk_decision_person", "risk_decision", ["person_id"], unique=False)
    op.create_table(
        "risk_rescore_request",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("outcome", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_risk_rescore_request_delivery_id_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_rescore_request")),
    )
    op.create_index(
        "ix_risk_rescore_request_open", "risk_rescore_request", ["done_at", "id"], unique=False
    )
    op.create_table(
        "row_finding",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("file", sa.String(length=400), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("severity", sa.String(length=10), nullable=False),
        sa.Column("code", sa.String(length=60), nullable=False),
        sa.Column("field", sa.String(length=120), nullable=True),
        sa.Column("message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_row_finding_delivery_id_delivery"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_row_finding")),
    )
    op.create_index(
        "ix_row_finding_delivery_code", "row_finding", ["delivery_id", "code"], unique=False
    )
    op.create_table(
        "source_record",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("first_delivery_id", ID, nullable=False),
        sa.Column("last_changed_delivery_id", ID, nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agency.id"], name=op.f("fk_source_record_agency_id_agency")
        ),
        sa.ForeignKeyConstraint(
            ["first_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_first_delivery_id_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["last_changed_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_last_changed_delivery_id_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record")),
        sa.UniqueConstraint("agency_id", "source_table", "source_id", name="uq_source_record_key"),
    )
    op.create_table(
        "address",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("line", sa.String(length=400), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_address_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_address")),
    )
    op.create_index("ix_address_person", "address", ["agency_id", "person_source_id"], unique=False)
    op.create_index("ix_address_source_record", "address", ["source_record_id"], unique=False)
    op.create_table(
        "event",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("event_type", sa.String(length=80), nullable=False),
        sa.Column("occurred_on", sa.Date(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_on", sa.Date(), nullable=True),
        sa.Column("role", sa.String(length=60), nullable=True),
        sa.Column("codes", JSON, nullable=False),
        sa.Column("detail", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_event_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_event")),
    )
    op.create_index("ix_event_occurred_on", "event", ["occurred_on"], unique=False)
    op.create_index("ix_event_person", "event", ["agency_id", "person_source_id"], unique=False)
    op.create_index("ix_event_source_record", "event", ["source_record_id"], unique=False)
    op.create_table(
        "family_membership",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("family_source_id", sa.String(length=200), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_family_membership_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_family_membership")),
    )
    op.create_index(
        "ix_family_membership_family",
        "family_membership",
        ["agency_id", "family_source_id"],
        unique=False,
    )
    op.create_index(
        "ix_family_membership_source_record",
        "family_membership",
        ["source_record_id"],
        unique=False,
    )
    op.create_table(
        "involvement",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("practitioner_key", sa.String(length=200), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("role", sa.String(length=120), nullable=True),
        sa.Column("start_date", sa.Date(), nullable=True),
        sa.Column("end_date", sa.Date(), nullable=True),
        sa.Column("is_lead", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_involvement_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_involvement")),
    )
    op.create_index(
        "ix_involvement_person", "involvement", ["agency_id", "person_source_id"], unique=False
    )
    op.create_index(
        "ix_involvement_source_record", "involvement", ["source_record_id"], unique=False
    )
    op.create_table(
        "linkage_household_member",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("household_id", sa.String(length=40), nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("from_date", sa.Date(), nullable=True),
        sa.Column("to_date", sa.Date(), nullable=True),
        sa.Column("evidence", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["household_id"],
            ["linkage_household.id"],
            name=op.f("fk_linkage_household_member_household_id_linkage_household"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_linkage_household_member")),
    )
    op.create_index(
        "ix_linkage_household_member_household",
        "linkage_household_member",
        ["household_id"],
        unique=False,
    )
    op.create_index(
        "ix_linkage_household_member_person",
        "linkage_household_member",
        ["person_id"],
        unique=False,
    )
    op.create_table(
        "person_identifier",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("person_source_id", sa.String(length=200), nullable=False),
        sa.Column("identifier_type", sa.String(length=20), nullable=False),
        sa.Column("value", sa.String(length=20), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_identifier_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_identifier")),
    )
    op.create_index(
        "ix_person_identifier_person",
        "person_identifier",
        ["agency_id", "person_source_id"],
        unique=False,
    )
    op.create_index(
        "ix_person_identifier_source_record",
        "person_identifier",
        ["source_record_id"],
        unique=False,
    )
    op.create_table(
        "person_record",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=False),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("source_table", sa.String(length=80), nullable=False),
        sa.Column("source_id", sa.String(length=200), nullable=False),
        sa.Column("forenames", sa.String(length=200), nullable=True),
        sa.Column("surname", sa.String(length=200), nullable=True),
        sa.Column("date_of_birth", sa.Date(), nullable=True),
        sa.Column("sex", sa.String(length=1), nullable=False),
        sa.Column("nhs_number", sa.String(length=10), nullable=True),
        sa.Column("upn", sa.String(length=13), nullable=True),
        sa.Column("postcode", sa.String(length=10), nullable=True),
        sa.Column("address_line", sa.String(length=400), nullable=True),
        sa.Column("ethnicity", sa.String(length=8), nullable=True),
        sa.Column("other_names", JSON, nullable=False),
        sa.Column("attributes", JSON, nullable=False),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_person_record_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_person_record")),
        sa.UniqueConstraint("agency_id", "source_table", "source_id", name="uq_person_record_key"),
        sa.UniqueConstraint("source_record_id", name=op.f("uq_person_record_source_record_id")),
    )
    op.create_index(
        "ix_person_record_dob_surname", "person_record", ["date_of_birth", "surname"], unique=False
    )
    op.create_index("ix_person_record_nhs", "person_record", ["nhs_number"], unique=False)
    op.create_index("ix_person_record_postcode", "person_record", ["postcode"], unique=False)
    op.create_index(
        "ix_person_record_surname_forenames",
        "person_record",
        ["surname", "forenames"],
        unique=False,
    )
    op.create_index(
        "ix_person_record_surname_lower",
        "person_record",
        [sa.literal_column("lower(surname)")],
        unique=False,
    )
    op.create_index("ix_person_record_upn", "person_record", ["upn"], unique=False)
    op.create_table(
        "practitioner",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=True),
        sa.Column("agency_id", sa.String(length=40), nullable=False),
        sa.Column("practitioner_key", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=320), nullable=True),
        sa.Column("team", sa.String(length=200), nullable=True),
        sa.Column("role", sa.String(length=200), nullable=True),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_practitioner_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_practitioner")),
        sa.UniqueConstraint("agency_id", "practitioner_key", name="uq_practitioner_key"),
    )
    op.create_table(
        "source_record_version",
        sa.Column("id", ID, autoincrement=True, nullable=False),
        sa.Column("source_record_id", ID, nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("content_sha256", sa.String(length=64), nullable=False),
        sa.Column("payload", JSON, nullable=True),
        sa.Column("delivery_id", ID, nullable=False),
        sa.Column("superseded_by_delivery_id", ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_version_delivery_id_delivery"),
        ),
        sa.ForeignKeyConstraint(
            ["source_record_id"],
            ["source_record.id"],
            name=op.f("fk_source_record_version_source_record_id_source_record"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["superseded_by_delivery_id"],
            ["delivery.id"],
            name=op.f("fk_source_record_version_superseded_by_delivery_id_delivery"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_source_record_version")),
        sa.UniqueConstraint("source_record_id", "version", name="uq_source_record_version"),
    )
    op.create_table(
        "person_link",
        sa.Column("person_record_id", ID, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("match_probability", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["person_id"], ["person.id"], name=op.f("fk_person_link_person_id_person")
        ),
        sa.ForeignKeyConstraint(
            ["person_record_id"],
            ["person_record.id"],
            name=op.f("fk_person_link_person_record_id_person_record"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("person_record_id", name=op.f("pk_person_link")),
    )
    op.create_index(op.f("ix_person_link_person_id"), "person_link", ["person_id"], unique=False)
    # ### end Alembic commands

    agency = sa.table(
        "agency",
        sa.column("id", sa.String),
        sa.column("name", sa.String),
        sa.column("feed_format", sa.String),
        sa.column("statutory_partner", sa.Boolean),
    )
    op.bulk_insert(
        agency,
        [{"id": i, "name": n, "feed_format": f, "statutory_partner": s} for i, n, f, s in AGENCIES],
    )


def downgrade() -> None:
    op.drop_table("person_link")
    op.drop_table("source_record_version")
    op.drop_table("practitioner")
    op.drop_table("person_record")
    op.drop_table("person_identifier")
    op.drop_table("linkage_household_member")
    op.drop_table("involvement")
    op.drop_table("family_membership")
    op.drop_table("event")
    op.drop_table("address")
    op.drop_table("source_record")
    op.drop_table("row_finding")
    op.drop_table("risk_rescore_request")
    op.drop_table("risk_decision")
    op.drop_table("quarantined_row")
    op.drop_table("linkage_review")
    op.drop_table("linkage_record")
    op.drop_table("linkage_household")
    op.drop_table("linkage_change")
    op.drop_table("delivery_file")
    op.drop_table("risk_score")
    op.drop_table("linkage_run")
    op.drop_table("intervention")
    op.drop_table("household_member")
    op.drop_table("delivery")
    op.drop_table("alert_message")
    op.drop_table("account_session")
    op.drop_table("access_review_task")
    op.drop_table("triage_case")
    op.drop_table("sign_in_throttle")
    op.drop_table("risk_model")
    op.drop_table("privacy_notice")
    op.drop_table("person")
    op.drop_table("outbox")
    op.drop_table("linkage_model")
    op.drop_table("linkage_family_tie")
    op.drop_table("intervention_type")
    op.drop_table("household")
    op.drop_table("emergency_access")
    op.drop_table("concern")
    op.drop_table("audit_tree_head")
    op.drop_table("audit_entry")
    op.drop_table("alert_worker")
    op.drop_table("alert_trigger")
    op.drop_table("alert_dead_letter")
    op.drop_table("alert")
    op.drop_table("agreement_version")
    op.drop_table("agency")
    op.drop_table("account")

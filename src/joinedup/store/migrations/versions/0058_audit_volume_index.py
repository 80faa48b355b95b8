"""An index for the volume limits' count: an account's entries of one kind since a time.

``governance.notices.done_since`` counts, before every search, the account's searches in the
last hour. With only one-column indexes SQLite chose ``ix_audit_entry_kind`` and read every
search anyone had ever made (20 ms a search after 4,400 of them on the 5,000-child demo
store, growing with the log); on this index it reads only the account's entries in the
window.

Revision ID: 0058_audit_volume_index
Revises: 0057_last_looked
Create Date: 2026-12-07
"""

from __future__ import annotations

from alembic import op

revision = "0058_audit_volume_index"
down_revision = "0057_last_looked"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_audit_entry_actor_kind_recorded_at",
        "audit_entry",
        ["actor", "kind", "recorded_at"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_audit_entry_actor_kind_recorded_at", table_name="audit_entry")

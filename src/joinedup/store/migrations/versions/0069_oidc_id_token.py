"""An OIDC session's ID token, kept server-side so that logging out of joinedup ends the
identity provider's session too (issue 23).

Revision ID: 0069_oidc_id_token
Revises: 0064_receiving
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0069_oidc_id_token"
down_revision = "0064_receiving"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("account_session", sa.Column("id_token", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("account_session") as batch:
        batch.drop_column("id_token")

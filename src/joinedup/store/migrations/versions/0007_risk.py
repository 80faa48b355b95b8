"""Risk summary and triage: trained models, scores per child and date, triage decisions.

Revision ID: 0007_risk
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0007_risk"
down_revision = "0001"
branch_labels = ("risk",)
depends_on = None

Id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
Json = sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "risk_model",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("version", sa.String(length=40), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("trained_through", sa.Date(), nullable=False),
        sa.Column("seed", sa.Integer(), nullable=False),
        sa.Column("threshold", sa.Float(), nullable=False),
        sa.Column("training", Json, nullable=False),
        sa.Column("artefact", sa.LargeBinary(), nullable=False),
        sa.Column("artefact_sha256", sa.String(length=64), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_model")),
    )
    op.create_table(
        "risk_score",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("model_id", Id, nullable=False),
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
        sa.Column("factor_codes", Json, nullable=False),
        sa.Column("factors", Json, nullable=False),
        sa.Column("contributions", Json, nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["risk_model.id"], name=op.f("fk_risk_score_model_id_risk_model")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_score")),
    )
    op.create_index("ix_risk_score_current", "risk_score", ["current", "probability_12m"])
    op.create_index("ix_risk_score_person", "risk_score", ["person_id", "current"])
    op.create_table(
        "risk_decision",
        sa.Column("id", Id, autoincrement=True, nullable=False),
        sa.Column("person_id", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("decided_by", sa.String(length=200), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("score_id", Id, nullable=True),
        sa.Column("probability_12m", sa.Float(), nullable=True),
        sa.Column("rank", sa.Integer(), nullable=True),
        sa.Column("flagged", sa.Boolean(), nullable=True),
        sa.Column("override", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["score_id"], ["risk_score.id"], name=op.f("fk_risk_decision_score_id_risk_score")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_decision")),
    )
    op.create_index("ix_risk_decision_person", "risk_decision", ["person_id"])


def downgrade() -> None:
    op.drop_index("ix_risk_decision_person", table_name="risk_decision")
    op.drop_table("risk_decision")
    op.drop_index("ix_risk_score_person", table_name="risk_score")
    op.drop_index("ix_risk_score_current", table_name="risk_score")
    op.drop_table("risk_score")
    op.drop_table("risk_model")

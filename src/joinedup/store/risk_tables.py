"""Tables of the risk capability (the ``risk`` Alembic branch). Same metadata as the core.

``risk_model``: each trained model (seeded EBM, pickled with its sha256), one active.
``risk_score``: a child's scores at one date by one model; the newest row per child is
``current`` so the triage list is one indexed read; older rows are kept so explanations can
say what changed since the last review. ``risk_decision``: what a practitioner decided about
a child on the triage list (discuss, no further action, refer), with the reason and the rank
and score the list showed, so overrides of the ranking are reported.
``risk_rescore_request``: a delivery to re-score the children of (``alerts.rescoring``).
``exploitation_score``: the exploitation early warning's scores (``services.exploitation``).
"""

from __future__ import annotations

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
)

from joinedup.store.tables import Id, Json, metadata

risk_model = Table(
    "risk_model",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("version", String(40), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("trained_through", Date, nullable=False),
    Column("seed", Integer, nullable=False),
    Column("threshold", Float, nullable=False),
    Column("training", Json, nullable=False, default=dict),  # sizes, dates, metrics
    Column("artefact", LargeBinary, nullable=False),
    Column("artefact_sha256", String(64), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
)

risk_score = Table(
    "risk_score",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("model_id", Id, ForeignKey("risk_model.id"), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    Column("current", Boolean, nullable=False, default=True),
    Column("probability_6m", Float, nullable=False),
    Column("probability_12m", Float, nullable=False),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("status", String(20)),  # open to social care: CIN | EARLY_HELP | CP_PLAN | ...
    Column("date_of_birth", Date),
    Column("team", String(200)),
    Column("school_urn", String(20)),
    Column("factor_codes", Json, nullable=False, default=list),  # for the factor filter
    Column("factor_count", Integer),  # distinct factors in 12 months: the count's ranking
    Column("factors", Json, nullable=False, default=list),  # words, fields, evidence ids
    Column("contributions", Json, nullable=False, default=dict),  # factor -> log-odds
    Index("ix_risk_score_current", "current", "probability_12m"),
    Index("ix_risk_score_person", "person_id", "current"),
)

risk_decision = Table(
    "risk_decision",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("decision", String(20), nullable=False),  # DISCUSS | NO_FURTHER_ACTION | REFER
    Column("reason", Text, nullable=False),
    Column("decided_by", String(200), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("score_id", Id, ForeignKey("risk_score.id")),
    Column("probability_12m", Float),
    Column("rank", Integer),
    Column("flagged", Boolean),
    Column("override", Boolean, nullable=False, default=False),
    Index("ix_risk_decision_person", "person_id"),
)

# A delivery whose events may change children's risk: written in the ingest transaction (so
# a crash loses none), re-scored by the alert worker once the delivery's people are linked.
risk_rescore_request = Table(
    "risk_rescore_request",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("delivery_id", Id, ForeignKey("delivery.id"), nullable=False),
    Column("requested_at", DateTime(timezone=True), nullable=False),
    Column("done_at", DateTime(timezone=True)),
    Column("outcome", Json, nullable=False, default=dict),  # children re-scored, alerts...
    Index("ix_risk_rescore_request_open", "done_at", "id"),
)

# The exploitation early warning's scores (issue 22): children aged 10-17 at one date, the
# newest row per child ``current``; ``why`` holds the largest contributions in words.
exploitation_score = Table(
    "exploitation_score",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("person_id", String(40), nullable=False),
    Column("as_of", Date, nullable=False),
    Column("scored_at", DateTime(timezone=True), nullable=False),
    Column("current", Boolean, nullable=False, default=True),
    Column("probability_12m", Float, nullable=False),
    Column("flagged", Boolean, nullable=False, default=False),
    Column("threshold", Float, nullable=False),
    Column("missing_12m", Integer, nullable=False, default=0),
    Column("why", Json, nullable=False, default=list),
    Index("ix_exploitation_score_current", "current", "probability_12m"),
    Index("ix_exploitation_score_person", "person_id", "current"),
)

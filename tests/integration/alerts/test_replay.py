"""``joinedup replay``: history without alerts, later events as if live, and (with
``rescore_days``) the risk model re-scoring the children whose records changed, so that
RISK_ESCALATION fires in a replay (without it nothing re-scores and it never can)."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.alerts.rules import RULES, EscalationTriggers
from joinedup.errors import BadInput
from joinedup.replay import replay
from joinedup.store.alert_tables import alert
from joinedup.store.risk_tables import risk_score
from joinedup.store.tables import delivery


def _last_incident(partnership: Path) -> date:
    with (partnership / "police" / "incidents.csv").open(encoding="utf-8", newline="") as f:
        return max(date.fromisoformat(r["occurred_at"][:10]) for r in csv.DictReader(f))


def test_replay_rescores_touched_children_and_raises_risk_escalation(
    engine: Engine, partnership: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # why sensitive triggers: this is about the replay's re-scoring reaching the rule, not
    # the defaults (measured on 20,000-child replays, docs/alerts.md); on 300 children the
    # defaults fire for one child or none, depending on the model trained at the start
    rule = RULES["RISK_ESCALATION"]
    sensitive = EscalationTriggers(crossing=True, rise=0.001, new_high_weight_factor=True)
    monkeypatch.setitem(RULES, "RISK_ESCALATION", replace(rule, escalation=sensitive))
    # 150 days: 24 weekly passes (26 alerts when measured; 63 days gave 4)
    start = _last_incident(partnership) - timedelta(days=150)
    result = replay(engine, partnership, start.isoformat(), slice_days=7, rescore_days=7)

    rescoring = result["risk_rescoring"]
    assert rescoring["passes"] == result["replay"]["slices"]
    assert rescoring["children_scored_at_start"] > 0
    assert rescoring["children_rescored"] > 0
    with engine.connect() as connection:
        by_rule = dict(
            connection.execute(
                select(alert.c.rule_id, func.count()).group_by(alert.c.rule_id)
            ).all()
        )
        rescored_after_start = connection.execute(
            select(func.count()).select_from(risk_score).where(risk_score.c.as_of > start)
        ).scalar_one()
        risk_raised_at = connection.execute(
            select(alert.c.raised_at).where(alert.c.rule_id == "RISK_ESCALATION")
        ).scalars()
        days = {r.date() for r in risk_raised_at}
    assert by_rule.get("RISK_ESCALATION", 0) == rescoring["risk_escalation_alerts"] > 0
    assert result["alerts"]["by_rule"]["RISK_ESCALATION"] == by_rule["RISK_ESCALATION"]
    assert rescored_after_start >= rescoring["children_rescored"]
    # Raised in simulated time, at a pass after the replay began, never for history.
    assert days and all(start < d <= date.fromisoformat(result["until"]) for d in days)


def test_without_rescoring_no_risk_model_is_trained(engine: Engine, partnership: Path) -> None:
    start = _last_incident(partnership) - timedelta(days=14)
    result = replay(engine, partnership, start.isoformat(), slice_days=7)

    assert result["risk_rescoring"] == "not run (--rescore-days)"
    assert "RISK_ESCALATION" not in result["alerts"]["by_rule"]
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(risk_score)).scalar_one() == 0


def test_a_negative_rescore_interval_is_refused_before_anything_is_loaded(
    engine: Engine, partnership: Path
) -> None:
    start = _last_incident(partnership) - timedelta(days=7)
    with pytest.raises(BadInput, match="rescore-days"):
        replay(engine, partnership, start.isoformat(), rescore_days=-1)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(delivery)).scalar_one() == 0

"""Alerts already at the MASH (the last stop: they stay overdue on the dashboard) are not
selected for escalation: the oldest of them filled each cycle's batch and no newer overdue
alert was ever escalated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, select

from joinedup.alerts import escalation, raising, routing
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.rules import RULES
from joinedup.config import alert_settings
from joinedup.store.alert_tables import alert
from tests.support.alerts import social_worker


def _raise(engine: Engine, to: routing.Recipient, cause: str, days_ago: int) -> int:
    at = datetime.now(UTC) - timedelta(days=days_ago)
    finding = Finding(RULES["CHILD_SELF_HARM"], "P-1", [], cause, at.date(), at, {}, "seen")
    with engine.begin() as c:
        alert_id, _ = raising.raise_alert(c, finding, to, alert_settings(), at, fold=False)
    assert alert_id is not None
    return alert_id


def test_overdue_alerts_at_the_mash_do_not_fill_the_batch(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(escalation, "PER_CYCLE", 2)
    mash = routing.mash(alert_settings())
    for n in range(3):
        _raise(engine, mash, f"old-{n}", days_ago=30)
    lead = _raise(engine, social_worker("lead.one"), "new", days_ago=7)

    assert escalation.escalate_overdue(engine, alert_settings()) == 1
    with engine.connect() as c:
        status = c.execute(select(alert.c.status).where(alert.c.id == lead)).scalar_one()
    assert status == "ESCALATED"

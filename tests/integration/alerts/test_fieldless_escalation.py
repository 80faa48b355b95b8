"""Issue 17, finding 2: one overdue RISK_ESCALATION or CONCERN_RECORDED alert ended the alerts
worker with ``KeyError: '_'``. Those rules show no catalogue field, and escalating their
alerts asked the policy decision point for a made-up field ``_``. Delivery, escalation,
concern relay and live re-scoring all stopped, and nothing said so.

What an escalation of a field-less rule carries: the rule's title, that the alert to its
first recipient was not acknowledged in time, whom to contact (the alert's own contact: for
a concern, the practitioner who recorded it) and where to look (the child's single view,
governed when opened). Not the concern's words, which its recorder shared with the lead
practitioners only, and not the risk change's reasons: the policy has no field to decide
them on, so the escalation shows nothing that needs a decision and asks for none."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from typer.testing import CliRunner

from joinedup.alerts import raising
from joinedup.alerts.evaluate import Finding
from joinedup.alerts.rules import RULES
from joinedup.cli import app
from joinedup.config import alert_settings
from joinedup.store.alert_tables import alert
from joinedup.store.audit_tables import audit_entry
from tests.support.alerts import social_worker

runner = CliRunner()
WORDS = "Mum said the boyfriend is back; the child seemed frightened"


def _overdue(engine: Engine, rule_id: str, child: str, summary: str, extra: dict) -> int:
    raised = datetime.now(UTC) - timedelta(days=7)  # one working day has long passed
    finding = Finding(
        RULES[rule_id], child, [], f"cause-{child}", raised.date(), raised, {}, summary, extra
    )
    with engine.begin() as connection:
        alert_id, what = raising.raise_alert(
            connection, finding, social_worker("lead.one"), alert_settings(), raised, fold=False
        )
    assert what == "raised" and alert_id is not None
    return alert_id


@pytest.fixture
def overdue(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("JOINEDUP_ALERT_DUTY_TEAMS", "social_care=duty.sc@example.org")
    for name in ("JOINEDUP_SMTP_URL", "JOINEDUP_ALERT_WEBHOOK_URL"):
        monkeypatch.delenv(name, raising=False)
    risk = _overdue(
        engine,
        "RISK_ESCALATION",
        "P-RISK",
        "The child's advisory risk summary escalated: crossed the triage threshold",
        {"_risk": {"band": 1}},
    )
    concern = _overdue(
        engine,
        "CONCERN_RECORDED",
        "P-CONCERN",
        f"sam.teacher (education) recorded a concern: {WORDS}",
        {"contact": {"name": "sam.teacher (education)", "email": ""}},
    )
    return {"RISK_ESCALATION": risk, "CONCERN_RECORDED": concern}


def test_the_worker_escalates_overdue_alerts_of_rules_without_fields(
    engine: Engine, overdue: dict[str, int]
) -> None:
    result = runner.invoke(app, ["alerts", "worker", "--once", "--json"])
    assert result.exit_code == 0, (result.output, result.exception)
    assert json.loads(result.output)["escalated"] == 2

    with engine.connect() as c:
        rows = {r.id: r for r in c.execute(select(alert))}
        asked = c.execute(
            select(func.count()).select_from(audit_entry).where(audit_entry.c.kind == "ACCESS")
        ).scalar_one()
    for rule_id, first in overdue.items():
        assert rows[first].status == "ESCALATED"
        (escalation,) = [r for r in rows.values() if r.parent_alert_id == first]
        assert (escalation.rule_id, escalation.level) == (rule_id, 1)
        assert escalation.recipient_kind == "MANAGER"
        assert escalation.recipient_email == "duty.sc@example.org"
        shown = escalation.content
        assert escalation.title == RULES[rule_id].title
        assert "not acknowledged in time" in shown["what_happened"].lower()
        assert "details" not in shown and "withheld" not in shown
        assert shown["contact"] == rows[first].content["contact"]
        assert "P-" in shown["where_to_look"]
    escalated = {r.rule_id: r.content for r in rows.values() if r.level == 1}
    assert WORDS not in json.dumps(escalated["CONCERN_RECORDED"])  # shared with the leads only
    assert "threshold" not in json.dumps(escalated["RISK_ESCALATION"])
    assert asked == 0  # nothing that needs a decision was shown, so none was asked for


def test_a_second_cycle_escalates_to_the_mash_and_stops_there(
    engine: Engine, overdue: dict[str, int]
) -> None:
    assert runner.invoke(app, ["alerts", "worker", "--once"]).exit_code == 0
    with engine.begin() as c:
        c.execute(
            alert.update()
            .where(alert.c.level == 1)
            .values(due_at=datetime.now(UTC) - timedelta(minutes=1))
        )
    assert runner.invoke(app, ["alerts", "worker", "--once"]).exit_code == 0
    with engine.connect() as c:
        kinds = sorted(
            (r.rule_id, r.level, r.recipient_kind, r.status) for r in c.execute(select(alert))
        )
    assert kinds == [
        ("CONCERN_RECORDED", 0, "LEAD", "ESCALATED"),
        ("CONCERN_RECORDED", 1, "MANAGER", "ESCALATED"),
        ("CONCERN_RECORDED", 2, "MASH", "OPEN"),
        ("RISK_ESCALATION", 0, "LEAD", "ESCALATED"),
        ("RISK_ESCALATION", 1, "MANAGER", "ESCALATED"),
        ("RISK_ESCALATION", 2, "MASH", "OPEN"),
    ]

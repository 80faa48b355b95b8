"""A rule that raises on one event no longer refuses the whole delivery it came in: the
delivery is stored, the event's trigger waits, and the worker evaluates it alone, so the
failure is a dead letter at "rule evaluation" and the alert is raised once the rule works."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select, update

from joinedup.alerts import evaluate, worker
from joinedup.alerts import inbox as alert_inbox
from joinedup.services import ingest
from joinedup.store.alert_tables import alert_dead_letter, alert_trigger

from .conftest import child_on_plan_with_patient, patient_resource, write_health_encounter


def test_a_failing_rule_does_not_refuse_the_delivery(
    loaded: Engine, partnership: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = evaluate.CONDITIONS["CP_IS"]
    broken = [True]

    def cp_is(connection: Any, event: Any, subject: Any) -> Any:
        if broken[0]:
            raise RuntimeError("the rule has a defect")
        return real(connection, event, subject)

    monkeypatch.setitem(evaluate.CONDITIONS, "CP_IS", cp_is)
    child, patient_id = child_on_plan_with_patient(loaded)
    folder = write_health_encounter(
        tmp_path, patient_resource(partnership, patient_id), "INJURY", "EMER"
    )
    report = ingest(loaded, folder, link=False)
    assert report.status == "ingested"
    with loaded.connect() as c:
        assert set(c.execute(select(alert_trigger.c.status)).scalars()) == {"PENDING"}
    assert alert_inbox.list_alerts(loaded, rule="CP_IS") == []

    worker.cycle(loaded, "w")
    with loaded.connect() as c:
        (letter,) = c.execute(select(alert_dead_letter)).all()
    assert (letter.kind, letter.stage, letter.error_class) == (
        "trigger",
        "rule evaluation",
        "RuntimeError",
    )

    broken[0] = False
    with loaded.begin() as c:
        c.execute(
            update(alert_dead_letter).values(
                next_attempt_at=datetime.now(UTC) - timedelta(seconds=1)
            )
        )
    assert worker.cycle(loaded, "w").recovered == 1
    assert [a["child"] for a in alert_inbox.list_alerts(loaded, rule="CP_IS")] == [child]

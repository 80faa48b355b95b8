"""Live deliveries raise alerts: in the ingest transaction, or once linking has run; routed
to the lead practitioner, minimised by governance, delivered by real SMTP and HTTP servers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select, text, update

from joinedup.alerts import channels, dead_letters, worker
from joinedup.alerts import inbox as alert_inbox
from joinedup.alerts.raising import NOT_SHARED
from joinedup.config import alert_settings
from joinedup.services import ingest
from joinedup.store.alert_tables import alert, alert_message, alert_trigger
from joinedup.store.governance_tables import agreement_version

from .conftest import (
    child_on_plan_with_patient,
    patient_resource,
    pupil_on_roll,
    write_health_encounter,
    write_police,
)
from .servers import http_server, smtp_server


def _police_people(pupil: dict) -> list[dict]:
    return [
        {
            "person_id": "LIVE-C1",
            "forenames": pupil["forenames"],
            "surname": pupil["surname"],
            "date_of_birth": str(pupil["date_of_birth"])[:10],
            "gender": "U",
            "address_line": pupil["address_line"] or "",
            "postcode": pupil["postcode"] or "",
        },
        {
            "person_id": "LIVE-A1",
            "forenames": "Adam",
            "surname": "Testperson",
            "date_of_birth": "1980-02-03",
            "gender": "M",
            "postcode": pupil["postcode"] or "",
        },
    ]


def test_operation_encompass_reaches_the_school_dsl_by_email(
    loaded: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    pupil = pupil_on_roll(loaded)
    folder = write_police(
        tmp_path,
        _police_people(pupil),
        "INC-LIVE-1",
        "DOMESTIC_ABUSE",
        {"LIVE-C1": "CHILD_PRESENT", "LIVE-A1": "SUSPECT"},
    )
    report = ingest(loaded, folder)
    assert report.linking and report.linking["status"] == "linked"
    with loaded.connect() as c:
        assert c.execute(select(alert_trigger.c.status)).scalars().all()  # written with the events
    with smtp_server() as (url, mailbox):
        monkeypatch.setenv("JOINEDUP_SMTP_URL", url)
        worker.cycle(loaded, "test-worker")  # the new records are linked now
        found = alert_inbox.list_alerts(loaded, rule="OPERATION_ENCOMPASS")
        # The child present, and any other child living in the household: one alert each.
        children = [a["child"] for a in found]
        assert len(children) == len(set(children)) and pupil["person_id"] in children
        (sent,) = [a for a in found if a["child"] == pupil["person_id"]]
        assert sent["recipient"]["key"] == pupil["practitioner_key"]
        assert sent["shared"] is True
        shown = sent["content"]["details"]
        assert set(shown) == {"police.domestic_abuse"}
        assert set(shown["police.domestic_abuse"]) == {
            "child",
            "date_of_birth",
            "incident_date",
            "incident_time",
            "child_present",
            "welfare_check",
            "childrens_services_told",
        }  # not who, where or what
        emailed = [a for a in found if a["recipient"]["email"]]
        assert len(mailbox.messages) == len(emailed)
        (mail,) = [m for m in mailbox.messages if m["X-JoinedUp-Alert"] == str(sent["id"])]
        assert mail["To"] == sent["recipient"]["email"]
        assert "Testperson" not in mail.get_payload()  # the suspect is never named
        # Re-delivering the incident raises nothing more.
        assert ingest(loaded, folder).status == "unchanged"
        worker.cycle(loaded, "test-worker")
        assert len(alert_inbox.list_alerts(loaded, rule="OPERATION_ENCOMPASS")) == len(found)
        assert len(mailbox.messages) == len(emailed)


def test_cp_is_is_written_in_the_ingest_transaction(loaded: Engine, partnership: Path, tmp_path):
    child, patient_id = child_on_plan_with_patient(loaded)
    folder = write_health_encounter(
        tmp_path, patient_resource(partnership, patient_id), "INJURY", "EMER"
    )
    ingest(loaded, folder, link=False)  # no worker, no linking: the ingest alone raised it
    found = alert_inbox.list_alerts(loaded, rule="CP_IS")
    assert [a["child"] for a in found] == [child]
    cp_is = found[0]
    assert cp_is["recipient"]["kind"] == "LEAD" and cp_is["recipient"]["agency"] == "social_care"
    assert cp_is["shared"] is True
    assert cp_is["content"]["details"]["health.encounters"]["class"] == "EMER"
    assert cp_is["due_at"] - cp_is["raised_at"] == timedelta(hours=1)
    with loaded.connect() as c:
        audit = c.execute(
            text("SELECT count(*) FROM audit_entry WHERE kind = 'ACCESS' AND subject = :c"),
            {"c": child},
        ).scalar()
    assert audit >= 1  # the governance decision on what to share was recorded


def test_without_an_agreement_the_alert_only_says_whom_to_contact(
    loaded: Engine, partnership: Path, tmp_path: Path
) -> None:
    with loaded.begin() as c:
        c.execute(delete(agreement_version))
    child, patient_id = child_on_plan_with_patient(loaded)
    folder = write_health_encounter(
        tmp_path, patient_resource(partnership, patient_id), "BURN", "EMER"
    )
    ingest(loaded, folder, link=False)
    (found,) = alert_inbox.list_alerts(loaded, rule="CP_IS")
    assert found["shared"] is False
    assert "details" not in found["content"]
    assert found["content"]["what_happened"] == NOT_SHARED
    assert found["content"]["contact"]["email"]
    assert "BURN" not in json.dumps(found, default=str) and "EMER" not in found["title"]


def test_signed_webhook_retries_with_backoff(
    loaded: Engine, partnership: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(dead_letters, "BACKOFF_BASE_SECONDS", 0.0)
    with http_server(fail_first=2) as (url, hooks):
        monkeypatch.setenv("JOINEDUP_ALERT_WEBHOOK_URL", url)
        monkeypatch.setenv("JOINEDUP_ALERT_WEBHOOK_SECRET", "s3cret")
        child, patient_id = child_on_plan_with_patient(loaded)
        folder = write_health_encounter(
            tmp_path, patient_resource(partnership, patient_id), "FRACTURE", "IMP"
        )
        ingest(loaded, folder, link=False)
        for _ in range(4):
            worker.deliver_due(loaded, "w", alert_settings())
        assert [status for _, _, status in hooks.calls] == [500, 500, 204]
        headers, body, _ = hooks.calls[-1]
        assert channels.verify_signature("s3cret", headers["X-JoinedUp-Signature"], body)
        assert not channels.verify_signature("other", headers["X-JoinedUp-Signature"], body)
        assert not channels.verify_signature("s3cret", headers["X-JoinedUp-Signature"], body + b" ")
        assert json.loads(body)["child_person_id"] == child
        with loaded.connect() as c:
            hook = c.execute(
                select(alert_message).where(alert_message.c.channel == "WEBHOOK")
            ).one()
        assert (hook.status, hook.attempts) == ("SENT", 3)


def test_unacknowledged_alerts_escalate_to_the_manager_then_the_mash(
    loaded: Engine, partnership: Path, tmp_path: Path
) -> None:
    child, patient_id = child_on_plan_with_patient(loaded)
    folder = write_health_encounter(
        tmp_path, patient_resource(partnership, patient_id), "HEAD_INJURY", "EMER"
    )
    ingest(loaded, folder, link=False)
    (first,) = alert_inbox.list_alerts(loaded, rule="CP_IS")
    settings = alert_settings()
    later = datetime.now(UTC) + timedelta(hours=2)
    assert worker.escalate_overdue(loaded, settings, now=later) == 1
    manager = alert_inbox.list_alerts(loaded, status="OPEN")
    assert [a["recipient"]["kind"] for a in manager] == ["MANAGER"]
    assert manager[0]["escalated_from"] == first["id"]
    assert manager[0]["content"]["details"]  # governed afresh: the duty manager may see it
    assert worker.escalate_overdue(loaded, settings, now=later + timedelta(hours=2)) == 1
    (mash,) = alert_inbox.list_alerts(loaded, status="OPEN")
    assert mash["recipient"]["kind"] == "MASH"
    assert worker.escalate_overdue(loaded, settings, now=later + timedelta(days=9)) == 0
    dashboard = alert_inbox.dashboard(loaded, now=later + timedelta(days=9))
    assert dashboard["rules"]["CP_IS"]["overdue"] == 1
    done = alert_inbox.acknowledge(loaded, mash["id"], "mash.duty", "Strategy discussion held")
    assert done["status"] == "ACKNOWLEDGED"
    with loaded.connect() as c:
        statuses = c.execute(select(alert.c.status)).scalars().all()
    assert statuses == ["ACKNOWLEDGED"] * 3  # the whole chain is closed
    figures = alert_inbox.dashboard(loaded)["rules"]["CP_IS"]
    assert figures["raised"] == 1 and figures["acknowledged"] == 1
    assert alert_inbox.inbox(loaded, first["recipient"]["key"]) == []


def test_a_second_incident_for_the_same_family_folds_into_the_open_alert(
    loaded: Engine, partnership: Path, tmp_path: Path
) -> None:
    child, patient_id = child_on_plan_with_patient(loaded)
    patient = patient_resource(partnership, patient_id)
    ingest(loaded, write_health_encounter(tmp_path / "a", patient, "INJURY", "EMER"), link=False)
    ingest(loaded, write_health_encounter(tmp_path / "b", patient, "BURN", "EMER"), link=False)
    (found,) = alert_inbox.list_alerts(loaded, rule="CP_IS")
    assert found["occurrences"] == 2
    with loaded.connect() as c:
        messages = c.execute(select(alert_message.c.id)).all()
    assert len(messages) <= 1  # one email at most, not one per encounter
    with loaded.begin() as c:
        c.execute(update(alert).values(status="ACKNOWLEDGED"))

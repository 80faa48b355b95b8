"""The alert inbox over the API and as a page: a practitioner sees and acknowledges their
own alerts; another practitioner is told "not found"; other roles are refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from sqlalchemy import insert

from joinedup.store.alert_tables import alert
from tests.support.webapp import LiveApp


def _alert_for(live_app: LiveApp, role: str) -> int:
    user = live_app.users[role]
    now = datetime.now(UTC)
    with live_app.engine.begin() as c:
        return int(
            c.execute(
                insert(alert)
                .values(
                    rule_id="CP_IS", rule_version=1, dedup_key=f"CP_IS|P-API|cause|{now}",
                    child_person_id="P-API", occurred_at=now, raised_at=now,
                    due_at=now + timedelta(hours=1), level=0, recipient_kind="LEAD",
                    recipient_agency=user["agency"], recipient_key=user["practitioner_key"],
                    recipient_name=user["display_name"], purpose="LEAD_PRACTITIONER_CASEWORK",
                    shared=True, title="Unscheduled care for a child on a plan",
                    content={"child_id": "P-API", "what_happened": "Seen in urgent care",
                             "contact": {"name": "Health", "email": "h@example.test"},
                             "where_to_look": "the single view"},
                    occurrences=1, status="OPEN",
                )
                .returning(alert.c.id)
            ).scalar_one()
        )  # fmt: skip


def test_a_practitioner_reads_and_acknowledges_their_own_alert(live_app: LiveApp) -> None:
    alert_id = _alert_for(live_app, "SOCIAL_WORKER")
    mine = live_app.api_session("SOCIAL_WORKER")
    listed = mine.get("/api/v1/alerts").json()
    assert alert_id in [a["id"] for a in listed]
    one = mine.get(f"/api/v1/alerts/{alert_id}").json()
    assert one["person_link"] == "/people/P-API"
    page = mine.get(f"/alerts/{alert_id}")
    assert page.status_code == 200 and "Seen in urgent care" in page.text
    assert 'href="/people/P-API"' in page.text and 'name="csrf_token"' in page.text
    other = live_app.api_session("SCHOOL_DSL")  # a practitioner it is not addressed to
    assert other.get(f"/api/v1/alerts/{alert_id}").status_code == 404
    assert alert_id not in [a["id"] for a in other.get("/api/v1/alerts").json()]
    analyst = live_app.api_session("PARTNERSHIP_ANALYST")
    assert analyst.get("/api/v1/alerts").status_code == 403
    bare = mine.post(f"/api/v1/alerts/{alert_id}/acknowledgement", json={"action_taken": ""})
    assert bare.status_code == 422  # an acknowledgement needs an action
    done = mine.post(
        f"/api/v1/alerts/{alert_id}/acknowledgement",
        json={"action_taken": "Spoke to the child's nurse"},
    )
    assert done.status_code == 200, done.text
    assert done.json()["status"] == "ACKNOWLEDGED"
    assert alert_id not in [a["id"] for a in mine.get("/api/v1/alerts").json()]
    assert httpx.get(f"{live_app.url}/api/v1/alerts").status_code == 401


def _entries(live_app: LiveApp, kind: str, actor: str) -> list[dict]:
    from joinedup.governance.audit.query import entry_to_dict, search

    with live_app.engine.connect() as c:
        return [entry_to_dict(e) for e in search(c, kind=kind, actor=actor, limit=None)]


def test_reading_alerts_and_the_users_list_is_audited(live_app: LiveApp) -> None:
    """Issue 16, finding 5: reading the inbox, an alert, or the users list wrote no entry."""
    alert_id = _alert_for(live_app, "HEALTH_SAFEGUARDING_LEAD")
    lead = live_app.username("HEALTH_SAFEGUARDING_LEAD")
    reader = live_app.api_session("HEALTH_SAFEGUARDING_LEAD")
    before_inbox = len(_entries(live_app, "ALERT_INBOX_READ", lead))
    assert reader.get("/api/v1/alerts").status_code == 200
    assert reader.get(f"/alerts/{alert_id}").status_code == 200
    inbox = _entries(live_app, "ALERT_INBOX_READ", lead)
    assert len(inbox) == before_inbox + 1 and alert_id in inbox[-1]["details"]["alerts"]
    read = _entries(live_app, "ALERT_READ", lead)[-1]
    assert read["subject"] == "P-API" and read["details"]["alert_id"] == alert_id
    admin = live_app.api_session("ADMINISTRATOR")
    assert admin.get("/api/v1/users").status_code == 200
    listed = _entries(live_app, "USERS_LISTED", live_app.username("ADMINISTRATOR"))
    assert listed and listed[-1]["actor_role"] == "ADMINISTRATOR"

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

"""The CP-IS point-of-care check over the API and as a page (issue 21): a health
safeguarding lead checks a child on a plan and gets the local authority's numbers, and the
local authority is alerted; other roles are refused (403); a bad NHS number is a 4xx
problem naming the field."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select, text

from joinedup.store.alert_tables import alert
from tests.support.webapp import LiveApp

API = "/api/v1/cp-is/checks"


def _nhs_of_a_child_on_a_plan(live_app: LiveApp) -> tuple[str, str]:
    """(NHS number, person id) of a child on an open plan or in care today."""
    today = date.today()
    with live_app.engine.connect() as c:
        row = c.execute(
            text(
                """
                SELECT p.nhs_number, lh.person_id FROM event e
                JOIN linkage_record ls ON ls.agency_id = 'social_care'
                     AND ls.source_id = e.person_source_id
                JOIN linkage_record lh ON lh.person_id = ls.person_id AND lh.agency_id = 'health'
                JOIN person_record p ON p.agency_id = 'health' AND p.source_id = lh.source_id
                WHERE e.agency_id = 'social_care' AND e.event_type IN ('CP_PLAN', 'LOOKED_AFTER')
                  AND e.occurred_on <= :today
                  AND (e.ended_on IS NULL OR e.ended_on >= :today)
                  AND p.nhs_number IS NOT NULL
                ORDER BY lh.person_id LIMIT 1
                """
            ),
            {"today": today},
        ).first()
    assert row is not None, "the test partnership has a child on a plan with an NHS number"
    return str(row[0]), str(row[1])


def _alerts_about(live_app: LiveApp, person_id: str) -> int:
    with live_app.engine.connect() as c:
        return len(
            c.execute(
                select(alert.c.id).where(
                    alert.c.rule_id == "CP_IS_CHECK", alert.c.child_person_id == person_id
                )
            ).all()
        )


def test_a_health_lead_is_told_of_the_plan_with_the_local_authoritys_numbers(
    live_app: LiveApp,
) -> None:
    nhs, person_id = _nhs_of_a_child_on_a_plan(live_app)
    nurse = live_app.api_session("HEALTH_SAFEGUARDING_LEAD")
    answer = nurse.post(API, json={"nhs_number": f"{nhs[:3]} {nhs[3:6]} {nhs[6:]}"})
    assert answer.status_code == 200, answer.text
    found = answer.json()
    assert found["flagged"] is True and found["nhs_number"] == nhs
    assert {p["kind"] for p in found["plans"]} <= {"CHILD_PROTECTION_PLAN", "LOOKED_AFTER"}
    assert any(p["current"] for p in found["plans"])
    office, night = found["local_authority"]["office"], found["local_authority"]["out_of_hours"]
    assert office["phone"] and night["phone"]  # from the social care feed's lines
    assert found["local_authority_told"] is True
    assert _alerts_about(live_app, person_id) >= 1
    page = nurse.get("/cp-is")
    assert page.status_code == 200 and 'name="nhs_number"' in page.text
    shown = nurse.post(
        "/cp-is", data={"nhs_number": nhs, "csrf_token": nurse.headers["X-CSRF-Token"]}
    )
    assert shown.status_code == 200 and office["phone"] in shown.text
    assert "On a plan" in shown.text and night["phone"] in shown.text


def test_other_roles_are_refused_and_a_bad_number_is_a_problem(live_app: LiveApp) -> None:
    nhs, _ = _nhs_of_a_child_on_a_plan(live_app)
    for role in ("SOCIAL_WORKER", "SCHOOL_DSL", "POLICE_SAFEGUARDING_OFFICER", "ADMINISTRATOR"):
        client = live_app.api_session(role)
        assert client.post(API, json={"nhs_number": nhs}).status_code == 403, role
        assert client.get("/cp-is").status_code == 403, role
    nurse = live_app.api_session("HEALTH_SAFEGUARDING_LEAD")
    wrong = nhs[:9] + str((int(nhs[9]) + 1) % 10)
    refused = nurse.post(API, json={"nhs_number": wrong})
    assert refused.status_code == 400
    assert "not a valid NHS number" in refused.text and wrong not in refused.text
    assert nurse.post(API, json={"nhs_number": 12}).status_code == 422

"""Issue 19, finding 2: the school's DSL got an alert about the concern she had recorded
herself. She is one of the child's lead practitioners, so the concern is routed to her as
well as to the others; the relay must leave her out (docs/alerts.md), and her inbox in the
browser shows nothing of it while the other leads are alerted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from joinedup.alerts import concerns
from tests.support.webapp import LiveApp, served_copy, sign_in

SAID = "Ella told her teacher she is frightened of her mother's new partner at home."


@pytest.fixture(scope="module")
def recorder_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with served_copy(tmp_path_factory, "recorder") as app:
        yield app


def _a_child_she_leads(app: LiveApp, key: str) -> str:
    """A child the DSL is a lead practitioner of who has another lead too."""
    with app.engine.connect() as connection:
        found = connection.execute(
            text(
                "select lr.person_id from involvement i join linkage_record lr"
                " on lr.agency_id = i.agency_id and lr.source_id = i.person_source_id"
                " where i.practitioner_key = :k and i.is_lead and i.end_date is null"
                " and exists (select 1 from involvement o join linkage_record l2"
                "  on l2.agency_id = o.agency_id and l2.source_id = o.person_source_id"
                "  where l2.person_id = lr.person_id and o.is_lead and o.end_date is null"
                "  and o.practitioner_key <> :k)"
                " order by lr.person_id limit 1"
            ),
            {"k": key},
        ).scalar()
    assert found, "the DSL leads for a child with another lead practitioner"
    return str(found)


def test_the_dsl_is_not_alerted_about_her_own_concern(browser: Any, recorder_app: LiveApp) -> None:
    dsl = recorder_app.users["SCHOOL_DSL"]
    child = _a_child_she_leads(recorder_app, dsl["practitioner_key"])
    client = recorder_app.api_session("SCHOOL_DSL")
    client.put("/api/v1/session/purpose", json={"purpose": "LEAD_PRACTITIONER_CASEWORK"})
    answer = client.post(f"/api/v1/people/{child}/concerns", json={"text": SAID})
    assert answer.status_code == 200, answer.text
    assert len(answer.json()["routed_to"]) >= 2  # her and another lead practitioner
    assert concerns.relay(recorder_app.engine) >= 1  # the other leads are alerted
    with recorder_app.engine.connect() as connection:
        recipients = connection.execute(
            text("select recipient_key from alert where rule_id = 'CONCERN_RECORDED'")
        ).scalars()
        assert dsl["practitioner_key"] not in set(recipients)

    context = browser.new_context(base_url=recorder_app.url)
    page = context.new_page()
    sign_in(page, dsl["username"])
    page.goto("/alerts")
    expect(page.get_by_role("heading", name="Your alerts")).to_be_visible()
    expect(page.locator("main")).not_to_contain_text("frightened of her mother")
    context.close()

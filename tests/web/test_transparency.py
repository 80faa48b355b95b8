"""Issue 19, finding 10: there was no transparency page in the web app (only `joinedup
transparency`). The privacy officer now answers a subject access or transparency request in
the browser: a GOV.UK form (an error summary linked to the field, the input kept), then the
report in plain language, produced through the same service and audited. No other role may
open it: it names who read the person's records."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from tests.support.webapp import LiveApp, sign_in


def caseload_child(live_app: LiveApp) -> str:
    key = live_app.users["SOCIAL_WORKER"]["practitioner_key"]
    with live_app.engine.connect() as connection:
        return str(
            connection.execute(
                text(
                    "select lr.person_id from involvement i join linkage_record lr"
                    " on lr.agency_id = i.agency_id and lr.source_id = i.person_source_id"
                    " where i.agency_id = 'social_care' and i.practitioner_key = :k"
                    " and i.end_date is null order by lr.person_id desc limit 1"
                ),
                {"k": key},
            ).scalar_one()
        )


def test_the_privacy_officer_produces_a_transparency_report(page: Any, live_app: LiveApp) -> None:
    person = caseload_child(live_app)
    worker = live_app.api_session("SOCIAL_WORKER")
    casework = {"purpose": "LEAD_PRACTITIONER_CASEWORK"}
    opened = worker.get(f"/api/v1/people/{person}", params=casework)
    assert opened.status_code == 200, opened.text

    sign_in(page, live_app.username("PRIVACY_OFFICER"))
    page.goto("/privacy/transparency")
    expect(page.get_by_role("heading", name="Transparency report")).to_be_visible()
    page.get_by_test_id("transparency-submit").click()
    summary = page.locator(".govuk-error-summary")
    expect(summary).to_contain_text("Enter the person's joinedup id")
    expect(summary.get_by_role("link", name="Enter the person's joinedup id")).to_have_attribute(
        "href", "#person"
    )
    expect(page.locator("#person-error")).to_contain_text("Enter the person's joinedup id")
    expect(page).to_have_title(re.compile(r"^Error: "))

    page.get_by_label("The person's joinedup id").fill(person)
    page.get_by_label("The person themselves").check()
    page.get_by_test_id("transparency-submit").click()
    report = page.get_by_test_id("transparency-report")
    expect(report.get_by_role("heading", level=1)).to_have_text("What happened to your information")
    expect(report).to_contain_text("looked at information about you")
    expect(report).to_contain_text("The law that allowed it")
    expect(page.get_by_test_id("withheld")).to_contain_text("Nothing was left out")

    with page.expect_download() as downloading:
        page.get_by_test_id("transparency-download").click()
    sent = Path(downloading.value.path()).read_text()
    assert "What happened to your information" in sent and "data protection officer" in sent
    assert "For the data protection officer" not in sent  # the reader's report alone

    # For a parent, what came from a child protection plan is left out (DPA 2018 Sch 3
    # Part 5), and the officer is told so.
    page.get_by_role("link", name="Produce another report").click()
    page.get_by_label("The person's joinedup id").fill(person)
    page.get_by_label("Someone with parental responsibility").check()
    page.get_by_test_id("transparency-submit").click()
    expect(page.get_by_test_id("transparency-report").get_by_role("heading", level=1)).to_have_text(
        "What happened to your child's information"
    )
    expect(page.get_by_test_id("withheld")).to_contain_text("left out of this report")
    with live_app.engine.connect() as connection:
        produced = connection.execute(
            text("select count(*) from audit_entry where kind = 'SUBJECT_ACCESS' and subject = :p"),
            {"p": person},
        ).scalar()
    assert produced == 3  # each report produced is recorded, the download included

    answer = worker.get("/privacy/transparency")
    assert answer.status_code == 403

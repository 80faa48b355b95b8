"""The practitioner's path in a real browser: sign in, declare a purpose, search, open the
single view (timeline, family, practitioners), record a concern; be denied without the
right purpose; break the glass and be seen in the privacy officer's queue. Screenshots of the
single view are written to docs/img/ when JOINEDUP_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from tests.support.webapp import LiveApp, sign_in

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
WHY = "Police attended the home tonight after a report of a child left alone; checking plans."


def declare(page: Any, purpose: str) -> None:
    expect(page).to_have_url(re.compile(r"/purpose"))
    page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def caseload_child(live_app: LiveApp) -> tuple[str, str, str]:
    """(person id, forenames, surname) of a child on the demo social worker's caseload who
    also has events from another agency (so the timeline crosses agencies)."""
    key = live_app.users["SOCIAL_WORKER"]["practitioner_key"]
    with live_app.engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, pr.forenames, pr.surname from involvement i"
                " join linkage_record lr on lr.agency_id = i.agency_id"
                " and lr.source_id = i.person_source_id"
                " join person_record pr on pr.agency_id = lr.agency_id"
                " and pr.source_table = lr.source_table and pr.source_id = lr.source_id"
                " where i.agency_id = 'social_care' and i.practitioner_key = :k"
                " and i.end_date is null and exists (select 1 from linkage_record o"
                " join event e on e.agency_id = o.agency_id and e.person_source_id = o.source_id"
                " where o.person_id = lr.person_id and o.agency_id <> 'social_care')"
                " order by lr.person_id limit 1"
            ),
            {"k": key},
        ).first()
    assert row is not None, "the demo social worker has a child known to another agency"
    return row[0], row[1], row[2]


def test_search_open_the_single_view_and_record_a_concern(page: Any, live_app: LiveApp) -> None:
    person, forenames, surname = caseload_child(live_app)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.get_by_role("link", name="Find a child").first.click()
    page.get_by_label("Name").fill(f"{forenames} {surname[:-1]}")  # one letter short
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("search-results")
    expect(results).to_contain_text(surname)
    results.locator(f"a[href='/people/{person}']").click()
    expect(page.get_by_test_id("person-name")).to_contain_text(surname)
    expect(page.get_by_test_id("identities")).to_contain_text("Children's social care")
    chart = page.get_by_test_id("timeline-chart").locator("svg")
    expect(chart).to_be_visible()
    assert chart.locator("circle, rect").count() >= 2
    expect(page.get_by_test_id("practitioners")).to_contain_text("Children's social care")
    if os.environ.get("JOINEDUP_SCREENSHOTS") == "1":
        IMG.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.screenshot(path=str(IMG / "single-view.png"), full_page=True)
    page.get_by_label("What happened, and what you did").fill(
        "Child said at the visit that there was no food at home this weekend."
    )
    page.get_by_test_id("concern-submit").click()
    expect(page.get_by_test_id("done")).to_contain_text("sent to the lead practitioners")
    with live_app.engine.connect() as connection:
        recorded = connection.execute(
            text("select count(*) from concern where person_id = :p"), {"p": person}
        ).scalar()
    assert recorded == 1


def test_a_field_is_withheld_without_the_right_purpose(page: Any, live_app: LiveApp) -> None:
    """Early help does not reach health's encounters for a social worker under the shipped
    agreements; lead practitioner casework does. The same child, two purposes."""
    person, _f, _s = caseload_child(live_app)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto(f"/people/{person}")
    casework = page.get_by_test_id("timeline-table").text_content()
    page.goto("/purpose")
    page.get_by_label("Early help", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.goto(f"/people/{person}")
    table = page.get_by_test_id("timeline-table")
    early_help = table.text_content() if table.count() else ""
    assert casework != early_help, "the purpose changes what is shown"
    expect(page.get_by_test_id("withheld")).to_be_visible()
    page.get_by_test_id("why").locator("summary").click()
    expect(page.get_by_test_id("why")).to_contain_text("not shared")


def test_break_the_glass_and_the_privacy_officer_sees_it(page: Any, live_app: LiveApp) -> None:
    with live_app.engine.connect() as connection:
        stranger = connection.execute(
            text(
                "select lr.person_id from linkage_record lr where lr.agency_id = 'health'"
                " order by lr.person_id desc limit 1"
            )
        ).scalar_one()
    officer = live_app.username("POLICE_SAFEGUARDING_OFFICER")
    sign_in(page, officer)
    declare(page, "Child protection enquiry")
    page.goto(f"/people/{stranger}")
    expect(page.get_by_test_id("denied")).to_be_visible()
    page.get_by_test_id("break-glass").locator("summary").click()
    page.get_by_label("What is the emergency?").fill("urgent")
    page.get_by_test_id("break-glass-submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("justification")
    # the emergency form stays open with its error (issue 19, finding 6)
    page.get_by_label("What is the emergency?").fill(WHY)
    page.get_by_test_id("break-glass-submit").click()
    expect(page.get_by_test_id("emergency")).to_be_visible()
    expect(page.get_by_test_id("identities")).to_be_visible()
    # The privacy officer's queue shows it.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_app.username("PRIVACY_OFFICER"))
    declare(page, "Access audit")
    page.goto("/privacy/break-glass")
    expect(page.locator("body")).to_contain_text(WHY)
    expect(page.locator("body")).to_contain_text(officer)


def test_the_mash_opens_a_case_for_a_contact_and_closing_it_ends_the_access(
    page: Any, live_app: LiveApp
) -> None:
    """Issue 16: a MASH triage case answers a contact and ends with an outcome."""
    from tests.support.casework import add_contact, child_known_to_social_care

    person, source = child_known_to_social_care(live_app.engine, skip=40)
    sign_in(page, live_app.username("MASH_PRACTITIONER"))
    declare(page, "MASH triage")
    page.goto(f"/people/{person}")
    expect(page.get_by_test_id("denied")).to_be_visible()
    expect(page.get_by_test_id("open-triage")).to_have_count(0)  # no contact: nothing to triage
    add_contact(live_app.engine, source)
    page.goto(f"/people/{person}")
    page.get_by_label("Open a MASH triage case: why is the MASH triaging this child?").fill(
        "Contact from the school this morning about bruising on the child's arm"
    )
    page.get_by_test_id("open-triage").click()
    expect(page.get_by_test_id("triage-case")).to_contain_text("a decision is due by")
    page.get_by_label("Early help").check()
    page.get_by_label("Why?").fill("Family agreed to work with the early help team")
    page.get_by_test_id("close-triage").click()
    expect(page.get_by_test_id("done")).to_contain_text("the MASH's access ends")
    expect(page.get_by_test_id("denied")).to_be_visible()

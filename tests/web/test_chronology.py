"""Issue 19, finding 4 and part of finding 2, in a real browser: what a practitioner records
stays on the child's timeline, and the multi-agency chronology is a table worth printing
(filters in the address, UK dates, a print layout without the chart or the forms) and a
CSV download.

The concern is recorded about a child of the demo social worker's caseload that the other
browser tests leave alone (``test_child`` counts the concerns of the first one)."""

from __future__ import annotations

import csv
import io
import os
import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from tests.support.webapp import LiveApp, sign_in
from tests.web.test_child import IMG, declare

UK_DATE = re.compile(r"\b\d{1,2} (January|February|March|April|May|June|July|August|September|"
                     r"October|November|December) \d{4}\b")  # fmt: skip
ISO_DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")


def another_caseload_child(live_app: LiveApp, skip: int) -> str:
    """A child on the demo social worker's caseload known to another agency too (``skip``
    picks another: ``test_child`` records a concern about the first)."""
    key = live_app.users["SOCIAL_WORKER"]["practitioner_key"]
    with live_app.engine.connect() as connection:
        row = connection.execute(
            text(
                "select distinct lr.person_id from involvement i"
                " join linkage_record lr on lr.agency_id = i.agency_id"
                " and lr.source_id = i.person_source_id"
                " where i.agency_id = 'social_care' and i.practitioner_key = :k"
                " and i.end_date is null and exists (select 1 from linkage_record o"
                " join event e on e.agency_id = o.agency_id and e.person_source_id = o.source_id"
                " where o.person_id = lr.person_id and o.agency_id <> 'social_care')"
                " order by lr.person_id limit 1 offset :skip"
            ),
            {"k": key, "skip": skip},
        ).first()
    assert row is not None, "the demo social worker has several children known to others"
    return str(row[0])


def test_a_concern_recorded_in_the_browser_stays_on_the_childs_timeline(
    page: Any, live_app: LiveApp
) -> None:
    """Finding 2: "a recorded concern never appears on the child's timeline"."""
    person = another_caseload_child(live_app, skip=1)
    words = "Mother said at the door that the children had not eaten since Friday lunchtime."
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto(f"/people/{person}")
    page.get_by_label("What happened, and what you did").fill(words)
    page.get_by_test_id("concern-submit").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    timeline = page.get_by_test_id("timeline-table")
    expect(timeline).to_contain_text(words)
    expect(timeline).to_contain_text(live_app.users["SOCIAL_WORKER"]["display_name"])
    # And in the chronology, with who recorded it.
    page.goto(f"/people/{person}/chronology")
    expect(page.get_by_test_id("chronology")).to_contain_text(words)


def test_the_chronology_filters_prints_and_downloads(page: Any, live_app: LiveApp) -> None:
    """Finding 4: one table, filtered by agency in the address, UK dates, the print layout
    shows the table and hides the chart and the forms, and the CSV is what the page shows."""
    person = another_caseload_child(live_app, skip=0)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto(f"/people/{person}")
    page.get_by_role("link", name=re.compile("chronology", re.I)).first.click()
    expect(page).to_have_url(re.compile(rf"/people/{person}/chronology"))
    table = page.get_by_test_id("chronology")
    expect(table).to_be_visible()  # a table by default, not collapsed
    body = table.inner_text()
    assert UK_DATE.search(body), body[:300]
    assert not ISO_DATE.search(body), ISO_DATE.search(body)
    agencies = {a.strip() for a in table.locator("td[data-column=agency]").all_inner_texts()}
    assert len(agencies) >= 2, agencies
    if os.environ.get("JOINEDUP_SCREENSHOTS") == "1":
        page.set_viewport_size({"width": 1200, "height": 900})
        page.screenshot(path=str(IMG / "chronology.png"), full_page=True)
    # Filter to children's social care: the address says so, and only its rows are left.
    page.get_by_label("Children's social care", exact=True).check()
    page.get_by_role("button", name="Apply filters").click()
    expect(page).to_have_url(re.compile(r"agency=social_care"))
    shown = {a.strip() for a in table.locator("td[data-column=agency]").all_inner_texts()}
    assert shown == {"Children's social care"}, shown
    # Printed: the table, no filters form, no header or navigation.
    page.emulate_media(media="print")
    expect(table).to_be_visible()
    expect(page.get_by_test_id("chronology-filters")).to_be_hidden()
    expect(page.locator("header.joinedup-header")).to_be_hidden()
    page.emulate_media(media="screen")
    # The CSV holds the rows the page shows, with UK dates.
    with page.expect_download() as download_info:
        page.get_by_role("link", name=re.compile("CSV")).click()
    content = download_info.value.path().read_text(encoding="utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(content)))
    assert rows and {r["Agency"] for r in rows} == {"Children's social care"}
    assert len(rows) == table.locator("tbody tr").count()
    assert all(re.fullmatch(r"\d{2}/\d{2}/\d{4}", r["Date"]) for r in rows)


def test_printing_the_single_view_leaves_out_the_chart_and_the_forms(
    page: Any, live_app: LiveApp
) -> None:
    """Finding 4: "printing gives the dot chart and an empty form"."""
    person = another_caseload_child(live_app, skip=0)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto(f"/people/{person}")
    expect(page.get_by_test_id("timeline-chart")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_test_id("timeline-table")).to_be_visible()
    expect(page.get_by_test_id("timeline-chart")).to_be_hidden()
    expect(page.get_by_test_id("concern-form")).to_be_hidden()


def test_a_date_that_is_not_real_is_a_govuk_error_beside_the_field(
    page: Any, live_app: LiveApp
) -> None:
    """Findings 5 and 6 on this page: British dates are read, an impossible one is said in
    words, linked from the error summary, beside the field, with what was typed kept; and
    the page fits a 390 px phone."""
    person = another_caseload_child(live_app, skip=0)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto(f"/people/{person}/chronology?from=31/02/2015")
    summary = page.get_by_test_id("error-summary")
    expect(summary).to_contain_text("The start date must be a real date")
    expect(summary.get_by_role("link")).to_have_attribute("href", "#from")
    expect(page.locator("#from-error")).to_contain_text("real date")
    expect(page.get_by_label("From")).to_have_value("31/02/2015")
    expect(page.get_by_test_id("chronology")).to_be_visible()  # still shown, unfiltered
    page.goto(f"/people/{person}/chronology?from=1/1/2026&to=31 December 2026")
    expect(page.get_by_test_id("chronology-count")).to_contain_text("from 1 January 2026")
    page.set_viewport_size({"width": 390, "height": 844})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the chronology is {width} px wide on a 390 px phone"

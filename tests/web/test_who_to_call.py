"""Someone to call (issue 19, finding 1), in a real browser.

A school's designated safeguarding lead opens a child on a social worker's caseload: the
practitioners section names the social worker with her work phone and secure email (the
agreements share them with the school for early help and casework) and the agencies' duty
and out-of-hours lines. The social worker records a concern; the alerts worker relays it;
the DSL's inbox and alert say who recorded it and how to reach her (her name, phone and
email, not the username ``social.worker (social_care)``), and the social worker is not
alerted about her own concern.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from joinedup.accounts import store as accounts
from joinedup.accounts.demo_users import DEMO_PASSWORD
from joinedup.alerts import concerns
from tests.support.webapp import LiveApp, served_copy, sign_in

DSL = "dsl.of.child"
PHONE = re.compile(r"(01632 960|07700 900)\d{3}")  # Ofcom's numbers for drama
EMAIL = re.compile(r"[a-z.]+@exampleshire\.gov\.uk\.example")  # the council's, reserved TLD


def _declare(page: Any, purpose: str) -> None:
    expect(page).to_have_url(re.compile(r"/purpose"))
    page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveApp, dict[str, Any]]]:
    """A copy of the demo store, with an account for the DSL of a child on the demo social
    worker's caseload (the alert test adds to the store)."""
    with served_copy(tmp_path_factory, "who-to-call") as live:
        worker_key = live.users["SOCIAL_WORKER"]["practitioner_key"]
        with live.engine.begin() as connection:
            row = connection.execute(
                text(
                    "select s.person_id, ie.practitioner_key, p.name from involvement iw"
                    " join linkage_record s on s.agency_id = iw.agency_id"
                    " and s.source_id = iw.person_source_id"
                    " join linkage_record e on e.person_id = s.person_id"
                    " and e.agency_id = 'education'"
                    " join involvement ie on ie.agency_id = 'education'"
                    " and ie.person_source_id = e.source_id and ie.end_date is null"
                    " join practitioner p on p.agency_id = 'education'"
                    " and p.practitioner_key = ie.practitioner_key"
                    " where iw.agency_id = 'social_care' and iw.practitioner_key = :k"
                    " and iw.end_date is null order by s.person_id limit 1"
                ),
                {"k": worker_key},
            ).first()
            assert row is not None, "a child on the social worker's caseload is at a school"
            worker = connection.execute(
                text(
                    "select name from practitioner"
                    " where agency_id = 'social_care' and practitioner_key = :k"
                ),
                {"k": worker_key},
            ).scalar_one()
            accounts.create(
                connection,
                username=DSL,
                role="SCHOOL_DSL",
                agency="education",
                display_name=row.name,
                password=DEMO_PASSWORD,
                practitioner_key=row.practitioner_key,
                created_by="tests",
            )
        yield live, {"person": row.person_id, "worker": worker, "worker_key": worker_key}


def test_the_dsl_sees_the_social_worker_s_phone_email_and_the_duty_lines(
    browser: Any, app: tuple[LiveApp, dict[str, Any]]
) -> None:
    live, child = app
    worker = child["worker"]
    page = browser.new_context(base_url=live.url).new_page()
    sign_in(page, DSL)
    _declare(page, "Lead practitioner casework")
    page.goto(f"/people/{child['person']}")
    named = page.get_by_test_id("practitioner").filter(has_text=worker)
    expect(named).to_contain_text("Children's social care")
    phone = named.get_by_test_id("practitioner-phone")
    expect(phone).to_have_text(PHONE)
    expect(named.get_by_test_id("practitioner-email")).to_have_text(EMAIL)
    assert phone.get_attribute("href") == "tel:" + (phone.text_content() or "").replace(" ", "")
    lines = page.get_by_test_id("contact-lines")
    expect(lines).to_contain_text("Children's Services Front Door (MASH duty)")
    expect(lines).to_contain_text("Emergency Duty Team (out of hours)")
    expect(lines).to_contain_text("Monday to Friday, 9am to 5pm")
    assert PHONE.search(lines.text_content() or "")
    # social care holds more than the school may see: "ask the agency" says where to call
    withheld = page.get_by_test_id("withheld").locator("li").filter(has_text="social care")
    expect(withheld).to_contain_text("ask the agency (its duty line is under Who to call)")
    page.context.close()


def test_an_alert_says_who_recorded_the_concern_and_how_to_reach_them(
    browser: Any, app: tuple[LiveApp, dict[str, Any]]
) -> None:
    live, child = app
    worker = child["worker"]
    social = browser.new_context(base_url=live.url).new_page()
    sign_in(social, live.username("SOCIAL_WORKER"))
    _declare(social, "Lead practitioner casework")
    social.goto(f"/people/{child['person']}")
    social.get_by_label("What happened, and what you did").fill(
        "Child arrived at the home visit with a bruise on her arm; spoke to mum."
    )
    social.get_by_test_id("concern-submit").click()
    expect(social.get_by_test_id("done")).to_be_visible()
    social.context.close()
    assert concerns.relay(live.engine) >= 1  # the alerts worker's relay

    dsl = browser.new_context(base_url=live.url).new_page()
    sign_in(dsl, DSL)
    _declare(dsl, "Lead practitioner casework")
    dsl.goto("/alerts")
    row = dsl.get_by_test_id("inbox").locator("tr").filter(has_text="concern")
    expect(row.get_by_test_id("inbox-contact")).to_contain_text(worker)
    expect(row.get_by_test_id("inbox-contact")).to_contain_text(PHONE)
    row.get_by_role("link").first.click()
    who = dsl.get_by_test_id("who-to-call")
    expect(who).to_contain_text(worker)
    expect(who).to_contain_text("Children's social care")
    expect(who.get_by_test_id("contact-phone")).to_have_text(PHONE)
    expect(who.get_by_test_id("contact-email")).to_have_text(EMAIL)
    expect(who).to_contain_text("Emergency Duty Team")  # out of hours
    page_text = dsl.locator("main").text_content() or ""
    assert live.username("SOCIAL_WORKER") not in page_text
    assert worker in (dsl.get_by_test_id("what-happened").text_content() or "")
    dsl.context.close()

    with live.engine.connect() as connection:
        own = connection.execute(
            text(
                "select count(*) from alert where rule_id = 'CONCERN_RECORDED'"
                " and recipient_agency = 'social_care' and recipient_key = :k"
            ),
            {"k": child["worker_key"]},
        ).scalar()
    assert own == 0, "the social worker is not alerted about her own concern"

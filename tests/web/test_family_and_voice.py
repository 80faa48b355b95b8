"""Issue 21 in a real browser: a social worker's single view shows a parent's domestic abuse
history under a section 47 enquiry but not under early help; the child's voice is recorded
from the page and shown first."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select, text

from joinedup.store.tables import involvement, source_record
from tests.support.webapp import LiveApp, served_copy, sign_in

SAID = "I like living with mum but I hide in my room when they argue at night."


@pytest.fixture(scope="module")
def family_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with served_copy(tmp_path_factory, "family") as app:
        yield app


@pytest.fixture
def on_copy(browser: Any, family_app: LiveApp) -> Iterator[Any]:
    """A page on this module's copy of the store (the shared ``page`` is on the shared one)."""
    expect.set_options(timeout=20_000)
    context = browser.new_context(base_url=family_app.url)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def _child_living_with_abuse(app: LiveApp) -> tuple[str, str, str]:
    """(child, the child's social care source id, adult) of a child known to social care
    who lives with an adult with a police domestic abuse incident."""
    with app.engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, lr.source_id, hm2.person_id from linkage_record lr"
                " join person_record cpr on cpr.agency_id = lr.agency_id"
                " and cpr.source_table = lr.source_table and cpr.source_id = lr.source_id"
                " join linkage_household_member hm on hm.person_id = lr.person_id"
                " join linkage_household_member hm2 on hm2.household_id = hm.household_id"
                " and hm2.person_id <> hm.person_id"
                " join linkage_record a on a.person_id = hm2.person_id and a.agency_id = 'police'"
                " join person_record apr on apr.agency_id = 'police'"
                " and apr.source_table = a.source_table and apr.source_id = a.source_id"
                " join event e on e.agency_id = 'police' and e.person_source_id = a.source_id"
                " and e.event_type = 'DOMESTIC_ABUSE'"
                " where lr.agency_id = 'social_care' and hm.to_date is null"
                " and hm2.to_date is null and cpr.date_of_birth > :child"
                " and apr.date_of_birth < :adult"
                " order by lr.person_id, hm2.person_id limit 1"
            ),
            {
                "child": date(date.today().year - 16, 1, 1),
                "adult": date(date.today().year - 25, 1, 1),
            },
        ).first()
    assert row is not None, "the demo store has a child living with domestic abuse"
    return str(row[0]), str(row[1]), str(row[2])


def _allocate(app: LiveApp, source_id: str) -> None:
    """Make the demo social worker the child's allocated worker (this store is a copy)."""
    key = app.users["SOCIAL_WORKER"]["practitioner_key"]
    with app.engine.begin() as connection:
        record = connection.execute(select(source_record.c.id).limit(1)).scalar_one()
        connection.execute(
            insert(involvement).values(
                source_record_id=record, agency_id="social_care", practitioner_key=key,
                person_source_id=source_id, role="Social worker", start_date=date(2026, 1, 5),
                end_date=None, is_lead=True,
            )
        )  # fmt: skip


def _declare(page: Any, purpose: str) -> None:
    page.goto("/purpose")
    page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def test_a_parents_domestic_abuse_shows_under_s47_not_early_help(
    on_copy: Any, family_app: LiveApp
) -> None:
    page = on_copy
    child, source, adult = _child_living_with_abuse(family_app)
    _allocate(family_app, source)
    sign_in(page, family_app.username("SOCIAL_WORKER"))
    _declare(page, "Child protection enquiry")
    page.goto(f"/people/{child}")
    member = page.get_by_test_id("family-member").filter(
        has=page.locator(f"a[href='/people/{adult}']")
    )
    expect(member).to_have_count(1)
    abuse = member.locator("[data-testid=family-item][data-field='police.domestic_abuse']")
    expect(abuse).to_contain_text("Domestic abuse incidents")
    expect(abuse.locator("li").first).to_be_visible()

    _declare(page, "Early help")
    page.goto(f"/people/{child}")
    expect(page.get_by_test_id("person-name")).not_to_have_text("Restricted record")
    expect(page.get_by_test_id("family-records")).to_have_count(0)
    assert "Domestic abuse incidents" not in page.content()


def test_the_childs_voice_is_recorded_and_shown_first(on_copy: Any, family_app: LiveApp) -> None:
    page = on_copy
    child, source, _adult = _child_living_with_abuse(family_app)
    with family_app.engine.connect() as connection:
        allocated = connection.execute(
            text("select count(*) from involvement where person_source_id = :s"
                 " and practitioner_key = :k"),
            {"s": source, "k": family_app.users["SOCIAL_WORKER"]["practitioner_key"]},
        ).scalar_one()  # fmt: skip
    if not allocated:
        _allocate(family_app, source)
    sign_in(page, family_app.username("SOCIAL_WORKER"))
    _declare(page, "Lead practitioner casework")
    page.goto(f"/people/{child}")
    page.get_by_text("Record what the child said about their wishes and feelings").click()
    page.get_by_label("What did the child say?").fill("no")
    page.get_by_test_id("voice-submit").click()
    expect(page.locator("#voice-words-error")).to_be_visible()  # too short: said on the form
    page.get_by_label("What did the child say?").fill(SAID)
    page.get_by_label("When did they say it?").fill("2026-11-30")
    page.get_by_test_id("voice-submit").click()
    expect(page.get_by_test_id("done")).to_contain_text("What the child said was recorded")
    expect(page.get_by_test_id("voice-entry").first).to_contain_text(SAID)
    expect(page.get_by_test_id("voice-entry").first).to_contain_text("30 November 2026")
    headings = page.locator("h2.govuk-heading-m")
    expect(headings.first).to_have_text(re.compile("The child's voice"))


def test_the_api_records_the_childs_voice_and_refuses_bad_input(family_app: LiveApp) -> None:
    child, source, _adult = _child_living_with_abuse(family_app)
    with family_app.engine.connect() as connection:
        allocated = connection.execute(
            text("select count(*) from involvement where person_source_id = :s"
                 " and practitioner_key = :k"),
            {"s": source, "k": family_app.users["SOCIAL_WORKER"]["practitioner_key"]},
        ).scalar_one()  # fmt: skip
    if not allocated:
        _allocate(family_app, source)
    client = family_app.api_session("SOCIAL_WORKER")
    client.put("/api/v1/session/purpose", json={"purpose": "LEAD_PRACTITIONER_CASEWORK"})
    bad = client.post(
        f"/api/v1/people/{child}/voice", json={"words": SAID, "spoken_on": "next tuesday"}
    )
    assert bad.status_code == 400, bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")
    said = "The API heard me say I want to see my brother more often."
    answer = client.post(f"/api/v1/people/{child}/voice", json={"words": said})
    assert answer.status_code == 200, answer.text
    assert answer.json()["audit_seq"] > 0
    view = client.get(f"/api/v1/people/{child}").json()
    assert view["voice"][0]["words"] == said

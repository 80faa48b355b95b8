"""The practitioner's day, role by role, in a real browser (issue 19, "Done when"): sign in,
declare the role's usual purpose, see on the home page what needs you, open a child from the
home page, an alert or a search, act, and see what you did recorded. One test per
practitioner role: the social worker, the MASH practitioner, the school's designated
safeguarding lead, the health safeguarding lead and the police safeguarding officer. Where
the role may not do something, the refusal is read in plain English.

The journeys add to the store (concerns, alerts, a MASH case, an emergency access), so they
run on a copy of their own. A full-page screenshot of each journey's most telling moment is
written to docs/img/journey-<role>.png when JOINEDUP_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from joinedup.alerts import concerns
from tests.support.casework import add_contact, child_known_to_social_care
from tests.support.webapp import LiveApp, served_copy, sign_in
from tests.web.test_child import IMG, declare
from tests.web.test_home import _caseload, _shown_name

CODES = re.compile(r"\b[A-Z]+_[A-Z_]+\b|\b40[13]\b|Traceback")  # a code, not words


@pytest.fixture(scope="module")
def day(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with served_copy(tmp_path_factory, "journeys") as app:
        yield app


@pytest.fixture
def journey(browser: Any, day: LiveApp) -> Iterator[Any]:
    """A browser page of its own on the journeys' copy; a second sign-in uses ``browser``."""
    expect.set_options(timeout=20_000)
    context = browser.new_context(base_url=day.url)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def screenshot(page: Any, role: str) -> None:
    if os.environ.get("JOINEDUP_SCREENSHOTS") == "1":
        IMG.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.screenshot(path=str(IMG / f"journey-{role}.png"), full_page=True)


def audited(app: LiveApp, role: str, kind: str, person_id: str) -> int:
    with app.engine.connect() as connection:
        return int(
            connection.execute(
                text(
                    "select count(*) from audit_entry where kind = :kind and actor = :me"
                    " and subject = :p"
                ),
                {"kind": kind, "me": app.username(role), "p": person_id},
            ).scalar_one()
        )


def refused_in_words(page: Any, address: str, *words: str) -> None:
    """``address`` is refused with a page that says why in sentences, not codes."""
    page.goto(address)
    detail = page.get_by_test_id("error-detail")
    for said in words:
        expect(detail).to_contain_text(said)
    shown = page.locator("main").inner_text()
    assert not CODES.search(shown), shown


def test_the_social_workers_day(journey: Any, day: LiveApp) -> None:
    page = journey
    sign_in(page, day.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto("/")
    mine = _caseload(day, "SOCIAL_WORKER")
    expect(page.get_by_test_id("home-alerts")).to_be_visible()
    expect(page.get_by_test_id("home-caseload")).to_contain_text(f"All your children ({len(mine)})")
    children = page.get_by_test_id("home-children")
    expect(children).to_contain_text("Not opened yet")
    first = children.locator("a[href^='/people/']").first
    name = first.inner_text()
    person = str(first.get_attribute("href")).rsplit("/", 1)[1]
    assert person in mine
    first.click()
    expect(page.get_by_test_id("person-name")).to_contain_text(name.split()[-1])
    words = "Home visit: the baby was asleep in a cold room; mother agreed to a heater today."
    page.get_by_label("What happened, and what you did").fill(words)
    page.get_by_test_id("concern-submit").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    timeline = page.get_by_test_id("timeline-table")
    expect(timeline).to_contain_text(words)
    expect(timeline).to_contain_text(day.users["SOCIAL_WORKER"]["display_name"])
    screenshot(page, "social-worker")
    page.get_by_role("link", name=re.compile("chronology", re.I)).first.click()
    expect(page.get_by_test_id("chronology")).to_contain_text(words)
    assert audited(day, "SOCIAL_WORKER", "CONCERN_RECORDED", person) == 1
    # Home again: the child was opened, nothing new since.
    page.goto("/")
    row = page.get_by_test_id("home-children").get_by_role("row").filter(has_text=name)
    expect(row.get_by_test_id("new-since")).to_contain_text("Nothing new")
    # The MASH's triage list is not a social worker's.
    refused_in_words(page, "/triage", "The triage list is for: MASH practitioner")


def test_the_mash_practitioners_day(journey: Any, day: LiveApp) -> None:
    """A contact reaches children's social care about a child; the MASH finds the child,
    opens a triage case, and closes it with an outcome (and the access ends)."""
    person, source = child_known_to_social_care(day.engine, skip=5)
    name = _shown_name(day, person)
    page = journey
    sign_in(page, day.username("MASH_PRACTITIONER"))
    declare(page, "MASH triage")
    page.goto("/")
    triage = page.get_by_test_id("home-triage")
    expect(triage).to_contain_text("Today's triage")
    expect(triage).to_contain_text("No child has a risk score yet")  # the copy is not scored
    expect(triage).to_contain_text("No open MASH cases")
    page.get_by_role("link", name="Find a child").first.click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("search-results").locator(f"a[href='/people/{person}']").click()
    # No contact about the child yet: the MASH may not look, and the page says why.
    denied = page.get_by_test_id("denied")
    expect(denied).to_contain_text("You may not see this person's record for mash triage")
    expect(denied).to_contain_text("no legitimate relationship")
    expect(page.get_by_test_id("open-triage")).to_have_count(0)
    # A contact arrives: the child is the MASH's to triage.
    add_contact(day.engine, source)
    page.reload()
    page.get_by_label("Open a MASH triage case: why is the MASH triaging this child?").fill(
        "Contact from the health visitor this morning: the baby has missed two appointments"
    )
    page.get_by_test_id("open-triage").click()
    expect(page.get_by_test_id("triage-case")).to_contain_text("a decision is due by")
    expect(page.get_by_test_id("timeline-table")).to_be_visible()
    assert audited(day, "MASH_PRACTITIONER", "TRIAGE_OPENED", person) == 1
    # Home: the case is listed with when it is due; open the child from there.
    page.goto("/")
    cases = page.get_by_test_id("home-cases")
    expect(cases).to_contain_text(re.compile(r"after a contact: due \d+ \w+ \d{4} at"))
    screenshot(page, "mash-practitioner")
    cases.locator(f"a[href='/people/{person}']").click()
    page.get_by_label("Early help").check()
    page.get_by_label("Why?").fill("Family agreed to work with the early help team this week")
    page.get_by_test_id("close-triage").click()
    expect(page.get_by_test_id("done")).to_contain_text("the MASH's access ends")
    expect(page.get_by_test_id("denied")).to_be_visible()
    assert audited(day, "MASH_PRACTITIONER", "TRIAGE_CLOSED", person) == 1
    page.goto("/")
    expect(page.get_by_test_id("home-triage")).to_contain_text("No open MASH cases")


def _shared_child(app: LiveApp) -> str:
    """A child on the DSL's caseload whose GP practice is the demo health lead's."""
    health = set(_caseload(app, "HEALTH_SAFEGUARDING_LEAD"))
    shared = sorted(p for p in _caseload(app, "SCHOOL_DSL") if p in health)
    assert shared, "the DSL's pupils include the demo GP practice's patients"
    return shared[-1]


def test_the_school_dsls_day(journey: Any, day: LiveApp, browser: Any) -> None:
    """The DSL records a concern about a pupil; it reaches the child's GP practice, the lead
    practitioner in health, as an alert."""
    health = set(_caseload(day, "HEALTH_SAFEGUARDING_LEAD"))
    page = journey
    sign_in(page, day.username("SCHOOL_DSL"))
    declare(page, "Lead practitioner casework")
    page.goto("/")
    expect(page.get_by_test_id("home-alerts")).to_contain_text("Your alerts")
    caseload = page.get_by_test_id("home-caseload")
    expect(caseload).to_contain_text(re.compile(r"The first 5 of \d+ children you are involved"))
    links = page.get_by_test_id("home-children").locator("a[href^='/people/']")
    expect(links.first).to_be_visible()
    hrefs = [str(h) for h in links.evaluate_all("as => as.map(a => a.getAttribute('href'))")]
    # a pupil the GP practice's lead also works with: among the first five shown if there is
    # one, else from the rest of the caseload (the page's search would find them as well)
    shared = [p for p in _caseload(day, "SCHOOL_DSL") if p in health]
    shown = [h for h in hrefs if h.rsplit("/", 1)[1] in health]
    if shown:
        person = shown[0].rsplit("/", 1)[1]
        page.locator(f"[data-testid=home-children] a[href='{shown[0]}']").click()
    else:
        person = shared[0]
        page.goto(f"/people/{person}")
    words = "Pupil came in hungry three days running and said there is no food at home."
    page.get_by_label("What happened, and what you did").fill(words)
    page.get_by_test_id("concern-submit").click()
    expect(page.get_by_test_id("done")).to_contain_text("sent to the lead practitioners")
    timeline = page.get_by_test_id("timeline-table")
    expect(timeline).to_contain_text(words)
    expect(timeline).to_contain_text(day.users["SCHOOL_DSL"]["display_name"])
    screenshot(page, "school-dsl")
    assert audited(day, "SCHOOL_DSL", "CONCERN_RECORDED", person) == 1
    refused_in_words(page, "/triage", "The triage list is for: MASH practitioner")
    # The alerts worker relays it; the GP practice's lead sees it arrive.
    assert concerns.relay(day.engine) >= 1
    context = browser.new_context(base_url=day.url)
    try:
        lead = context.new_page()
        sign_in(lead, day.username("HEALTH_SAFEGUARDING_LEAD"))
        declare(lead, "Lead practitioner casework")
        lead.goto("/alerts")
        row = lead.get_by_test_id("inbox").locator("tr").filter(has_text="concern").first
        expect(row.get_by_test_id("inbox-contact")).to_contain_text(
            day.users["SCHOOL_DSL"]["display_name"]
        )
        row.get_by_role("link").first.click()
        expect(lead.get_by_test_id("what-happened")).to_contain_text(words)
    finally:
        context.close()


def test_the_health_leads_day(journey: Any, day: LiveApp) -> None:
    """An alert from the school about a patient is waiting; the health lead opens the child
    from it, records an engagement and acknowledges the alert with what they did."""
    person = _shared_child(day)  # not the DSL journey's child (the first of the home page)
    said = "Two missed immunisation appointments and the pupil says she is often hungry."
    school = day.api_session("SCHOOL_DSL")
    answer = school.post(
        f"/api/v1/people/{person}/concerns",
        params={"purpose": "LEAD_PRACTITIONER_CASEWORK"},
        json={"text": said, "kind": "CONCERN"},
    )
    assert answer.status_code in (200, 201), answer.text
    assert concerns.relay(day.engine) >= 1
    page = journey
    sign_in(page, day.username("HEALTH_SAFEGUARDING_LEAD"))
    declare(page, "Lead practitioner casework")
    page.goto("/")
    alerts = page.get_by_test_id("home-alerts")
    expect(alerts).to_contain_text(re.compile(r"\d+ open alerts? to acknowledge"))
    expect(page.get_by_test_id("home-caseload")).to_contain_text(
        re.compile(r"The first 5 of \d+ children you are involved")
    )
    alerts.locator("p", has_text="Newest:").get_by_role("link").click()
    expect(page.get_by_test_id("what-happened")).to_contain_text(said)
    alert_url = page.url
    page.get_by_test_id("person-link").click()
    expect(page).to_have_url(re.compile(rf"/people/{person}$"))
    page.get_by_label("An engagement").check()
    done = "Rang the family: booked the immunisations for Friday and a GP review."
    page.get_by_label("What happened, and what you did").fill(done)
    page.get_by_test_id("concern-submit").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    expect(page.get_by_test_id("timeline-table")).to_contain_text(done)
    assert audited(day, "HEALTH_SAFEGUARDING_LEAD", "CONCERN_RECORDED", person) == 1
    page.goto(alert_url)
    page.get_by_label("What action did you take?").fill(done)
    page.get_by_role("button", name="Acknowledge").click()
    expect(page.get_by_test_id("done")).to_contain_text("acknowledged")
    expect(page.get_by_test_id("status")).to_contain_text(done)
    # Acknowledged by a person, not a username.
    lead = day.users["HEALTH_SAFEGUARDING_LEAD"]
    expect(page.get_by_test_id("status")).to_contain_text(f"by {lead['display_name']}")
    expect(page.get_by_test_id("status")).not_to_contain_text(f"by {lead['username']}")
    screenshot(page, "health-safeguarding-lead")
    refused_in_words(page, "/triage", "The triage list is for: MASH practitioner")


def _police_known_stranger(app: LiveApp) -> tuple[str, str]:
    """(person id, name as the police record it) of a child in a domestic abuse incident."""
    with app.engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, pr.forenames, pr.surname from event e"
                " join linkage_record lr on lr.agency_id = e.agency_id"
                " and lr.source_id = e.person_source_id"
                " join person_record pr on pr.agency_id = lr.agency_id"
                " and pr.source_table = lr.source_table and pr.source_id = lr.source_id"
                " where e.agency_id = 'police' and e.event_type = 'DOMESTIC_ABUSE'"
                " order by lr.person_id limit 1"
            )
        ).one()
    return str(row[0]), f"{row[1]} {row[2]}"


def test_the_police_officers_day(journey: Any, day: LiveApp, browser: Any) -> None:
    """The officer has no child on their own agency's caseload: a child from last night's
    domestic abuse incident is refused in words; the officer uses emergency access, records
    what they did, and the privacy officer sees the access to review."""
    person, name = _police_known_stranger(day)
    why = "Officers attended a domestic abuse incident last night; the child was present."
    page = journey
    sign_in(page, day.username("POLICE_SAFEGUARDING_OFFICER"))
    declare(page, "Child protection enquiry")
    page.goto("/")
    expect(page.get_by_test_id("home-alerts")).to_contain_text("No open alerts")
    expect(page.get_by_test_id("home-caseload")).to_contain_text(
        "Your agency's records show no child you are involved with today."
    )
    page.get_by_role("link", name="Find a child").first.click()
    page.get_by_label("Name").fill(name)
    page.get_by_role("button", name="Search").click()
    page.get_by_test_id("search-results").locator(f"a[href='/people/{person}']").click()
    denied = page.get_by_test_id("denied")
    expect(denied).to_contain_text(
        "You may not see this person's record for child protection enquiry"
    )
    expect(denied).to_contain_text("ask the agency that holds the record")
    # How the MASH comes to triage a child is the MASH's business, not the officer's.
    expect(page.locator("main")).not_to_contain_text("The MASH triages a child")
    page.get_by_test_id("break-glass").locator("summary").click()
    page.get_by_label("What is the emergency?").fill(why)
    page.get_by_test_id("break-glass-submit").click()
    expect(page.get_by_test_id("emergency")).to_be_visible()
    words = "Spoke to the child at school with the DSL; she is staying with her grandmother."
    page.get_by_label("What happened, and what you did").fill(words)
    page.get_by_test_id("concern-submit").click()
    expect(page.get_by_test_id("done")).to_be_visible()
    expect(page.get_by_test_id("timeline-table")).to_contain_text(words)
    screenshot(page, "police-safeguarding-officer")
    assert audited(day, "POLICE_SAFEGUARDING_OFFICER", "BREAK_GLASS", person) == 1
    assert audited(day, "POLICE_SAFEGUARDING_OFFICER", "CONCERN_RECORDED", person) == 1
    # The privacy officer's home counts it, and the queue names the officer and why.
    context = browser.new_context(base_url=day.url)
    try:
        privacy = context.new_page()
        sign_in(privacy, day.username("PRIVACY_OFFICER"))
        declare(privacy, "Access audit")
        privacy.goto("/")
        privacy.get_by_test_id("home-privacy").get_by_role(
            "link", name=re.compile("emergency acce")
        ).click()
        expect(privacy.locator("main")).to_contain_text(why)
        expect(privacy.locator("main")).to_contain_text(day.username("POLICE_SAFEGUARDING_OFFICER"))
    finally:
        context.close()

"""A MASH case from contact to closed outcome in a real browser (issue 21): the MASH opens a
case for a contact, rates it red, asks the police and health; each agency's practitioner sees
only their own request (the question and who the child is) and answers it; the MASH reads
the answers, records the decision and closes the case, and its access to the child ends."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.support.axe import BLOCKING, violations
from tests.support.casework import add_contact, child_known_to_social_care
from tests.support.webapp import LiveApp, served_copy, sign_in

REASON = "Contact from the school this morning about bruising on the child's arm"
POLICE_Q = "Is the household known to police for domestic abuse in the last year?"
HEALTH_Q = "Has the child attended A&E or the GP with injuries in the last six months?"
POLICE_A = "Two domestic abuse incidents at the address this year, the latest graded high"
HEALTH_A = "Seen in A&E in October with a fractured wrist, explanation accepted then"


@pytest.fixture(scope="module")
def mash_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with served_copy(tmp_path_factory, "mash-case") as app:
        yield app


@pytest.fixture
def tab(browser: Any, mash_app: LiveApp) -> Iterator[Any]:
    expect.set_options(timeout=20_000)
    context = browser.new_context(base_url=mash_app.url)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def declare(page: Any, purpose: str) -> None:
    expect(page).to_have_url(re.compile(r"/purpose"))
    page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def accessible(page: Any) -> None:
    """No serious or critical axe violation on the page as it stands (the crawl's store has
    no MASH case, so these pages are checked here, filled in)."""
    blocking = [v for v in violations(page) if v.impact in BLOCKING]
    assert not blocking, blocking
    page.set_viewport_size({"width": 390, "height": 844})  # a phone: no sideways scrolling
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 390, page.url
    page.set_viewport_size({"width": 1280, "height": 800})


def answer(page: Any, app: LiveApp, role: str, question: str, words: str, other: str) -> None:
    """The agency's practitioner finds the request in their list and answers it, seeing the
    question and the child, not the case's reason nor the other agency's question."""
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, app.username(role))
    declare(page, "Child protection enquiry")
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="MASH requests").click()
    rows = page.get_by_test_id("agency-request")
    expect(rows.filter(has_text=question)).to_have_count(1)
    expect(page.locator("main")).not_to_contain_text(other)
    rows.filter(has_text=question).get_by_role("link").click()
    expect(page.get_by_test_id("question")).to_have_text(question)
    expect(page.get_by_test_id("child")).to_contain_text("Date of birth")
    accessible(page)
    expect(page.locator("main")).not_to_contain_text(REASON)
    page.get_by_test_id("send-answer").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    page.get_by_label("Your agency's answer").fill(words)
    page.get_by_test_id("send-answer").click()
    expect(page.get_by_test_id("done")).to_contain_text("Your answer is recorded")
    expect(page.get_by_test_id("status")).to_contain_text(words)


def test_a_mash_case_from_contact_to_closed_outcome(tab: Any, mash_app: LiveApp) -> None:
    page = tab
    person, source = child_known_to_social_care(mash_app.engine, skip=44)
    add_contact(mash_app.engine, source)
    sign_in(page, mash_app.username("MASH_PRACTITIONER"))
    declare(page, "MASH triage")
    page.goto(f"/people/{person}")
    page.get_by_label("Open a MASH triage case: why is the MASH triaging this child?").fill(REASON)
    page.get_by_test_id("open-triage").click()
    page.get_by_test_id("mash-case-link").click()
    expect(page.get_by_role("heading", name=re.compile(r"^MASH case \d+$"))).to_be_visible()
    case_url = page.url

    # Rate it red: the decision is due within the red timescale.
    page.get_by_label("Red").check()
    page.get_by_test_id("set-rag").click()
    expect(page.get_by_test_id("done")).to_contain_text("RAG rating is set")
    expect(page.get_by_test_id("case-rag")).to_have_text("Red")

    # Ask the police and health; a question that says nothing is refused.
    page.get_by_label("Agency").select_option("police")
    page.get_by_label("Question").fill("tell me")
    page.get_by_test_id("send-request").click()
    expect(page.get_by_test_id("form-error")).to_be_visible()
    page.get_by_label("Question").fill(POLICE_Q)
    page.get_by_test_id("send-request").click()
    expect(page.get_by_test_id("done")).to_contain_text("request is sent")
    page.get_by_label("Agency").select_option("health")
    page.get_by_label("Question").fill(HEALTH_Q)
    page.get_by_label("Answer due within (hours)").fill("2")
    page.get_by_test_id("send-request").click()
    expect(page.get_by_test_id("request-row")).to_have_count(2)

    # The MASH's home lists the case, rated, with two requests waiting.
    page.get_by_role("navigation", name="Menu").get_by_role("link", name="MASH cases").click()
    case_path = case_url.removeprefix(mash_app.url)
    row = page.get_by_test_id("case-row").filter(has=page.locator(f"a[href='{case_path}']"))
    expect(row.get_by_test_id("rag")).to_have_text("Red")
    expect(row.get_by_test_id("request-counts")).to_contain_text("0 answered, 2 waiting")
    accessible(page)

    answer(page, mash_app, "POLICE_SAFEGUARDING_OFFICER", POLICE_Q, POLICE_A, HEALTH_Q)
    answer(page, mash_app, "HEALTH_SAFEGUARDING_LEAD", HEALTH_Q, HEALTH_A, POLICE_Q)

    # Back at the MASH: both answers, the decision, the case closed and the access ended.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, mash_app.username("MASH_PRACTITIONER"))
    declare(page, "MASH triage")
    page.goto(case_url)
    answers = page.get_by_test_id("request-row")
    expect(answers.filter(has_text=POLICE_Q).get_by_test_id("answer")).to_contain_text(POLICE_A)
    expect(answers.filter(has_text=HEALTH_Q).get_by_test_id("answer")).to_contain_text(HEALTH_A)
    accessible(page)
    page.get_by_test_id("close-case").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("Select what the MASH decided")
    page.get_by_label("Child protection enquiry (Children Act 1989 s47)").check()
    page.get_by_label("Reasons").fill(
        "Police and health information show significant harm: strategy discussion today"
    )
    page.get_by_test_id("close-case").click()
    expect(page.get_by_test_id("done")).to_contain_text("the MASH's access ends")
    expect(page.get_by_test_id("case-outcome")).to_contain_text("s47")
    expect(page.get_by_test_id("close-case")).to_have_count(0)
    page.goto(f"/people/{person}")
    expect(page.get_by_test_id("denied")).to_be_visible()


def test_the_same_case_through_the_api(mash_app: LiveApp) -> None:
    """The API's typed answers: rate, ask, answer (only the agency asked), close with police
    action; an answer after the case closed is a 409 problem."""
    person, source = child_known_to_social_care(mash_app.engine, skip=45)
    add_contact(mash_app.engine, source)
    purpose = {"purpose": "MASH_TRIAGE"}
    mash = mash_app.api_session("MASH_PRACTITIONER")
    opened = mash.post(
        f"/api/v1/people/{person}/triage-cases", params=purpose, json={"reason": REASON}
    )
    assert opened.status_code == 200, opened.text
    case_id = opened.json()["case_id"]
    rated = mash.post(f"/api/v1/mash/cases/{case_id}/rag", params=purpose, json={"rag": "AMBER"})
    assert rated.status_code == 200 and rated.json()["rag"] == "AMBER"
    asked = {
        agency: mash.post(
            f"/api/v1/mash/cases/{case_id}/requests",
            params=purpose,
            json={"agency": agency, "question": question},
        ).json()["request_id"]
        for agency, question in (("police", POLICE_Q), ("health", HEALTH_Q))
    }
    police = mash_app.api_session("POLICE_SAFEGUARDING_OFFICER")
    health = mash_app.api_session("HEALTH_SAFEGUARDING_LEAD")
    listed = police.get("/api/v1/mash/requests").json()
    mine = next(r for r in listed if r["request_id"] == asked["police"])
    assert mine["question"] == POLICE_Q and set(mine["child"]) >= {"name", "date_of_birth"}
    assert all(r["request_id"] != asked["health"] for r in listed)
    assert health.get(f"/api/v1/mash/requests/{asked['police']}").status_code == 403
    done = police.post(f"/api/v1/mash/requests/{asked['police']}/answer", json={"answer": POLICE_A})
    assert done.status_code == 200 and done.json()["within_due_time"] is True
    case = mash.get(f"/api/v1/mash/cases/{case_id}", params=purpose).json()
    assert [r["status"] for r in case["requests"]] == ["ANSWERED", "OPEN"]
    assert mash.get("/api/v1/mash", params=purpose).status_code == 200
    closed = mash.post(
        f"/api/v1/triage-cases/{case_id}/closure",
        params=purpose,
        json={"outcome": "POLICE_ACTION", "reason": "Police to investigate the assault today"},
    )
    assert closed.status_code == 200, closed.text
    late = health.post(f"/api/v1/mash/requests/{asked['health']}/answer", json={"answer": HEALTH_A})
    assert late.status_code == 409 and "closed this case" in late.json()["detail"]


def test_a_case_opened_before_timescales_has_a_single_view(tab: Any, mash_app: LiveApp) -> None:
    """A case opened before the MASH's timescales were recorded (migration 0073) has no
    decision due: the child's single view failed with a 500 on ``due_at[:16]``."""
    from sqlalchemy import update

    from joinedup.store.casework_tables import triage_case

    page = tab
    person, source = child_known_to_social_care(mash_app.engine, skip=45)
    add_contact(mash_app.engine, source)
    sign_in(page, mash_app.username("MASH_PRACTITIONER"))
    declare(page, "MASH triage")
    page.goto(f"/people/{person}")
    page.get_by_label("Open a MASH triage case: why is the MASH triaging this child?").fill(REASON)
    page.get_by_test_id("open-triage").click()
    expect(page.get_by_test_id("mash-case-link")).to_be_visible()
    with mash_app.engine.begin() as connection:
        connection.execute(
            update(triage_case).where(triage_case.c.person_id == person).values(due_at=None)
        )
    response = page.goto(f"/people/{person}")
    assert response is not None and response.status == 200
    expect(page.get_by_test_id("mash-case-link")).to_be_visible()
    expect(page.locator("main")).to_contain_text("no decision deadline was recorded")
    page.get_by_test_id("mash-case-link").click()
    expect(page.get_by_test_id("case-due")).to_contain_text("not recorded")

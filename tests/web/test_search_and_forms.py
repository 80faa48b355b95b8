"""Search that finds and forms that help, in a real browser (issue 19, findings 5, 6 and the
"why you see what you see" of 7).

Finding 5: a forename with a date of birth typed the British way finds the child; an
impossible date is named on its field; results come a page at a time with a count and a
"more results" link; "Wozniak" finds "Woźniak".
Finding 6: every form answers a mistake with the GOV.UK error pattern: an error summary whose
items link to the field, the message on the field, the input kept, a sentence in plain
English, and the form again (400 or 422), never a generic "Bad Request" page.
Finding 7: "why you see what you see" is said in sentences, not field codes.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select, text

from joinedup.governance.access import AccessRequest
from joinedup.governance.emergency import break_glass
from joinedup.services import search
from joinedup.store.tables import person
from tests.support.webapp import LiveApp, served_copy, sign_in
from tests.web.test_child import WHY, caseload_child, declare


def _born(live_app: LiveApp, person_id: str) -> date:
    with live_app.engine.connect() as connection:
        value = connection.execute(
            text(
                "select pr.date_of_birth from person_record pr join linkage_record lr"
                " on lr.agency_id = pr.agency_id and lr.source_table = pr.source_table"
                " and lr.source_id = pr.source_id where lr.person_id = :p"
                " and pr.agency_id = 'social_care' and pr.date_of_birth is not null limit 1"
            ),
            {"p": person_id},
        ).scalar_one()
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def _linked_to_its_field(page: Any, field_id: str, message: str) -> None:
    """The GOV.UK error pattern for one field: the summary's item links to the field, the
    field shows the same message, and the page's title begins "Error:"."""
    summary = page.get_by_test_id("form-error")
    expect(summary).to_be_visible()
    link = summary.locator(f"a[href='#{field_id}']")
    expect(link).to_contain_text(message)
    expect(page.locator(f"#{field_id}-error")).to_contain_text(message)
    expect(page).to_have_title(re.compile(r"^Error: "))
    expect(page.locator("body")).not_to_contain_text("Bad Request")
    link.click()
    expect(page.locator(f"#{field_id}")).to_be_focused()


def test_a_forename_and_a_british_date_of_birth_find_the_child(
    page: Any, live_app: LiveApp
) -> None:
    person_id, forenames, _surname = caseload_child(live_app)
    born = _born(live_app, person_id)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto("/people")
    page.get_by_label("Name").fill(forenames.split()[0])
    page.get_by_label("Date of birth").fill(f"{born.day}/{born.month}/{born.year}")
    page.get_by_role("button", name="Search").click()
    results = page.get_by_test_id("search-results")
    expect(results.locator(f"a[href='/people/{person_id}']")).to_be_visible()
    expect(page.get_by_test_id("result-count")).to_contain_text(re.compile(r"^\d+ results?"))
    expect(results).to_contain_text(f"{born.day} {born:%B %Y}")  # in words, not ISO


def test_an_impossible_date_of_birth_is_named_on_its_field(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto("/people")
    page.get_by_label("Name").fill("Amelia")
    page.get_by_label("Date of birth").fill("31/02/2015")
    with page.expect_response(re.compile(r"/people\?")) as answered:
        page.get_by_role("button", name="Search").click()
    assert answered.value.status == 400
    _linked_to_its_field(page, "date_of_birth", "Date of birth must be a real date")
    expect(page.get_by_label("Date of birth")).to_have_value("31/02/2015")
    expect(page.get_by_label("Name")).to_have_value("Amelia")


def test_more_results_a_page_at_a_time(
    page: Any, live_app: LiveApp, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The app is served in this process: a page of two makes a few children enough."""
    monkeypatch.setattr(search, "PAGE_SIZE", 2)
    with live_app.engine.connect() as connection:
        surname, postcode, many = connection.execute(
            text(
                "select min(pr.surname), min(pr.postcode), count(distinct lr.person_id)"
                " from person_record pr join linkage_record lr on lr.agency_id = pr.agency_id"
                " and lr.source_table = pr.source_table and lr.source_id = pr.source_id"
                " where pr.date_of_birth > :born_after and pr.postcode is not null"
                " group by lower(pr.surname) having count(distinct lr.person_id) >= 3"
                " order by count(distinct lr.person_id) desc limit 1"
            ),
            {"born_after": date(date.today().year - 17, 1, 1)},
        ).one()
    sign_in(page, live_app.username("MASH_PRACTITIONER"))
    declare(page, "MASH triage")
    page.goto("/people")
    page.get_by_label("Name").fill(surname)
    page.get_by_label("Postcode").fill(postcode)
    page.get_by_role("button", name="Search").click()
    count = page.get_by_test_id("result-count")
    expect(count).to_contain_text(re.compile(r"^\d+ results"))
    total = int(count.inner_text().split()[0])
    assert total >= 3
    first = page.get_by_test_id("search-results").locator("tbody a").all_inner_texts()
    assert len(first) == 2
    page.get_by_test_id("more-results").get_by_role("link", name=re.compile("More results")).click()
    expect(page).to_have_url(re.compile(r"page=2"))
    second = page.get_by_test_id("search-results").locator("tbody a")
    expect(second.first).to_be_visible()
    assert not set(first) & set(second.all_inner_texts()) or many > total


def test_wozniak_finds_wozniak(page: Any, tmp_path_factory: pytest.TempPathFactory) -> None:
    from joinedup.domain.names import folded_or_none

    with served_copy(tmp_path_factory, "wozniak") as app:
        person_id, forenames, _surname = caseload_child(app)
        with app.engine.begin() as connection:
            connection.execute(
                text(
                    "update person_record set surname = :s, surname_folded = :f where id in"
                    " (select pr.id from person_record pr join linkage_record lr"
                    " on lr.agency_id = pr.agency_id and lr.source_table = pr.source_table"
                    " and lr.source_id = pr.source_id where lr.person_id = :p)"
                ),
                {"s": "Woźniak", "f": folded_or_none("Woźniak"), "p": person_id},
            )
        page.context.close()
        page = page.context.browser.new_context(base_url=app.url).new_page()
        sign_in(page, app.username("SOCIAL_WORKER"))
        declare(page, "Lead practitioner casework")
        page.goto("/people")
        page.get_by_label("Name").fill(f"{forenames.split()[0]} Wozniak")
        page.get_by_role("button", name="Search").click()
        results = page.get_by_test_id("search-results")
        expect(results.locator(f"a[href='/people/{person_id}']")).to_contain_text("Woźniak")


def test_an_empty_purpose_shows_the_form_again_with_its_error(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    expect(page).to_have_url(re.compile(r"/purpose"))
    with page.expect_response(re.compile(r"/purpose")) as answered:
        page.get_by_role("button", name="Continue").click()
    assert answered.value.status == 400
    _linked_to_its_field(page, "purpose", "Select your purpose")
    declare(page, "Lead practitioner casework")


def test_a_concern_left_empty_keeps_what_was_chosen(page: Any, live_app: LiveApp) -> None:
    person_id, _f, _s = caseload_child(live_app)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto(f"/people/{person_id}")
    page.get_by_label("An engagement").check()
    page.get_by_label("What happened, and what you did").fill("Too short")
    page.get_by_test_id("concern-submit").click()
    said = "Say what the engagement is in 10 to 4,000 characters"
    _linked_to_its_field(page, "concern-text", said)
    expect(page.get_by_label("What happened, and what you did")).to_have_value("Too short")
    expect(page.get_by_label("An engagement")).to_be_checked()


def test_a_short_emergency_is_named_on_its_field(page: Any, live_app: LiveApp) -> None:
    with live_app.engine.connect() as connection:
        stranger = connection.execute(
            text(
                "select lr.person_id from linkage_record lr where lr.agency_id = 'health'"
                " order by lr.person_id desc limit 1 offset 3"
            )
        ).scalar_one()
    sign_in(page, live_app.username("POLICE_SAFEGUARDING_OFFICER"))
    declare(page, "Child protection enquiry")
    page.goto(f"/people/{stranger}")
    page.get_by_test_id("break-glass").locator("summary").click()
    page.get_by_label("What is the emergency?").fill("urgent")
    page.get_by_test_id("break-glass-submit").click()
    expect(page.get_by_test_id("break-glass")).to_have_attribute("open", "")
    said = "Break glass needs a typed justification saying what the emergency is"
    _linked_to_its_field(page, "justification", said)
    expect(page.get_by_label("What is the emergency?")).to_have_value("urgent")


def test_a_review_outcome_left_empty_shows_the_queue_again(page: Any, live_app: LiveApp) -> None:
    practitioner = live_app.users["MASH_PRACTITIONER"]
    with live_app.engine.begin() as connection:
        child = connection.execute(select(person.c.id).offset(5).limit(1)).scalar_one()
        grant, _ = break_glass(
            connection,
            AccessRequest.build(
                user_id=practitioner["username"],
                role="MASH_PRACTITIONER",
                agency=practitioner["agency"],
                purpose="MASH_TRIAGE",
                child_id=child,
                fields=["health.encounters"],
            ),
            WHY,
        )
    task_id = grant.review_task_id
    sign_in(page, live_app.username("PRIVACY_OFFICER"))
    declare(page, "Access audit")
    page.goto("/privacy/break-glass")
    task = page.get_by_test_id(f"task-{task_id}")
    task.get_by_label("Note (needed unless appropriate)").fill("Kept while I check.")
    with page.expect_response(re.compile(rf"/privacy/break-glass/{task_id}")) as answered:
        task.get_by_role("button", name="Record the outcome").click()
    assert answered.value.status == 400
    _linked_to_its_field(page, f"outcome-{task_id}", "Select whether this access was appropriate")
    expect(
        page.get_by_test_id(f"task-{task_id}").get_by_label("Note (needed unless appropriate)")
    ).to_have_value("Kept while I check.")


def test_an_intervention_estimate_without_a_choice_is_named_on_its_field(
    page: Any, live_app: LiveApp
) -> None:
    person_id, _f, _s = caseload_child(live_app)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto(f"/people/{person_id}/interventions?type=NOT_A_TYPE")
    _linked_to_its_field(page, "type", "Select an intervention from the list")


def test_a_wrong_password_is_named_on_the_form(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("SOCIAL_WORKER"), "not the password at all")
    _linked_to_its_field(page, "username", "Wrong username or password")
    expect(page.get_by_label("Username")).to_have_value(live_app.username("SOCIAL_WORKER"))


def test_why_you_see_what_you_see_is_said_in_sentences(page: Any, live_app: LiveApp) -> None:
    person_id, _f, _s = caseload_child(live_app)
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    declare(page, "Lead practitioner casework")
    page.goto("/purpose")
    page.get_by_label("Early help", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.goto(f"/people/{person_id}")
    why = page.get_by_test_id("why")
    why.locator("summary").click()
    said = why.inner_text()
    assert "You are a social worker in children's social care, looking for early help" in said
    assert re.search(r"records (are|is) (not )?shared with you for early help", said), said
    for code in ("SOCIAL_WORKER", "EARLY_HELP", "social_care.", "denied:", "allowed by", "dsa/"):
        assert code not in said, code


def test_a_link_review_without_a_decision_keeps_the_reason(page: Any, live_app: LiveApp) -> None:
    """Nothing is recorded: the shared store's review item stays open for the others."""
    from joinedup.store.linkage_tables import linkage_review

    with live_app.engine.connect() as connection:
        item = connection.execute(
            select(linkage_review.c.id).where(linkage_review.c.status == "OPEN").limit(1)
        ).scalar_one()
    sign_in(page, live_app.username("PARTNERSHIP_ANALYST"))
    declare(page, "Statutory return")
    page.goto(f"/review/{item}")
    page.get_by_label("Why (optional)").fill("Same school, same birthday.")
    with page.expect_response(re.compile(rf"/review/{item}$")) as answered:
        page.get_by_role("button", name="Record the decision").click()
    assert answered.value.status == 400
    _linked_to_its_field(page, "decision", "Select whether these are the same person")
    expect(page.get_by_label("Why (optional)")).to_have_value("Same school, same birthday.")


def test_an_impossible_audit_date_is_named_on_its_field(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("PRIVACY_OFFICER"))
    declare(page, "Access audit")
    page.goto("/privacy/audit")
    page.get_by_label("Since").fill("30/02/2026")
    page.get_by_role("button", name="Search").click()
    _linked_to_its_field(page, "since", "Since must be a real date")
    expect(page.get_by_label("Since")).to_have_value("30/02/2026")
    page.get_by_label("Since").fill("1/1/2020")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("form-error")).to_have_count(0)

"""A home for each role: what needs me today, and my children (issue 19, finding 3).

Before: the home page was a list of links; a social worker had no caseload and had to know a
child's name to find them, and nothing said what had arrived since they last looked.
"""

from __future__ import annotations

import os
import re
import uuid
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import insert, select, text

from joinedup.store.tables import delivery, event, person_record, source_record
from tests.support.casework import add_contact, child_known_to_social_care
from tests.support.webapp import LiveApp, served_copy, sign_in

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"


def _declare(page: Any, title: str) -> None:
    page.goto("/purpose")
    page.get_by_label(title).check()
    page.get_by_role("button", name="Continue").click()


def _caseload(live_app: LiveApp, role: str) -> list[str]:
    user = live_app.users[role]
    with live_app.engine.connect() as connection:
        return list(
            connection.execute(
                text(
                    "select distinct lr.person_id from involvement i join linkage_record lr"
                    " on lr.agency_id = i.agency_id and lr.source_id = i.person_source_id"
                    " where i.agency_id = :agency and i.practitioner_key = :key"
                    " and (i.start_date is null or i.start_date <= :today)"
                    " and (i.end_date is null or i.end_date >= :today)"
                ),
                {"agency": user["agency"], "key": user["practitioner_key"], "today": date.today()},
            ).scalars()
        )


def _team_child(live_app: LiveApp, role: str) -> str:
    """A child a colleague in the practitioner's team is involved with today, and they are
    not."""
    user = live_app.users[role]
    with live_app.engine.connect() as connection:
        return str(
            connection.execute(
                text(
                    "select lr.person_id from involvement i join practitioner p"
                    " on p.agency_id = i.agency_id and p.practitioner_key = i.practitioner_key"
                    " join linkage_record lr on lr.agency_id = i.agency_id"
                    " and lr.source_id = i.person_source_id"
                    " where i.agency_id = :agency and p.team = :team and i.practitioner_key <> :key"
                    " and (i.start_date is null or i.start_date <= :today)"
                    " and (i.end_date is null or i.end_date >= :today)"
                    " and lr.person_id not in (select lr2.person_id from involvement i2"
                    " join linkage_record lr2 on lr2.agency_id = i2.agency_id"
                    " and lr2.source_id = i2.person_source_id where i2.practitioner_key = :key)"
                    " order by lr.person_id limit 1"
                ),
                {
                    "agency": user["agency"], "team": user["team"],
                    "key": user["practitioner_key"], "today": date.today(),
                },
            ).scalar_one()
        )  # fmt: skip


def _shown_name(live_app: LiveApp, person_id: str) -> str:
    """The name the social worker's own agency records the child by (what the list shows)."""
    with live_app.engine.connect() as connection:
        row = connection.execute(
            text(
                "select pr.forenames, pr.surname from linkage_record lr join person_record pr"
                " on pr.agency_id = lr.agency_id and pr.source_table = lr.source_table"
                " and pr.source_id = lr.source_id where lr.person_id = :p"
                " and lr.agency_id = 'social_care' limit 1"
            ),
            {"p": person_id},
        ).one()
    return " ".join(x for x in row if x)


def deliver_contact(engine: Any, person_id: str) -> None:
    """A contact about the child, in a social care delivery received now."""
    now = datetime.now(UTC)
    with engine.begin() as connection:
        source = connection.execute(
            text(
                "select source_id from linkage_record where person_id = :p"
                " and agency_id = 'social_care' limit 1"
            ),
            {"p": person_id},
        ).scalar_one()
        sent = connection.execute(
            insert(delivery).values(
                agency_id="social_care",
                feed_format="ssd-csv/1",
                extracted_at=now,
                received_at=now,
                manifest_sha256=uuid.uuid4().hex * 2,
                source_path="test",
                rows=1,
                accepted=1,
            )
        ).inserted_primary_key[0]
        record = connection.execute(
            insert(source_record).values(
                agency_id="social_care",
                source_table="ssd_contacts",
                source_id=f"TEST-{uuid.uuid4().hex[:8]}",
                content_sha256="0" * 64,
                payload={},
                first_delivery_id=sent,
                last_changed_delivery_id=sent,
                row_number=1,
            )
        ).inserted_primary_key[0]
        connection.execute(
            insert(event).values(
                source_record_id=record, agency_id="social_care", source_table="ssd_contacts",
                source_id=f"TEST-{uuid.uuid4().hex[:8]}", person_source_id=source,
                category="social_care", event_type="CONTACT", occurred_on=date.today(),
                codes=[], detail={},
            )
        )  # fmt: skip


@pytest.fixture(scope="module")
def own_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A copy of the store: the test adds a contact and moves a last look back."""
    with served_copy(tmp_path_factory, "home") as app:
        yield app


def test_a_social_worker_sees_their_children_and_what_is_new_since_they_looked(
    browser: Any, own_app: LiveApp
) -> None:
    context = browser.new_context(base_url=own_app.url)
    page = context.new_page()
    try:
        sign_in(page, own_app.username("SOCIAL_WORKER"))
        _declare(page, "Lead practitioner casework")
        page.goto("/")
        mine = _caseload(own_app, "SOCIAL_WORKER")
        assert mine, "the demo social worker has no children"
        children = page.get_by_test_id("home-children")
        expect(children).to_be_visible()
        expect(children).to_contain_text("Not opened yet")
        expect(page.get_by_test_id("home-caseload")).to_contain_text(
            f"All your children ({len(mine)})"
        )
        first = children.locator("a[href^='/people/']").first
        name = first.inner_text()
        assert name and "P-" not in name  # a name, not an id
        person_id = str(first.get_attribute("href")).rsplit("/", 1)[1]
        assert person_id in mine
        first.click()
        expect(page).to_have_url(re.compile(rf"/people/{person_id}$"))
        # Back home: opened just now, nothing new; and among the children opened recently.
        page.goto("/")
        row = page.get_by_test_id("home-children").get_by_role("row").filter(has_text=name)
        expect(row.get_by_test_id("new-since")).to_contain_text("Nothing new")
        # A child of a colleague's (the team's caseload), opened: among the children opened
        # recently, named; the reader's own, already listed above, are not listed twice.
        colleague_child = _team_child(own_app, "SOCIAL_WORKER")
        page.goto(f"/people/{colleague_child}")
        later = _shown_name(own_app, colleague_child)
        page.goto("/")
        expect(page.get_by_test_id("home-recent")).to_contain_text(later)
        expect(page.get_by_test_id("home-recent")).not_to_contain_text(name)
        # Then a contact arrives in a new delivery: "1 new record" until the child is opened.
        deliver_contact(own_app.engine, person_id)
        page.goto("/")
        row = page.get_by_test_id("home-children").get_by_role("row").filter(has_text=name)
        expect(row.get_by_test_id("new-since")).to_contain_text("1 new record")
        if os.environ.get("JOINEDUP_SCREENSHOTS") == "1":
            IMG.mkdir(parents=True, exist_ok=True)
            page.set_viewport_size({"width": 1200, "height": 900})
            page.screenshot(path=str(IMG / "home.png"), full_page=True)
            page.set_viewport_size({"width": 390, "height": 844})
            page.screenshot(path=str(IMG / "home-phone.png"), full_page=False)
            page.set_viewport_size({"width": 1200, "height": 900})
        # My children: the whole caseload, the same words.
        page.get_by_role("link", name=f"All your children ({len(mine)})").click()
        expect(page.get_by_role("heading", name="My children", level=1)).to_be_visible()
        expect(
            page.get_by_test_id("caseload").get_by_role("row").filter(has_text=name)
        ).to_contain_text("1 new record")
        # Each child listed was a governed read, audited with the reader as its actor.
        with own_app.engine.connect() as connection:
            entries = connection.execute(
                text(
                    "select count(*) from audit_entry where kind = 'ACCESS'"
                    " and actor = :me and subject = :p"
                ),
                {"me": own_app.username("SOCIAL_WORKER"), "p": person_id},
            ).scalar_one()
        assert entries >= 3
    finally:
        context.close()


def test_the_caseload_names_only_what_the_reader_may_see(page: Any, live_app: LiveApp) -> None:
    """Every child the home page names is one of the reader's own, named as in a record whose
    identity data the reader may see (their own agency's)."""
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    _declare(page, "Lead practitioner casework")
    page.goto("/my-children")
    links = page.get_by_test_id("caseload").locator("a[href^='/people/']")
    expect(links.first).to_be_visible()
    mine = set(_caseload(live_app, "SOCIAL_WORKER"))
    hrefs = links.evaluate_all("as => as.map(a => a.getAttribute('href'))")
    assert {h.rsplit("/", 1)[1] for h in hrefs} <= mine
    with live_app.engine.connect() as connection:
        names = {
            " ".join(x for x in (r.forenames, r.surname) if x)
            for r in connection.execute(
                select(person_record.c.forenames, person_record.c.surname).where(
                    person_record.c.agency_id == "social_care"
                )
            )
        }
    for shown in links.all_inner_texts():
        assert shown in names, shown


def test_a_dsl_without_a_purpose_is_asked_to_declare_one_first(
    page: Any, live_app: LiveApp
) -> None:
    sign_in(page, live_app.username("SCHOOL_DSL"))
    page.goto("/")
    expect(page.get_by_test_id("declare-first")).to_be_visible()
    expect(page.get_by_test_id("home-caseload")).to_have_count(0)
    expect(page.get_by_test_id("home-alerts")).to_be_visible()  # alerts need no purpose


def test_the_mash_sees_todays_triage_and_open_cases(browser: Any, own_app: LiveApp) -> None:
    """An open MASH case is listed with when it is due (the store is not scored: the list
    says so)."""
    person_id, source = child_known_to_social_care(own_app.engine, skip=3)
    add_contact(own_app.engine, source)
    client = own_app.api_session("MASH_PRACTITIONER")
    opened = client.post(
        f"/api/v1/people/{person_id}/triage-cases?purpose=MASH_TRIAGE",
        json={"reason": "A contact from the school about bruising seen on the child today"},
    )
    assert opened.status_code in (200, 201), opened.text
    context = browser.new_context(base_url=own_app.url)
    page = context.new_page()
    try:
        sign_in(page, own_app.username("MASH_PRACTITIONER"))
        _declare(page, "MASH triage")
        page.goto("/")
        triage = page.get_by_test_id("home-triage")
        expect(triage).to_contain_text("Today's triage")
        expect(triage).to_contain_text(
            re.compile(r"(at or above the triage threshold|No child has a risk score yet)")
        )
        expect(triage.get_by_role("link", name="The triage list")).to_be_visible()
        cases = page.get_by_test_id("home-cases")
        expect(cases).to_contain_text(re.compile(r"after a contact: due \d+ \w+ \d{4} at"))
        expect(cases.locator(f"a[href='/people/{person_id}']")).to_have_count(1)
    finally:
        context.close()


def test_stewards_and_the_privacy_officer_see_their_queues(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("PARTNERSHIP_ANALYST"))
    page.goto("/")
    stewardship = page.get_by_test_id("home-stewardship")
    expect(stewardship).to_contain_text(re.compile(r"\d+ pairs? of records"))
    expect(stewardship).to_contain_text(re.compile(r"\d+ quarantined rows?"))
    expect(page.get_by_test_id("home-caseload")).to_have_count(0)
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_app.username("PRIVACY_OFFICER"))
    _declare(page, "Access audit")
    page.goto("/")
    privacy = page.get_by_test_id("home-privacy")
    expect(privacy).to_contain_text(re.compile(r"\d+ emergency access"))
    expect(privacy).to_contain_text(re.compile(r"\d+ open notices?"))


def test_my_children_is_refused_to_roles_without_a_caseload(live_app: LiveApp) -> None:
    client = live_app.api_session("PARTNERSHIP_ANALYST")
    answer = client.get("/my-children", follow_redirects=False)
    assert answer.status_code == 403, answer.status_code

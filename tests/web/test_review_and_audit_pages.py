"""Two pages that failed on real data: a clerical review item (every one was a 500: the
evidence, a list, was read as a mapping) now shows the pair's two records side by side with
what the linkage compared; the audit search (120,000 pixels of Python lists for a broad
search) is a table of 50 entries a page, each entry's details in a few words."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from joinedup.governance.audit.log import append_many
from joinedup.store.linkage_tables import linkage_review
from joinedup.store.tables import person_record
from tests.support.webapp import LiveApp, served_copy, sign_in

FIELDS = [f"{agency}.{item}" for agency in ("health", "police", "education", "housing")
          for item in ("encounters", "incidents", "attendance", "address", "events", "notes",
                       "conditions", "exclusions", "contacts", "alerts")]  # fmt: skip
AUDITED = "audit.test.user"


@pytest.fixture(scope="module")
def own_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    with served_copy(tmp_path_factory, "review-audit") as app:
        yield app


@pytest.fixture
def own_page(browser: Any, own_app: LiveApp) -> Iterator[Any]:
    expect.set_options(timeout=20_000)
    context = browser.new_context(base_url=own_app.url)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def declare(page: Any, purpose: str) -> None:
    expect(page).to_have_url(re.compile(r"/purpose"))
    page.get_by_label(purpose, exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def menu(page: Any, name: str) -> Any:
    return page.locator(".govuk-service-navigation").get_by_role("link", name=name)


def name_of(app: LiveApp, record_key: str) -> tuple[str, str]:
    agency, table, source_id = record_key.split("|", 2)
    with app.engine.connect() as connection:
        row = connection.execute(
            select(person_record.c.forenames, person_record.c.surname).where(
                person_record.c.agency_id == agency,
                person_record.c.source_table == table,
                person_record.c.source_id == source_id,
            )
        ).one()
    return row.forenames, row.surname


def test_a_review_item_shows_the_two_records_side_by_side(own_page: Any, own_app: LiveApp) -> None:
    with own_app.engine.connect() as connection:
        item = connection.execute(
            select(linkage_review).where(linkage_review.c.status == "OPEN").limit(1)
        ).one()
    page = own_page
    sign_in(page, own_app.username("PARTNERSHIP_ANALYST"))
    declare(page, "Statutory return")
    menu(page, "Review links").click()
    page.locator(f'a[href="/review/{item.id}"]').click()
    expect(page.get_by_role("heading", name=f"Review {item.id}")).to_be_visible()
    records = page.get_by_test_id("review-records")
    for key in (item.record_key_l, item.record_key_r):
        forenames, surname = name_of(own_app, key)
        expect(records).to_contain_text(f"{forenames} {surname}")
    expect(page.get_by_test_id("compared-name")).to_contain_text(re.compile("same|different"))
    evidence = page.get_by_test_id("review-evidence").locator("tbody tr")
    assert evidence.count() == len(item.evidence) >= 3
    expect(evidence.first).to_contain_text(str(item.evidence[0]["level"]))
    page.get_by_label("No, different people").check()
    page.get_by_label("Why (optional)").fill("Different dates of birth and schools.")
    page.get_by_role("button", name="Record the decision").click()
    expect(page.get_by_test_id("review-queue")).to_be_visible()
    expect(page.locator(f'a[href="/review/{item.id}"]')).to_have_count(0)
    page.goto(f"/review/{item.id}")
    expect(page.get_by_test_id("review-status")).to_contain_text("decided: non match")


def test_the_audit_search_is_a_readable_page_of_entries(own_page: Any, own_app: LiveApp) -> None:
    """120 access decisions with every field listed, as the gate writes them."""
    now = datetime.now(UTC)
    entries = [
        {
            "kind": "ACCESS",
            "actor": AUDITED,
            "actor_role": "SOCIAL_WORKER",
            "purpose": "LEAD_PRACTITIONER_CASEWORK",
            "subject": f"P-AUDIT-{n}",
            "details": {
                "agency": "social_care",
                "relationships": ["INVOLVED"],
                "requested": FIELDS,
                "allowed": FIELDS[:25],
                "denied": FIELDS[25:],
                "reasons": [f"{f} is not shared for this purpose" for f in FIELDS[25:]],
                "agreements": ["EXM-MASH-001"],
            },
            "recorded_at": now,
        }
        for n in range(120)
    ]  # fmt: skip
    with own_app.engine.begin() as connection:
        append_many(connection, entries)
    page = own_page
    sign_in(page, own_app.username("PRIVACY_OFFICER"))
    declare(page, "Access audit")
    menu(page, "Audit search").click()
    page.get_by_label("Who (username)").fill(AUDITED)
    page.get_by_role("button", name="Search").click()
    seen: list[int] = []
    for expected in (50, 50, 20):
        results = page.get_by_test_id("audit-results")
        expect(results).to_be_visible()
        assert not re.search(r"\[['\"]|\{['\"]", results.inner_text()), "Python's repr"
        height = page.evaluate("document.documentElement.scrollHeight")
        assert height < 12_000, f"{height} pixels tall"
        rows = page.get_by_test_id("audit-entry")
        expect(rows).to_have_count(expected)
        expect(rows.first.get_by_test_id("audit-details")).to_contain_text("requested: 40")
        seen += [int(r.locator("td").first.inner_text()) for r in rows.all()]
        if expected == 50:
            page.get_by_test_id("audit-next").click()
    expect(page.get_by_test_id("audit-next")).to_have_count(0)
    assert seen == sorted(set(seen)) and len(seen) == 120  # every entry once, in order

"""The MASH practitioner's triage in a real browser: open the ranked list, filter it by a
factor, open a child's explanation, record a decision; and the same through the API, which
refuses other roles. The store is the shared synthetic one with the risk model trained and
every child scored twice (three months apart, so the list shows changes). A screenshot of
the list is written to docs/img/triage.png when JOINEDUP_SCREENSHOTS=1."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from joinedup import services
from joinedup.risk.areas import AREAS
from joinedup.risk.factors import FACTORS
from joinedup.services import risk
from tests.support.webapp import LiveApp, served, shared_store, sign_in

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
WHY = "Police and school both report concerns this month; discuss at today's meeting."


@pytest.fixture(scope="session")
def scored_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    """A live app on a copy of the shared store with the risk model trained and scored."""
    folder = tmp_path_factory.mktemp("triage-app")
    users = shared_store(tmp_path_factory, folder)
    engine = services.open_store(f"sqlite:///{folder / 'web.db'}")
    trained = risk.train_risk_model(engine, seed=3)
    as_of = date.fromisoformat(trained["trained_through"])
    as_of = as_of.replace(year=as_of.year + 1)
    risk.score_children(engine, as_of=as_of - timedelta(days=91))
    risk.score_children(engine, as_of=as_of)
    with served(engine, users) as app:
        yield app


@pytest.fixture
def triage_page(browser: Any, scored_app: LiveApp) -> Iterator[Any]:
    expect.set_options(timeout=20_000)
    context = browser.new_context(base_url=scored_app.url)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def declare_mash_triage(page: Any) -> None:
    page.get_by_label("MASH triage", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def test_the_mash_triages_filters_explains_and_decides(
    triage_page: Any, scored_app: LiveApp
) -> None:
    page = triage_page
    sign_in(page, scored_app.username("MASH_PRACTITIONER"))
    declare_mash_triage(page)
    page.get_by_role("navigation", name="Menu").get_by_role(
        "link", name="Triage", exact=True
    ).click()
    expect(page.get_by_test_id("advisory")).to_contain_text("a practitioner decides")
    rows = page.get_by_test_id("triage-row")
    expect(rows.first).to_be_visible()
    listed = rows.count()
    assert listed >= 3, "the 250-child store flags a handful of children"
    ranks = [int(r.locator("td").first.inner_text()) for r in rows.all()]
    assert ranks == sorted(ranks)
    expect(rows.first.get_by_test_id("factors").locator("li").first).to_be_visible()
    expect(rows.first.get_by_test_id("factors").locator("a").first).to_have_attribute(
        "href", f"/people/{rows.first.get_attribute('data-person')}"
    )
    if os.environ.get("JOINEDUP_SCREENSHOTS") == "1":
        IMG.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1200, "height": 900})
        page.screenshot(path=str(IMG / "triage.png"), full_page=True)

    # Filter by the top child's first factor: every child left shows it.
    label = rows.first.get_by_test_id("factors").locator("a").first.inner_text().strip()
    page.get_by_label("Factor").select_option(label=label)
    page.get_by_test_id("apply-filters").click()
    expect(page).to_have_url(re.compile(r"factor=\w"))
    filtered = page.get_by_test_id("triage-row")
    expect(filtered.first).to_be_visible()
    assert filtered.count() <= listed
    for row in filtered.all():
        expect(row.get_by_test_id("factors")).to_contain_text(label)

    # The explanation: contributions as a chart and a table, what changed, the decision.
    person = filtered.first.get_attribute("data-person")
    filtered.first.get_by_test_id("explain-link").click()
    expect(page.get_by_role("heading", name="Why this child is on the list")).to_be_visible()
    chart = page.get_by_test_id("contributions-chart").locator("svg")
    expect(chart).to_be_visible()
    assert chart.locator("rect").count() >= 1
    # the model weighs areas of concern: the factor is in the evidence, with its area, and
    # its area is in the contributions table
    area = next(a for a in AREAS.values() if any(FACTORS[f].label == label for f in a.factors))
    expect(page.get_by_test_id("factors")).to_contain_text(label)
    expect(page.get_by_test_id("factors")).to_contain_text(area.label)
    expect(page.get_by_test_id("contributions")).to_contain_text(area.label)
    expect(page.get_by_test_id("changes")).to_contain_text("changed by")
    page.get_by_test_id("decision-submit").click()
    expect(page.get_by_test_id("form-error")).to_contain_text("Choose what you decided")
    page.get_by_label("Discuss at the MASH meeting").check()
    page.get_by_label("Why?").fill(WHY)
    page.get_by_test_id("decision-submit").click()
    expect(page.get_by_test_id("done")).to_contain_text("discuss")
    expect(page.get_by_test_id("changes")).to_contain_text(WHY)
    with scored_app.engine.connect() as connection:
        recorded = connection.execute(
            text("select decision, reason from risk_decision where person_id = :p"),
            {"p": person},
        ).all()
    assert [tuple(r) for r in recorded] == [("DISCUSS", WHY)]


def test_each_factor_links_to_its_evidence_in_the_single_view(
    triage_page: Any, scored_app: LiveApp
) -> None:
    """A factor's own records link to their rows in the child's single view; records of a
    parent or sibling (household factors) are counted, not linked (they are not the child's)."""
    mash = scored_app.api_session("MASH_PRACTITIONER")
    purpose = {"purpose": "MASH_TRIAGE"}
    listed = mash.get("/api/v1/triage", params=purpose | {"limit": 50}).json()["children"]
    explained = [
        mash.get(f"/api/v1/triage/{c['person_id']}", params=purpose).json() for c in listed
    ]
    factors = [(e["person_id"], f) for e in explained for f in e["factors"]]
    own = [(p, f) for p, f in factors if f["own_event_ids"]]
    assert own, "some flagged child has a factor evidenced in their own records"
    assert all(set(f["own_event_ids"]) <= set(f["event_ids"]) for _, f in factors)
    household = [f for _, f in factors if f["code"].startswith("hh_")]
    assert all(not f["own_event_ids"] for f in household)  # a parent's records, not the child's

    person, factor = own[0]
    page = triage_page
    sign_in(page, scored_app.username("MASH_PRACTITIONER"))
    declare_mash_triage(page)
    page.goto(f"/triage/{person}")
    evidence = page.get_by_test_id("factors").get_by_test_id("evidence-link").first
    href = evidence.get_attribute("href") or ""
    assert re.fullmatch(rf"/people/{person}#event-\d+", href), href
    evidence.click()
    expect(page).to_have_url(re.compile(re.escape(href) + "$"))
    expect(page.locator(href[href.index("#") :])).to_be_visible()  # its table row, opened


def test_the_triage_api_lists_explains_records_and_refuses_others(scored_app: LiveApp) -> None:
    mash = scored_app.api_session("MASH_PRACTITIONER")
    purpose = {"purpose": "MASH_TRIAGE"}
    listed = mash.get("/api/v1/triage", params=purpose | {"limit": 5}).json()
    assert listed["advisory"] and 1 <= len(listed["children"]) <= 5
    top = listed["children"][0]
    assert top["flagged"] and top["name"] and top["top_factors"]
    by_change = mash.get("/api/v1/triage", params=purpose | {"order": "change"}).json()
    changes = [c["change_since_previous"] or 0.0 for c in by_change["children"]]
    assert changes == sorted(changes, reverse=True)
    explained = mash.get(f"/api/v1/triage/{top['person_id']}", params=purpose).json()
    assert explained["probability_12m"] == top["probability_12m"]
    assert explained["contributions"]
    answer = mash.post(
        f"/api/v1/triage/{top['person_id']}/decision",
        params=purpose,
        json={"decision": "NO_FURTHER_ACTION", "reason": "Known to early help; plan in place."},
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["override"] is True  # a flagged child, no further action
    decisions = mash.get("/api/v1/triage-decisions", params=purpose).json()
    assert decisions["overrides"] >= 1
    # Another role, or the MASH under another purpose, is refused.
    worker = scored_app.api_session("SOCIAL_WORKER")
    refused = worker.get("/api/v1/triage", params={"purpose": "CHILD_PROTECTION_ENQUIRY"})
    assert refused.status_code == 403
    other = mash.get("/api/v1/triage", params={"purpose": "CHILD_PROTECTION_ENQUIRY"})
    assert other.status_code == 403

"""Interventions in a real browser: the partnership analyst opens the catalogue and a type's
evaluation (on the small shared store it says plainly that the evidence is too thin); a
MASH practitioner asks for the estimate for a child. Through the API: the catalogue, an
evaluation's refusals and errors, and the estimate's role and purpose checks."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import text

from tests.support.webapp import LiveApp, sign_in


def test_the_analyst_opens_an_intervention_evaluation(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("PARTNERSHIP_ANALYST"))
    page.goto("/interventions")
    types = page.get_by_test_id("intervention-types")
    expect(types).to_contain_text("Parenting programme")
    types.get_by_role("link", name="Parenting programme").click()
    expect(page).to_have_url(re.compile(r"/interventions/PARENTING_PROGRAMME$"))
    expect(page.get_by_test_id("evaluation-title")).to_contain_text("did it make a difference")
    # 250 children hold too few starts with a year of follow-up: it says so, in words.
    expect(page.get_by_test_id("too-thin")).to_contain_text("too thin")
    page.goto("/interventions/PARENTING_PROGRAMME?period=2024-13-01..2025-01-01")
    expect(page.get_by_test_id("form-error")).to_contain_text("Period must be")
    expect(page.get_by_label("Period for Parenting programme")).to_have_value(
        "2024-13-01..2025-01-01"
    )  # the input kept (issue 19, finding 6)


def test_a_practitioner_asks_what_an_intervention_might_change(
    page: Any, live_app: LiveApp
) -> None:
    key = live_app.users["SOCIAL_WORKER"]["practitioner_key"]
    with live_app.engine.connect() as connection:
        person = connection.execute(
            text(
                "select lr.person_id from involvement i join linkage_record lr"
                " on lr.agency_id = i.agency_id and lr.source_id = i.person_source_id"
                " where i.agency_id = 'social_care' and i.practitioner_key = :k"
                " and i.end_date is null order by lr.person_id limit 1"
            ),
            {"k": key},
        ).scalar_one()
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    page.get_by_label("Lead practitioner casework", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    page.goto(f"/people/{person}/interventions")
    page.get_by_label("Intervention").select_option(label="Early help family support")
    page.get_by_test_id("estimate-submit").click()
    estimate = page.get_by_test_id("estimate")
    expect(estimate).to_contain_text("Early help family support")
    expect(estimate).to_contain_text("Matched on")
    expect(page.get_by_test_id("too-thin")).to_be_visible()  # no interventions recorded here


def test_the_interventions_api(live_app: LiveApp) -> None:
    analyst = live_app.api_session("PARTNERSHIP_ANALYST")
    types = analyst.get("/api/v1/interventions/types").json()
    assert {"PARENTING_PROGRAMME", "EARLY_HELP_FAMILY_SUPPORT"} <= {t["code"] for t in types}
    result = analyst.get("/api/v1/interventions/evaluations/PARENTING_PROGRAMME").json()
    assert result["too_thin"] is True and "at least" in result["message"]
    assert analyst.get("/api/v1/interventions/evaluations/NO_SUCH_TYPE").status_code == 404
    bad = analyst.get(
        "/api/v1/interventions/evaluations/PARENTING_PROGRAMME", params={"period": "2025..2024"}
    )
    assert bad.status_code == 400
    mash = live_app.api_session("MASH_PRACTITIONER")
    assert mash.get("/api/v1/interventions/evaluations/PARENTING_PROGRAMME").status_code == 403
    with live_app.engine.connect() as connection:
        person = connection.execute(
            text("select person_id from linkage_record order by person_id limit 1")
        ).scalar_one()
    path = f"/api/v1/people/{person}/interventions/PARENTING_PROGRAMME/estimate"
    assert analyst.get(path).status_code == 403
    refused = mash.get(path, params={"purpose": "OPERATION_ENCOMPASS"})
    assert refused.status_code == 403
    answer = mash.get(path, params={"purpose": "MASH_TRIAGE"})
    assert answer.status_code == 200, answer.text
    assert answer.json()["too_thin"] is True  # not on the MASH's list: nothing may be matched


def test_the_board_page_is_honest_about_uncertain_results(
    page: Any, live_app: LiveApp, monkeypatch: Any
) -> None:
    """Issue 19, finding 10: "-100% (-100% to -100%)" and "+961% (-100% to +5831%)" were
    shown in a green success panel. Too few outcomes say "too few to say" with the counts;
    a result whose interval includes no change is not green; a reduction is, and says why."""
    from joinedup.services import interventions
    from tests.support import evaluations

    shown: dict[str, Any] = {}
    monkeypatch.setattr(interventions, "evaluation_kept", lambda *_a, **_k: shown["result"])
    sign_in(page, live_app.username("PARTNERSHIP_ANALYST"))
    green = page.locator(".govuk-panel--confirmation")

    shown["result"] = evaluations.too_thin()
    page.goto("/interventions/PARENTING_PROGRAMME")
    expect(page.get_by_test_id("headline")).to_contain_text("Too few to say")
    expect(page.get_by_test_id("headline")).to_contain_text("0 of the 24 children")
    expect(green).to_have_count(0)
    effects = page.get_by_test_id("effects")
    expect(effects).to_contain_text("too few to say")
    for impossible in ("-100% to -100%", "+961%", "+5831%"):
        expect(page.locator("main")).not_to_contain_text(impossible)

    shown["result"] = evaluations.no_difference()
    page.goto("/interventions/PARENTING_PROGRAMME")
    expect(page.get_by_test_id("headline")).to_contain_text("no difference we can detect")
    expect(green).to_have_count(0)

    # issue 22: groups still unlike after weighting: the reason, not a number
    shown["result"] = evaluations.unbalanced()
    page.goto("/interventions/PARENTING_PROGRAMME")
    expect(page.get_by_test_id("headline")).to_contain_text("No estimate is given")
    expect(page.get_by_test_id("headline")).to_contain_text("not alike enough")
    expect(green).to_have_count(0)
    expect(page.get_by_test_id("effects")).to_contain_text("not shown: groups not comparable")
    expect(page.get_by_test_id("effects")).not_to_contain_text("-38%")

    shown["result"] = evaluations.reduction()
    page.goto("/interventions/PARENTING_PROGRAMME")
    expect(green).to_have_count(1)
    expect(green).to_contain_text("whole interval is below no change")

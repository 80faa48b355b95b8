"""The privacy officer's pages in a real browser: the break-glass queue and the audit log."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import expect
from sqlalchemy import select

from joinedup.governance.access import AccessRequest
from joinedup.governance.emergency import break_glass
from joinedup.store.tables import person
from tests.support.webapp import LiveApp, sign_in

WHY = "Police report a child left alone overnight; checking for an open plan now."


def menu(page: Any, name: str) -> Any:
    return page.locator(".govuk-service-navigation").get_by_role("link", name=name)


def sign_in_for_audit(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("PRIVACY_OFFICER"))
    expect(page).to_have_url(re.compile(r"/purpose"))
    page.get_by_label("Access audit", exact=True).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def test_a_break_glass_access_is_reviewed_by_the_privacy_officer(
    page: Any, live_app: LiveApp
) -> None:
    practitioner = live_app.users["MASH_PRACTITIONER"]
    with live_app.engine.begin() as connection:
        child = connection.execute(select(person.c.id).limit(1)).scalar_one()
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
    sign_in_for_audit(page, live_app)
    menu(page, "Break-glass reviews").click()
    task = page.get_by_test_id(f"task-{grant.review_task_id}")
    expect(task).to_contain_text(WHY)
    expect(task).to_contain_text(practitioner["username"])
    task.get_by_label("Needs follow-up").check()
    task.get_by_label("Note (needed unless appropriate)").fill("Ask the MASH manager to confirm.")
    task.get_by_role("button", name="Record the outcome").click()
    done = page.get_by_test_id(f"task-{grant.review_task_id}")
    expect(done.get_by_test_id("task-status")).to_contain_text("CLOSED: NEEDS_FOLLOW_UP")
    # ...and the review is in the audit log, found through the audit search page
    menu(page, "Audit search").click()
    page.get_by_label("Kind").fill("BREAK_GLASS_REVIEW")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_test_id("audit-results")).to_contain_text("NEEDS_FOLLOW_UP")


def test_the_audit_log_is_verified_from_its_page(page: Any, live_app: LiveApp) -> None:
    sign_in_for_audit(page, live_app)
    menu(page, "Audit verification").click()
    page.get_by_role("button", name="Verify the audit log").click()
    expect(page.get_by_test_id("verify-result")).to_contain_text("The audit log is intact")


def test_a_role_without_the_page_is_refused(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("ADMINISTRATOR"))
    page.goto("/privacy/break-glass")
    expect(page.get_by_role("heading", name="You cannot do this")).to_be_visible()

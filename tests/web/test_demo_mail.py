"""Issue 19, finding 10: the demo ran no alerts worker and no mail relay, so every inbox
stayed empty while the page said the concern was "sent". Now the demo's partnership runs
the alerts worker and a local mail sink (``services.demo.running_partnership``): a social
worker records a concern about a child on her caseload, the alert arrives in another lead
practitioner's inbox, and the administrator reads the email as sent on ``/admin/mail``."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect
from sqlalchemy import text

from joinedup.config import settings
from joinedup.services import demo
from tests.support.webapp import LiveApp, served_copy, sign_in

IMG = Path(__file__).resolve().parents[2] / "docs" / "img"
CONCERN = "Child said at the visit there was no food at home this weekend; checking with school."


def shared_child(app: LiveApp) -> tuple[str, str]:
    """(person, role) of a child on the demo social worker's caseload who has another lead
    practitioner with a demo account and an email (the GP practice or the school)."""
    worker = app.users["SOCIAL_WORKER"]["practitioner_key"]
    for role in ("HEALTH_SAFEGUARDING_LEAD", "SCHOOL_DSL", "POLICE_SAFEGUARDING_OFFICER"):
        other = app.users[role].get("practitioner_key")
        if not other:
            continue
        with app.engine.connect() as connection:
            person = connection.execute(
                text(
                    "select mine.person_id from involvement i"
                    " join linkage_record mine on mine.agency_id = i.agency_id"
                    " and mine.source_id = i.person_source_id"
                    " join linkage_record theirs on theirs.person_id = mine.person_id"
                    " join involvement o on o.agency_id = theirs.agency_id"
                    " and o.person_source_id = theirs.source_id"
                    " join practitioner p on p.agency_id = o.agency_id"
                    " and p.practitioner_key = o.practitioner_key"
                    " where i.agency_id = 'social_care' and i.practitioner_key = :mine"
                    " and i.end_date is null and o.practitioner_key = :other"
                    " and o.is_lead and o.end_date is null and p.email is not null"
                    " order by mine.person_id limit 1"
                ),
                {"mine": worker, "other": other},
            ).scalar()
        if person:
            return str(person), role
    pytest.fail("no child of the demo social worker has another demo account as a lead")


def wait_for_email(app: LiveApp, deadline_seconds: float = 60) -> None:
    """Until the worker has relayed the concern and the sink has kept an email of it."""
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        with app.engine.connect() as connection:
            kept = connection.execute(
                text("select count(*) from mail_sink_message where body like :c"),
                {"c": "%no food at home%"},
            ).scalar()
        if kept:
            return
        time.sleep(0.2)
    pytest.fail("no email of the concern reached the demo's mail sink")


def test_a_recorded_concern_reaches_the_inbox_and_the_mail_page(
    browser: Any, tmp_path_factory: pytest.TempPathFactory
) -> None:
    with (
        served_copy(tmp_path_factory, "demo-mail") as app,
        demo.running_partnership(app.engine) as running,
    ):
        assert running.mail_url.startswith("smtp://127.0.0.1:")
        person, recipient_role = shared_child(app)
        expect.set_options(timeout=20_000)
        context = browser.new_context(base_url=app.url)
        page = context.new_page()

        sign_in(page, app.username("SOCIAL_WORKER"))
        page.get_by_label("Lead practitioner casework", exact=True).check()
        page.get_by_role("button", name="Continue").click()
        page.goto(f"/people/{person}")
        page.get_by_label("What happened, and what you did").fill(CONCERN)
        page.get_by_test_id("concern-submit").click()
        expect(page.get_by_test_id("done")).to_be_visible()
        wait_for_email(app)

        context.clear_cookies()
        sign_in(page, app.username(recipient_role))
        page.goto("/alerts")
        expect(page.get_by_test_id("inbox")).to_contain_text(re.compile("concern", re.I))

        context.clear_cookies()
        sign_in(page, app.username("ADMINISTRATOR"))
        page.goto("/admin/mail")
        expect(page.get_by_role("heading", name="Emails sent")).to_be_visible()
        email = page.get_by_test_id("email").filter(has_text="no food at home").first
        email.locator("summary").click()
        expect(email.get_by_test_id("email-body")).to_contain_text("no food at home")
        expect(email).to_contain_text("@")  # the recipient's address
        if os.environ.get("JOINEDUP_SCREENSHOTS") == "1":
            page.set_viewport_size({"width": 1200, "height": 900})
            page.screenshot(path=str(IMG / "mail-sink.png"), full_page=True)
        with app.engine.connect() as connection:
            read = connection.execute(
                text("select count(*) from audit_entry where kind = 'MAIL_SINK_READ'")
            ).scalar()
        assert read == 1  # reading the emails is recorded

        # Anyone else is refused the page.
        context.clear_cookies()
        sign_in(page, app.username("SOCIAL_WORKER"))
        answer = page.goto("/admin/mail")
        assert answer is not None and answer.status == 403
        context.close()
    # Stopped: the worker thread has ended, and the process's SMTP setting is as it was.
    assert not running.worker.is_alive()
    assert settings().alerts.smtp_url != running.mail_url

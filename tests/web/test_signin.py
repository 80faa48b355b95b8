"""Signing in and out in a real browser: the session, throttling, CSRF and the purpose."""

from __future__ import annotations

import re
import uuid
from typing import Any

import httpx
from playwright.sync_api import expect

from joinedup.governance.purposes import PURPOSES
from joinedup.governance.reader import purposes_for
from joinedup.services import accounts
from tests.support.webapp import LiveApp, sign_in


def test_a_practitioner_signs_in_and_declares_a_purpose(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("SOCIAL_WORKER"))
    expect(page).to_have_url(re.compile(r"/purpose"))
    expect(page.get_by_role("heading", name="Declare your purpose")).to_be_visible()
    offered = page.get_by_role("radio")
    expect(offered).to_have_count(len(purposes_for("SOCIAL_WORKER")))
    title = PURPOSES[purposes_for("SOCIAL_WORKER")[0]].title
    page.get_by_label(title).check()
    page.get_by_role("button", name="Continue").click()
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    expect(page.get_by_text(f"Your declared purpose is {title}")).to_be_visible()


def test_wrong_passwords_are_refused_then_this_browser_waits_and_nothing_locks(
    browser: Any, live_app: LiveApp
) -> None:
    """From its own address (as behind a proxy), so other tests' sign-ins do not wait."""
    username = f"throttle-{uuid.uuid4().hex[:8]}"
    password = "a-long-enough-password"
    accounts.add_user(
        live_app.engine,
        username=username,
        role="PARTNERSHIP_ANALYST",
        agency="social_care",
        display_name="Throttle Me",
        password=password,
    )
    place = f"10.16.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    context = browser.new_context(
        base_url=live_app.url, extra_http_headers={"X-Forwarded-For": place}
    )
    try:
        page = context.new_page()
        for _ in range(5):
            sign_in(page, username, "not-the-password")
            expect(page.get_by_role("alert")).to_contain_text("Wrong username or password")
        messages = set()
        for _ in range(4):  # each failure doubles the wait (1 s, 2 s, 4 s...): too soon
            sign_in(page, username, "not-the-password")
            expect(page.get_by_role("alert")).to_be_visible()
            messages.add(page.get_by_role("alert").inner_text())
        assert any("Too many failed sign-ins: wait" in m for m in messages), messages
        assert not any("locked" in m for m in messages), messages
        expect(page).to_have_url(re.compile(r"/login"))
    finally:
        context.close()
    # Nothing was locked: the same password from another machine signs in.
    answer = httpx.post(
        f"{live_app.url}/api/v1/session", json={"username": username, "password": password}
    )
    assert answer.status_code == 201, answer.text


def test_signing_out_ends_the_session_on_the_server(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("ADMINISTRATOR"))
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "joinedup_session")
    stolen = {"Cookie": f"joinedup_session={token}"}
    assert httpx.get(f"{live_app.url}/api/v1/session", headers=stolen).status_code == 200
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/login"))
    # The old cookie, replayed, no longer works: the session was revoked, not just forgotten.
    assert httpx.get(f"{live_app.url}/api/v1/session", headers=stolen).status_code == 401
    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))


def test_a_form_without_its_csrf_token_is_refused(page: Any, live_app: LiveApp) -> None:
    sign_in(page, live_app.username("ADMINISTRATOR"))
    page.goto("/privacy/verify")
    page.evaluate("document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())")
    with page.expect_response(lambda r: r.request.method == "POST") as answer:
        page.get_by_role("button", name="Verify the audit log").click()
    assert answer.value.status == 403
    expect(page.get_by_test_id("error-detail")).to_contain_text("security token")


def test_pages_carry_the_security_headers(live_app: LiveApp) -> None:
    answer = httpx.get(f"{live_app.url}/login")
    assert "script-src 'self'" in answer.headers["content-security-policy"]
    assert (
        "unsafe-inline"
        not in answer.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    )
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["referrer-policy"] == "no-referrer"
    assert answer.headers["cache-control"] == "no-store"

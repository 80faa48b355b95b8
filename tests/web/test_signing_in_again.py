"""Signing in again while the browser still holds a dead session cookie (issue 17, finding 3).

A session ends after 30 idle minutes, on sign-out, or when the account is disabled; the
browser keeps sending the cookie until it is replaced. Every route a signed-out person may
use must ignore such a cookie, and signing in must replace it.
"""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from sqlalchemy import update

from joinedup.accounts.demo_users import DEMO_PASSWORD
from joinedup.accounts.model import SESSION_IDLE
from joinedup.accounts.secrets import token_hash
from joinedup.store.account_tables import account_session
from tests.support.webapp import LiveApp, sign_in

COOKIE = "joinedup_session"


def _session_cookie(page: Any) -> str:
    return str(next(c["value"] for c in page.context.cookies() if c["name"] == COOKIE))


def _expire(live_app: LiveApp, token: str) -> None:
    """The idle timeout passes: the session was last seen longer ago than it allows."""
    with live_app.engine.begin() as connection:
        connection.execute(
            update(account_session)
            .where(account_session.c.token_sha256 == token_hash(token))
            .values(last_seen_at=datetime.now(UTC) - SESSION_IDLE - SESSION_IDLE)
        )


def test_after_the_idle_timeout_the_right_password_signs_in_again(
    page: Any, live_app: LiveApp
) -> None:
    sign_in(page, live_app.username("ADMINISTRATOR"))
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    dead = _session_cookie(page)
    _expire(live_app, dead)

    page.goto("/")
    expect(page).to_have_url(re.compile(r"/login"))  # the session has ended
    sign_in(page, live_app.username("ADMINISTRATOR"))

    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    assert _session_cookie(page) != dead  # replaced, not reused


def test_after_signing_out_elsewhere_the_right_password_signs_in_again(
    page: Any, live_app: LiveApp
) -> None:
    sign_in(page, live_app.username("ADMINISTRATOR"))
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    cookie = {"Cookie": f"{COOKIE}={_session_cookie(page)}"}
    csrf = httpx.get(f"{live_app.url}/api/v1/session", headers=cookie).json()["csrf_token"]
    ended = httpx.delete(f"{live_app.url}/api/v1/session", headers=cookie | {"X-CSRF-Token": csrf})
    assert ended.status_code == 204  # revoked on the server; the browser still holds it

    sign_in(page, live_app.username("ADMINISTRATOR"))
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def test_a_cookie_the_store_never_issued_does_not_stop_a_sign_in(
    page: Any, live_app: LiveApp
) -> None:
    page.context.add_cookies(
        [{"name": COOKIE, "value": secrets.token_urlsafe(32), "url": live_app.url}]
    )
    sign_in(page, live_app.username("ADMINISTRATOR"))
    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()


def _dead_cookie(live_app: LiveApp) -> str:
    signed_in = httpx.post(
        f"{live_app.url}/api/v1/session",
        json={"username": live_app.username("PARTNERSHIP_ANALYST"), "password": DEMO_PASSWORD},
    )
    assert signed_in.status_code == 201
    token = signed_in.cookies[COOKIE]
    _expire(live_app, token)
    return token


def test_the_api_signs_in_over_a_dead_cookie(live_app: LiveApp) -> None:
    dead = _dead_cookie(live_app)
    answer = httpx.post(
        f"{live_app.url}/api/v1/session",
        json={"username": live_app.username("PARTNERSHIP_ANALYST"), "password": DEMO_PASSWORD},
        headers={"Cookie": f"{COOKIE}={dead}"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.cookies[COOKIE] != dead
    fresh = {"Cookie": f"{COOKIE}={answer.cookies[COOKIE]}"}
    assert httpx.get(f"{live_app.url}/api/v1/session", headers=fresh).status_code == 200


@pytest.mark.parametrize(
    "path",
    [
        "/login",
        "/auth/oidc/login",
        "/auth/oidc/callback?state=x&code=y",
        "/static/app.css",
        "/favicon.ico",
        "/openapi.json",
    ],
)
def test_every_route_open_without_a_session_ignores_a_dead_cookie(
    live_app: LiveApp, path: str
) -> None:
    without = httpx.get(f"{live_app.url}{path}")
    dead = {"Cookie": f"{COOKIE}={_dead_cookie(live_app)}"}
    with_dead = httpx.get(f"{live_app.url}{path}", headers=dead)
    assert (with_dead.status_code, with_dead.headers.get("location")) == (
        without.status_code,
        without.headers.get("location"),
    )
    assert without.status_code < 500


def test_a_sign_in_form_opened_before_another_sign_in_still_works_and_replaces_it(
    page: Any, live_app: LiveApp
) -> None:
    """Two tabs: the form was opened in one before signing in in the other. Submitting it
    signs in (the form carries its own token, not the session's) and ends the session it
    replaces."""
    page.goto("/login")
    other_tab = page.context.new_page()
    sign_in(other_tab, live_app.username("ADMINISTRATOR"))
    expect(other_tab.get_by_role("heading", name="What you can do")).to_be_visible()
    replaced = {"Cookie": f"{COOKIE}={_session_cookie(page)}"}

    page.get_by_label("Username").fill(live_app.username("ADMINISTRATOR"))
    page.get_by_label("Password", exact=True).fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    expect(page.get_by_role("heading", name="What you can do")).to_be_visible()
    assert httpx.get(f"{live_app.url}/api/v1/session", headers=replaced).status_code == 401

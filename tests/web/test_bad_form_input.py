"""Bad input to the pages: every form (walked from the page routes the app serves, so a new
form is covered at once) answers malformed posts without a server error, the security
headers on, and never shows a password back; every integer id in a page's path refuses
numbers beyond the store's integers; every page's query takes bad text. On SQLite and
PostgreSQL: a live server on the ``engine`` fixture's store."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import Engine

from joinedup.web.pages.signin import PRE_SESSION_COOKIE
from tests.support.bad_requests import (
    NOT_AN_ID,
    Caller,
    assert_answer,
    assert_refused,
    callers,
    concrete,
    form_bodies,
    form_fields,
    integer_path_names,
    page_routes,
    served_with_accounts,
)
from tests.support.webapp import LiveApp

# Query values that are not what a page expects: a NUL, a surrogate's UTF-8 (percent
# encoded), numbers beyond any integer column or beyond what Python converts (4,300 digits),
# digits that are not ASCII (str.isdigit() takes a superscript two; int() does not), and far
# too much text.
BAD_QUERY_VALUES = ["x%00", "%ED%A0%80", "9" * 40, "-" + "9" * 40, "9" * 4400, "%C2%B2", "y" * 1000]


@pytest.fixture
def app_on_store(engine: Engine) -> Iterator[LiveApp]:
    with served_with_accounts(engine) as app:
        yield app


def before_sign_in(app: LiveApp) -> Caller:
    """An anonymous visitor who has opened the sign-in form (its CSRF cookie and token)."""
    client = httpx.Client(base_url=app.url, timeout=30)
    form = client.get("/login")
    token = form.cookies[PRE_SESSION_COOKIE]
    client.headers["Cookie"] = f"{PRE_SESSION_COOKIE}={token}"
    client.cookies.clear()
    return Caller("ANONYMOUS", client, token)


def test_every_form_answers_malformed_posts_without_a_server_error(
    app_on_store: LiveApp,
) -> None:
    everyone = [before_sign_in(app_on_store), *callers(app_on_store)]
    posts = [r for r in page_routes() if "POST" in r.methods]
    posts.sort(key=lambda r: r.path == "/logout")  # signing out last: it ends the sessions
    checked = []
    for route in posts:
        for caller in everyone:
            for body, content_type in form_bodies(form_fields(route), caller.csrf).values():
                headers = {"content-type": content_type} if content_type else {}
                answer = caller.client.post(concrete(route.path), content=body, headers=headers)
                assert_answer(answer)
        checked.append(route.path)
    assert {"/login", "/review/{review_id}", "/privacy/break-glass/{task_id}"} <= set(checked)


def test_every_integer_id_in_a_page_path_is_bounded(app_on_store: LiveApp) -> None:
    everyone = list(callers(app_on_store))
    checked = set()
    for route in page_routes():
        for name in integer_path_names(route):
            for method in sorted(route.methods - {"HEAD"}):
                for bad in NOT_AN_ID:
                    for caller in everyone:
                        answer = caller.client.request(
                            method,
                            concrete(route.path, **{name: bad}),
                            data={"csrf_token": caller.csrf} if method == "POST" else None,
                        )
                        assert_refused(answer)
                checked.add(f"{method} {route.path}")
    assert {"GET /alerts/{alert_id}", "GET /review/{review_id}"} <= checked
    assert "POST /privacy/break-glass/{task_id}" in checked


def test_every_page_query_takes_bad_text(app_on_store: LiveApp) -> None:
    everyone = list(callers(app_on_store))
    checked = set()
    for route in page_routes():
        queries = [p.name for p in route.dependant.query_params]
        if "GET" not in route.methods or not queries:
            continue
        for name in queries:  # one at a time: another's refusal must not hide this one's
            for bad in BAD_QUERY_VALUES:
                for caller in everyone:
                    assert_answer(caller.client.get(f"{concrete(route.path)}?{name}={bad}"))
        checked.add(route.path)
    assert {"/people", "/privacy/audit", "/triage"} <= checked


def test_the_audit_search_refuses_a_page_that_is_not_an_entry_number(
    app_on_store: LiveApp,
) -> None:
    officer = next(c for c in callers(app_on_store) if c.role == "PRIVACY_OFFICER")
    for bad in ("%C2%B2", "9" * 4400, "9" * 20, "-1", "x"):
        answer = officer.client.get(f"/privacy/audit?actor=someone&after={bad}")
        assert_refused(answer, statuses=range(400, 401))
    assert officer.client.get("/privacy/audit?actor=someone&after=3").status_code == 200

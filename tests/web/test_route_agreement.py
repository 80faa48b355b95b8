"""The API and the web agree on who may use a route (issue 16, finding 1).

Before: as the partnership analyst (purpose STATUTORY_RETURN) ``GET /api/v1/people/{id}`` was
403 but the page ``/people/{id}`` was 200 and showed the child's record: the page had no role
check of its own. Now every route, API and page, is declared with one ``governance.uses.Use``
(``x-use`` on the route), a page and the API route showing the same data declare the same
use, and this walk signs in as every role, declares every purpose the role may, requests
every route (from the OpenAPI document and the page routers) and proves that each answer
matches the declaration: refused (403, or asked to declare a purpose) exactly when the use
does not allow that role and purpose. ``test_the_walk_catches_a_planted_leak`` proves the
walk fails on a page that disagrees with its API route.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import APIRouter, FastAPI, Request
from sqlalchemy import Engine, text

from joinedup.governance import uses
from joinedup.governance.reader import purposes_for
from joinedup.governance.roles import Role
from joinedup.http.auth import engine_of, governed
from joinedup.http.errors import USE_REFUSED
from joinedup.web import pages
from tests.support.webapp import LiveApp, served

# Pages reached before signing in, or by any signed-in account whatever its role.
PUBLIC_PAGES = {"/login", "/auth/oidc/login", "/auth/oidc/callback"}
ANY_SESSION_PAGES = {"/", "/purpose", "/logout"}
PUBLIC_API = {("POST", "/api/v1/session")}
# Ending the session: every role may (the use says so); the walk would sign itself out.
SIGN_OUT = {("DELETE", "/api/v1/session")}


@dataclass(frozen=True)
class Route:
    channel: str  # "api" or "page"
    method: str
    path: str
    use: str | None
    public: bool = False  # declared open without signing in (x-public)
    agency: bool = False  # an agency's signed token, not a person (x-agency-credential)


def page_routes(app_routers: list[APIRouter] | None = None) -> list[Route]:
    found = []
    for router in app_routers or pages.routers():
        for route in router.routes:
            extra = getattr(route, "openapi_extra", None) or {}
            for method in sorted(getattr(route, "methods", ()) - {"HEAD"}):
                found.append(Route("page", method, route.path, extra.get("x-use")))
    return found


def api_routes(url: str) -> list[Route]:
    schema = httpx.get(f"{url}/openapi.json").json()
    return [
        Route(
            "api",
            method.upper(),
            path,
            operation.get("x-use"),
            bool(operation.get("x-public")),
            bool(operation.get("x-agency-credential")),
        )
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def undeclared(routes: list[Route]) -> list[Route]:
    return [
        r
        for r in routes
        if r.use is None
        and not r.public
        and not r.agency
        and r.path not in PUBLIC_PAGES | ANY_SESSION_PAGES
        and (r.method, r.path) not in PUBLIC_API
    ]


def mismatched(routes: list[Route]) -> list[tuple[Route, Route]]:
    """Pages whose API twin (the same path under /api/v1) declares another use."""
    api = {(r.method, r.path): r for r in routes if r.channel == "api"}
    return [
        (page, twin)
        for page in routes
        if page.channel == "page"
        and (twin := api.get((page.method, f"/api/v1{page.path}"))) is not None
        and twin.use != page.use
    ]


def concrete(path: str, values: dict[str, str]) -> str:
    return re.sub(r"\{(\w+)(?::[^}]*)?\}", lambda m: values.get(m.group(1), "1"), path)


def readers() -> Iterator[tuple[Role, str | None]]:
    for role in Role:
        declared = purposes_for(role)
        if not declared:
            yield role, None
        for purpose in declared:
            yield role, purpose.value


def refused(answer: httpx.Response) -> bool:
    """Refused by the route's use (not by a decision about one person's record, which is a
    plain 403 after the use let the caller in), or asked to declare a purpose first."""
    if answer.status_code == 403:
        return USE_REFUSED in answer.text
    return answer.status_code == 303 and answer.headers.get("location", "").startswith("/purpose")


def reference_uses(routes: list[Route]) -> dict[Route, str]:
    """The use each route must answer as: its own, or for a page with an API twin (the
    same data), the twin's."""
    api = {(r.method, r.path): r for r in routes if r.channel == "api"}
    out = {}
    for route in routes:
        twin = api.get((route.method, f"/api/v1{route.path}")) if route.channel == "page" else None
        use = twin.use if twin is not None and twin.use else route.use
        if use:
            out[route] = use
    return out


def disagreements(
    app: LiveApp, routes: list[Route], values: dict[str, str], *, reference: list[Route]
) -> list[str]:
    """Every (role, purpose, route) whose answer differs from what the route's use (or its
    API twin's) says: refused exactly when the use does not allow that role and purpose."""
    expected_use = reference_uses(reference)
    problems = []
    for role, purpose in readers():
        client = app.api_session(role.value)
        if purpose:
            declared = client.put("/api/v1/session/purpose", json={"purpose": purpose})
            assert declared.status_code == 200, declared.text
        for route in routes:
            if route not in expected_use or (route.method, route.path) in SIGN_OUT:
                continue
            answer = client.request(
                route.method,
                concrete(route.path, values),
                **({"json": {}} if route.channel == "api" else {"data": {}}),
                follow_redirects=False,
            )
            if answer.status_code >= 500:
                problems.append(f"{role.value}/{purpose} {route}: {answer.status_code}")
                continue
            use = expected_use[route]
            expected = not uses.USES[use].allows(role, purpose)
            if refused(answer) != expected:
                problems.append(
                    f"{role.value}/{purpose} {route.method} {route.path} ({route.channel}): "
                    f"{answer.status_code}, but {use} {'refuses' if expected else 'allows'} it"
                )
        client.close()
    return problems


def _values(engine: Engine) -> dict[str, str]:
    with engine.connect() as connection:
        person = connection.execute(
            text("select person_id from linkage_record order by person_id limit 1")
        ).scalar_one()
    return {
        "person_id": person,
        "agency": "police",
        "agreement_id": "EXM-MASH-001",
        "code": "EARLY_HELP_FAMILY_SUPPORT",
        "intervention_type": "EARLY_HELP_FAMILY_SUPPORT",
        "kind": "effect",
    }


def test_every_route_declares_one_use_and_a_page_declares_its_api_twins(
    live_app: LiveApp,
) -> None:
    routes = api_routes(live_app.url) + page_routes()
    assert len(routes) > 40, "the walk found too few routes: is it looking?"
    assert not undeclared(routes), undeclared(routes)
    assert not mismatched(routes), mismatched(routes)
    assert all(r.use in uses.USES for r in routes if r.use), "an x-use names no declared use"


def test_every_role_and_purpose_gets_what_the_declaration_says_on_every_route(
    live_app: LiveApp,
) -> None:
    routes = api_routes(live_app.url) + page_routes()
    assert not disagreements(live_app, routes, _values(live_app.engine), reference=routes)


def test_the_analyst_may_open_the_child_neither_by_the_api_nor_by_the_page(
    live_app: LiveApp,
) -> None:
    """The finding itself: the web page showed what the API refused."""
    person = _values(live_app.engine)["person_id"]
    analyst = live_app.api_session(Role.PARTNERSHIP_ANALYST.value)
    analyst.put("/api/v1/session/purpose", json={"purpose": "STATUTORY_RETURN"})
    assert analyst.get(f"/api/v1/people/{person}").status_code == 403
    page = analyst.get(f"/people/{person}")
    assert page.status_code == 403 and USE_REFUSED in page.text
    assert "Date of birth" not in page.text and person not in page.text


# --- the walk's self-test -------------------------------------------------------------------

leaky = APIRouter(include_in_schema=False)


@leaky.get("/people/{person_id}/timeline", **governed(uses.SESSION, page=True))
def planted_timeline(person_id: str, request: Request) -> dict[str, Any]:
    """A page that shows what its API twin governs, declared for every role (a leak)."""
    with engine_of(request).connect() as connection:
        rows = connection.execute(
            text("select agency_id from linkage_record where person_id = :p"), {"p": person_id}
        ).scalars()
        return {"person_id": person_id, "agencies": list(rows)}


@leaky.get("/people/{person_id}/raw")
def planted_raw(person_id: str) -> dict[str, Any]:
    """A page with no declaration at all."""
    return {"person_id": person_id}


@pytest.fixture(scope="module")
def leaky_app(live_app: LiveApp) -> Iterator[LiveApp]:
    from joinedup.asgi import create_app

    def with_a_leak(engine: Engine) -> FastAPI:
        app = create_app(engine)
        app.include_router(leaky)
        return app

    with served(live_app.engine, list(live_app.users.values()), app_factory=with_a_leak) as app:
        yield app


def test_the_walk_catches_a_planted_leak(leaky_app: LiveApp) -> None:
    routes = api_routes(leaky_app.url) + page_routes([*pages.routers(), leaky])
    assert [r.path for r in undeclared(routes)] == ["/people/{person_id}/raw"]
    assert [p.path for p, _twin in mismatched(routes)] == ["/people/{person_id}/timeline"]
    planted = [r for r in routes if r.channel == "page" and r.path.endswith("/timeline")]
    found = disagreements(leaky_app, planted, _values(leaky_app.engine), reference=routes)
    # Every role the timeline's API refuses is let through by the planted page.
    assert any("PARTNERSHIP_ANALYST" in p for p in found), found

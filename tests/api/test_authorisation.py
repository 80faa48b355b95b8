"""Every /api/v1 route refuses anonymous callers (401) and callers in a role it does not
declare (403). The routes are read from the OpenAPI document, so a new route is covered
the moment it exists; a route without an ``x-roles`` declaration fails here."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from joinedup.governance.roles import Role
from tests.support.webapp import LiveApp

METHODS = ("get", "post", "put", "patch", "delete")
# Example values for path parameters: real enough to get past routing.
PATH_VALUES = {"agency": "police", "agreement_id": "EXM-MASH-001"}


def operations(live_app: LiveApp) -> list[tuple[str, str, dict[str, Any]]]:
    schema = httpx.get(f"{live_app.url}/openapi.json").json()
    found = []
    for path, item in schema["paths"].items():
        for method in METHODS:
            if method in item:
                assert path.startswith("/api/v1/"), path
                concrete = re.sub(r"\{(\w+)\}", lambda m: PATH_VALUES.get(m.group(1), "1"), path)
                found.append((method.upper(), concrete, item[method]))
    return found


def test_every_route_declares_its_roles_and_purposes(live_app: LiveApp) -> None:
    for method, path, operation in operations(live_app):
        assert "x-roles" in operation and "x-purposes" in operation, (method, path)
        assert set(operation["x-roles"]) <= {r.value for r in Role}, (method, path)


def test_anonymous_callers_are_refused_everywhere(live_app: LiveApp) -> None:
    checked = 0
    for method, path, operation in operations(live_app):
        if operation.get("x-public"):
            continue  # signing in
        answer = httpx.request(method, f"{live_app.url}{path}", json={})
        assert answer.status_code == 401, (method, path, answer.text)
        assert answer.headers["content-type"].startswith("application/problem+json")
        checked += 1
    assert checked >= 10


@pytest.fixture(scope="module")
def clients(live_app: LiveApp) -> dict[str, httpx.Client]:
    return {role.value: live_app.api_session(role.value) for role in Role}


def test_callers_in_other_roles_are_refused_everywhere(
    live_app: LiveApp, clients: dict[str, httpx.Client]
) -> None:
    checked = 0
    for method, path, operation in operations(live_app):
        allowed = set(operation["x-roles"])
        if operation.get("x-public") or allowed == {r.value for r in Role}:
            continue  # signing in, and the session routes every role has
        # an agency's routes (pushed deliveries) take its signed token, never a person's
        # session: every role is answered as not signed in as an agency
        status = 401 if operation.get("x-agency-credential") else 403
        for role in sorted({r.value for r in Role} - allowed):
            answer = clients[role].request(method, path, json={})
            assert answer.status_code == status, (role, method, path, answer.text)
            checked += 1
    assert checked >= 40


def test_a_route_reads_under_a_declared_purpose_only(clients: dict[str, httpx.Client]) -> None:
    officer = clients[Role.PRIVACY_OFFICER.value]
    assert officer.get("/api/v1/audit/entries", params={"purpose": "AUDIT"}).status_code == 200
    refused = officer.get("/api/v1/audit/entries", params={"purpose": "SUBJECT_ACCESS"})
    assert refused.status_code == 403
    assert "AUDIT" in refused.json()["detail"]

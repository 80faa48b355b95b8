"""Schemathesis against /openapi.json on the live app, signed in (session cookie and CSRF
header): no 500s, and every answer matches the schema (status, content type, body). Then
the same operations with data that breaks the schema (schemathesis' negative mode: wrong
types, out-of-range numbers, missing or extra fields, malformed bodies): each refused with a
4xx problem document that names the fields and never shows back what was sent, the security
headers on. Raw malformed bodies (not JSON, 1e999, lone surrogates, too large) are in
test_bad_input.py.

The routes for agencies' systems (``x-agency-credential``: pushed deliveries) are called with a
freshly signed token for each case, as an agency's system would (a token is spent once); the
people's sessions would only ever meet their 401.

Driven through schemathesis' Python API from a plain test (its pytest plugin's lazy
fixtures do not run on this pytest), one Hypothesis run per operation and mode."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode, checks

from joinedup.http.security import HEADERS
from joinedup.receive import tokens
from joinedup.services import receiving
from tests.support.webapp import LiveApp

# Signing in and out would change the session the other cases use; test_signin and the
# authorisation test cover them.
SKIPPED = {("POST", "/api/v1/session"), ("DELETE", "/api/v1/session")}
# Answers a documented 503 by design when no alerts worker runs (as here): test_worker_operations.
SKIPPED.add(("GET", "/api/v1/health/alerts"))
# Two roles between them reach every route: the privacy officer (audit, break glass,
# quality, agreements) and the analyst (review queue, quality, agreements).
ROLES = ("PRIVACY_OFFICER", "PARTNERSHIP_ANALYST")


@schemathesis.check
def security_headers_on_every_answer(ctx: Any, response: Any, case: Any) -> None:
    for name, value in HEADERS.items():
        assert response.headers.get(name.lower()) == [value], f"no {name}"


@schemathesis.check
def a_refusal_is_a_problem_that_names_fields_only(ctx: Any, response: Any, case: Any) -> None:
    if response.status_code < 400:
        return
    problem = response.json()
    assert {"title", "status", "detail"} <= set(problem), problem
    for error in problem.get("errors", []):
        assert set(error) == {"field", "problem"}, f"more than the field and its problem: {error}"


CHECKS = {
    GenerationMode.POSITIVE: [
        checks.not_a_server_error,
        checks.status_code_conformance,
        checks.content_type_conformance,
        checks.response_schema_conformance,
        security_headers_on_every_answer,
    ],
    GenerationMode.NEGATIVE: [
        checks.not_a_server_error,
        checks.negative_data_rejection,
        checks.status_code_conformance,
        checks.content_type_conformance,
        security_headers_on_every_answer,
        a_refusal_is_a_problem_that_names_fields_only,
    ],
}


Callers = Callable[[], list[dict[str, str]]]


def run(live_app: LiveApp, operation: Any, mode: GenerationMode, callers: Callers) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), database=None
    )
    def exercise(case: Any) -> None:
        for headers in callers():
            case.call_and_validate(base_url=live_app.url, headers=headers, checks=CHECKS[mode])

    try:
        exercise()
    except BaseException as failure:
        failure.add_note(f"{mode.value} {operation.method.upper()} {operation.path}")
        raise


def test_the_api_keeps_to_its_schema(live_app: LiveApp) -> None:
    schema = schemathesis.openapi.from_url(f"{live_app.url}/openapi.json")
    people = [dict(live_app.api_session(role).headers) for role in ROLES]
    private, public = tokens.new_key_pair()
    receiving.add_key(live_app.engine, "police", public, by="schemathesis")

    def the_people() -> list[dict[str, str]]:
        return people

    def an_agency() -> list[dict[str, str]]:
        return [{"Authorization": f"Bearer {tokens.mint('police', private)}"}]

    tested = []
    for result in schema.get_all_operations():
        operation = result.ok()
        if (operation.method.upper(), operation.path) in SKIPPED:
            continue
        inputs = [operation.path_parameters, operation.query, operation.headers, operation.body]
        for mode in CHECKS:
            if mode is GenerationMode.NEGATIVE and not any(len(i) for i in inputs):
                continue  # no input to break (GET /api/v1/agreements, for one)
            agency = operation.definition.raw.get("x-agency-credential", False)
            run(live_app, operation, mode, an_agency if agency else the_people)
            tested.append(f"{mode.value} {operation.method.upper()} {operation.path}")
    assert len(tested) >= 20, tested

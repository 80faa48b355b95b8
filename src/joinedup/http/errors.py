"""One error handler: a ``JoinedUpError`` (each carries its HTTP status) becomes a JSON
problem (RFC 9457) for ``/api/*`` and a GOV.UK error page otherwise. Not signed in sends a
page to the sign-in form; no purpose declared sends it to the purpose form.

A request that fails validation is answered with the fields and what is wrong with each,
never with what was sent (FastAPI's default shows each value back: a password too, and a
value JSON cannot carry, such as bytes or an infinite float, broke the answer itself)."""

from __future__ import annotations

import logging
from http import HTTPStatus
from typing import Any
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException

from joinedup.accounts.model import NotSignedIn
from joinedup.errors import JoinedUpError
from joinedup.governance.uses import UseRefused
from joinedup.http.auth import PurposeNeeded, is_api, optional_session
from joinedup.http.templating import render

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "errors": {
            "type": "array",
            "description": "for a request that is not valid: each field and its problem",
            "items": {
                "type": "object",
                "required": ["field", "problem"],
                "properties": {"field": {"type": "string"}, "problem": {"type": "string"}},
            },
        },
    },
}
_log = logging.getLogger(__name__)


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses`` for the problems a route may answer with."""
    return {
        status: {
            "description": HTTPStatus(status).phrase,
            "content": {PROBLEM: {"schema": PROBLEM_SCHEMA}},
        }
        for status in statuses
    }


# The problem type of a refusal by the route's declared use (the role or purpose may not use
# it at all), as opposed to a decision about one person's record (plain 403).
USE_REFUSED = "urn:joinedup:problem:use-refused"


def problem(status: int, detail: str, kind: str = "about:blank", **extensions: Any) -> JSONResponse:
    return JSONResponse(
        {
            "type": kind,
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
            **extensions,
        },
        status_code=status,
        media_type=PROBLEM,
    )


def what_was_wrong(error: RequestValidationError) -> list[dict[str, str]]:
    """Each field (``body.password``, ``path.review_id``...) and its problem: the messages
    describe the rule broken, never the value (``input`` and ``ctx`` are left out)."""
    return [
        {"field": ".".join(str(part) for part in e["loc"])[:200], "problem": str(e["msg"])}
        for e in error.errors()
    ]


def _in_a_sentence(found: list[dict[str, str]]) -> str:
    text = "; ".join(f"{f['field']}: {f['problem']}" for f in found[:5])
    return text + (f" (and {len(found) - 5} more)" if len(found) > 5 else "")


def _next(request: Request) -> str:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return quote(target if request.method == "GET" else "/", safe="")


def error_page(request: Request, status: int, detail: str, kind: str = "") -> Response:
    if getattr(request.state, "session", None) is None:
        optional_session(request)
    titles = {404: "Page not found", 403: "You cannot do this", 500: "Sorry, there is a problem"}
    title = titles.get(status, HTTPStatus(status).phrase)
    context = {"title": title, "detail": detail, "status": status, "problem_type": kind}
    return render(request, "error.html", context, status=status)


def install(app: FastAPI) -> None:
    @app.exception_handler(JoinedUpError)
    async def joinedup_error(request: Request, error: JoinedUpError) -> Response:
        kind = USE_REFUSED if isinstance(error, UseRefused) else ""
        if is_api(request):
            return problem(error.http_status, str(error), kind or "about:blank")
        if isinstance(error, NotSignedIn):
            return RedirectResponse(f"/login?next={_next(request)}", status_code=303)
        if isinstance(error, PurposeNeeded):
            return RedirectResponse(f"/purpose?next={_next(request)}", status_code=303)
        return error_page(request, error.http_status, str(error), kind)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, error: HTTPException) -> Response:
        detail = str(error.detail) if error.detail else HTTPStatus(error.status_code).phrase
        if is_api(request):
            return problem(error.status_code, detail)
        if error.status_code == 404:
            detail = "If you typed the web address, check it is correct."
        return error_page(request, error.status_code, detail)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, error: RequestValidationError) -> Response:
        found = what_was_wrong(error)
        if any(e.get("type") == "json_invalid" for e in error.errors()):
            status, detail, found = 400, "the body is not valid JSON", []
        else:
            status, detail = 422, _in_a_sentence(found)
        if is_api(request):
            return problem(status, detail, errors=found)
        if all(e["loc"][:1] == ("path",) for e in error.errors()):  # no such page
            return error_page(request, 404, "If you typed the web address, check it is correct.")
        return error_page(
            request, 400, f"Some of what was sent is not valid ({detail}): go back and try again."
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        if is_api(request):
            return problem(500, "an unexpected error: it has been logged")
        return error_page(request, 500, "Try again later.")

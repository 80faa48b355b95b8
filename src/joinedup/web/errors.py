"""One error handler: a ``JoinedUpError`` (each carries its HTTP status) becomes a JSON
problem (RFC 9457) for ``/api/*`` and a GOV.UK error page otherwise. Not signed in sends a
page to the sign-in form; no purpose declared sends it to the purpose form."""

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
from joinedup.web.auth import PurposeNeeded, is_api, optional_session
from joinedup.web.templating import render

PROBLEM = "application/problem+json"
PROBLEM_SCHEMA = {
    "type": "object",
    "required": ["title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
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


def problem(status: int, detail: str, kind: str = "about:blank") -> JSONResponse:
    return JSONResponse(
        {
            "type": kind,
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
        },
        status_code=status,
        media_type=PROBLEM,
    )


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
        if is_api(request):
            return JSONResponse({"detail": error.errors()}, status_code=422)
        return error_page(
            request, 400, "Some of what was sent is not valid: go back and try again."
        )

    @app.exception_handler(Exception)
    async def unexpected(request: Request, error: Exception) -> Response:
        _log.exception("unexpected error on %s %s", request.method, request.url.path)
        if is_api(request):
            return problem(500, "an unexpected error: it has been logged")
        return error_page(request, 500, "Try again later.")

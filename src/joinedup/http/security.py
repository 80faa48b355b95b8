"""Security headers on every response, and the CSRF check on every unsafe request."""

from __future__ import annotations

import hmac
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders

from joinedup import config
from joinedup.accounts.model import NotSignedIn
from joinedup.errors import Forbidden
from joinedup.http.auth import CSRF_FIELD, CSRF_HEADER, SESSION_COOKIE, current_session

PRE_SESSION_COOKIE = "joinedup_signin"  # the sign-in form's CSRF token (double submit)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# The API's sign-in takes JSON only (FastAPI refuses other content types for a JSON body),
# which a cross-site form cannot send: it needs no token.
CSRF_EXEMPT = frozenset({("POST", "/api/v1/session")})
# An agency's pushed delivery is authenticated by a signed token in the Authorization header,
# never by a cookie (the routes read no session), and a cross-site page cannot set that header.
CSRF_EXEMPT_PREFIX = "/api/v1/deliveries"
# A partner partnership's request is signed with its Ed25519 key (``exchange.signing``) and
# carries no cookie: the same reasoning holds.
CSRF_EXEMPT_PARTNER = "/api/v1/exchange/partner/"
SIGN_IN_FORM = "/login"
CSP_PARTS = (
    "default-src 'self'",
    "script-src 'self'",
    # htmx adds a small inline style for its request indicators; no inline script runs.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self'",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CSP = "; ".join(CSP_PARTS)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


@lru_cache(maxsize=8)
def headers_for(*providers: str | None) -> dict[str, str]:
    """The headers, with the identity provider's origins (its issuer and logout endpoint)
    allowed as form targets: signing out (a form) is redirected to the provider's logout,
    and browsers hold a form's redirects to ``form-action`` too."""
    origins = []
    for url in providers:
        if url:
            parts = urlsplit(url)
            origin = f"{parts.scheme}://{parts.netloc}"
            if parts.scheme == "https" and parts.netloc and origin not in origins:
                origins.append(origin)
    if not origins:
        return HEADERS
    csp = "; ".join(
        " ".join((part, *origins)) if part == "form-action 'self'" else part for part in CSP_PARTS
    )
    return HEADERS | {"Content-Security-Policy": csp}


def _current_headers() -> dict[str, str]:
    try:
        given = config.settings().oidc
    except ValueError:  # a bad setting is refused where it is used; the headers stay strict
        return HEADERS
    return headers_for(given.issuer, given.end_session_endpoint)


CSRF_REFUSED = "the request's security token is missing or wrong: reload the page and try again"


class SecurityHeaders:
    """Pure ASGI middleware (no per-request task, unlike ``BaseHTTPMiddleware``): adds the
    headers, and ``Cache-Control: no-store`` to everything but the static assets, so no
    page or API answer about a person is kept by a browser or proxy."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cacheable = scope["path"].startswith("/static/")

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in _current_headers().items():
                    headers[name] = value
                if not cacheable:
                    headers["Cache-Control"] = "no-store"
            await send(message)

        await self.app(scope, receive, send_with_headers)


async def csrf_protect(request: Request) -> None:
    """Every unsafe request carries the session's CSRF token: in the ``X-CSRF-Token``
    header (API, htmx) or the ``csrf_token`` form field (pages). The sign-in form, before
    any session, is checked against its own cookie (double submit)."""
    if request.method in SAFE_METHODS or (request.method, request.url.path) in CSRF_EXEMPT:
        return
    if request.url.path.startswith(CSRF_EXEMPT_PARTNER):
        return
    if request.url.path == CSRF_EXEMPT_PREFIX or request.url.path.startswith(
        CSRF_EXEMPT_PREFIX + "/"
    ):
        return
    if request.url.path == SIGN_IN_FORM:
        # Whatever session cookie the browser still holds: an ended session's must not
        # stop the sign-in that replaces it.
        expected: str | None = request.cookies.get(PRE_SESSION_COOKIE)
    elif SESSION_COOKIE in request.cookies:
        session = await run_in_threadpool(current_session, request)
        expected = session.csrf_token
    else:
        raise NotSignedIn("sign in first")
    supplied: Any = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "")
    if not supplied and content_type.startswith(
        ("application/x-www-form-urlencoded", "multipart/form-data")
    ):
        supplied = (await request.form()).get(CSRF_FIELD)
    if not expected or not isinstance(supplied, str):
        raise Forbidden(CSRF_REFUSED)
    if not hmac.compare_digest(expected.encode(), supplied.encode()):
        raise Forbidden(CSRF_REFUSED)

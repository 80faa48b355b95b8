"""Who is asking: the dependencies every route uses.

``current_account``  the signed-in account (``NotSignedIn``: 401 for the API, a redirect to
                     the sign-in page for pages)
``current_reader``   the ``Reader`` the governed services take: the account acting for the
                     purpose declared for the session; an API request may declare
                     ``?purpose=`` for itself, overriding the session's
``governed``         the route arguments for one ``governance.uses.Use``: its role and
                     purpose checks, declared in the OpenAPI document (``x-use``,
                     ``x-roles``, ``x-purposes``) so tests can check every route
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import Depends, Query, Request, Response
from sqlalchemy import Engine

from joinedup.accounts.model import SESSION_LIFETIME, Account, NotSignedIn, Session
from joinedup.config import settings
from joinedup.errors import Forbidden
from joinedup.governance.purposes import Purpose
from joinedup.governance.reader import Reader
from joinedup.governance.uses import Use
from joinedup.services import accounts as account_service

SESSION_COOKIE = "joinedup_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class PurposeNeeded(Forbidden):
    """Signed in, but no purpose declared yet (pages send the reader to declare one)."""


def cookies_secure() -> bool:
    """Session cookies carry ``Secure`` unless ``JOINEDUP_COOKIE_SECURE=0`` (browsers treat
    http://127.0.0.1 and localhost as secure, so the demo works with the default)."""
    return settings().web.cookie_secure


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def current_session(request: Request) -> Session:
    cached = getattr(request.state, "session", None)
    if cached is not None:
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        raise NotSignedIn("sign in first")
    session = account_service.session_for(engine_of(request), token)
    request.state.session = session
    return session


def optional_session(request: Request) -> Session | None:
    try:
        return current_session(request)
    except NotSignedIn:
        return None


def current_account(request: Request) -> Account:
    return current_session(request).account


def current_reader(request: Request) -> Reader:
    """The reader for this request: the session's purpose, or the API request's own
    ``?purpose=``. ``PurposeNeeded`` when neither was declared."""
    session = current_session(request)
    override = request.query_params.get("purpose") if is_api(request) else None
    if not (override or session.purpose):
        raise PurposeNeeded(
            "declare your purpose first (the purpose page, or ?purpose= on an API request)"
        )
    return account_service.reader_for(session, override)


def require_use(use: Use) -> Callable[[Request], Account]:
    """A dependency refusing (403) a role the use is not for."""

    def dependency(request: Request) -> Account:
        account = current_account(request)
        use.check_role(account)
        return account

    return dependency


def require_purpose(use: Use) -> Callable[..., Reader]:
    """A dependency refusing (403) a declared purpose the use is not for (a page with no
    purpose declared yet is sent to declare one)."""

    def dependency(
        request: Request,
        purpose: Purpose | None = Query(
            None, description="Declare the purpose of this request (overrides the session's)."
        ),
    ) -> Reader:
        reader = current_reader(request)
        use.check(reader)
        return reader

    return dependency


def governed(use: Use, *, page: bool = False) -> dict[str, Any]:
    """Route arguments from the use's one declaration (``governance.uses``): the role check,
    the purpose check when the use reads under a purpose, and their machine-readable form
    (``x-use``, ``x-roles``, ``x-purposes``, kept on page routes too so that the
    route-agreement test can compare a page with the API route showing the same data)."""
    dependencies = [Depends(require_use(use))]
    if use.purposes:
        dependencies.append(Depends(require_purpose(use)))
    arguments: dict[str, Any] = {
        "dependencies": dependencies,
        "openapi_extra": {
            "x-use": use.name,
            "x-roles": [r.value for r in use.roles],
            "x-purposes": [p.value for p in use.purposes],
        },
    }
    if page:
        arguments["include_in_schema"] = False
    return arguments


def client_address(request: Request) -> str | None:
    """The address failed sign-ins are counted by. Behind a proxy, uvicorn takes it from
    X-Forwarded-For only when the proxy is listed in --forwarded-allow-ips (default: only
    127.0.0.1), so a client cannot choose its own."""
    return request.client.host if request.client else None


def set_session_cookie(response: Response, token: str) -> None:
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(SESSION_LIFETIME.total_seconds()),
        httponly=True,
        secure=cookies_secure(),
        samesite="lax",
        path="/",
    )

"""Who is asking: the dependencies every route uses.

``current_account``  the signed-in account (``NotSignedIn``: 401 for the API, a redirect to
                     the sign-in page for pages)
``current_reader``   the ``Reader`` the governed services take: the account acting for the
                     purpose declared for the session; an API request may declare
                     ``?purpose=`` for itself, overriding the session's
``require_roles``    a dependency refusing (403) any other role
``governed``         the route arguments that apply both, and declare them in the OpenAPI
                     document (``x-roles``, ``x-purposes``) so tests can check every route
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from fastapi import Depends, Query, Request
from sqlalchemy import Engine

from joinedup.accounts.model import Account, NotSignedIn, Session
from joinedup.errors import Forbidden
from joinedup.governance.purposes import Purpose
from joinedup.governance.reader import Reader
from joinedup.governance.roles import ROLE_RULES, Role
from joinedup.services import accounts as account_service

SESSION_COOKIE = "joinedup_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"


class PurposeNeeded(Forbidden):
    """Signed in, but no purpose declared yet (pages send the reader to declare one)."""


def cookies_secure() -> bool:
    """Session cookies carry ``Secure`` unless ``JOINEDUP_COOKIE_SECURE=0`` (browsers treat
    http://127.0.0.1 and localhost as secure, so the demo works with the default)."""
    return os.environ.get("JOINEDUP_COOKIE_SECURE", "1").strip().lower() not in ("0", "false")


def is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def engine_of(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def current_session(request: Request) -> Session:
    cached = getattr(request.state, "session", None)
    if cached is not None:
        return cached  # type: ignore[no-any-return]
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


def _titles(roles: Iterable[Role]) -> str:
    return ", ".join(ROLE_RULES[r].title.split(" (")[0].lower() for r in roles)


def require_roles(*roles: Role | str) -> Callable[[Request], Account]:
    allowed = frozenset(Role(str(r)) for r in roles)

    def dependency(request: Request) -> Account:
        account = current_account(request)
        if Role(account.role) not in allowed:
            raise Forbidden(f"this is for: {_titles(sorted(allowed))}")
        return account

    return dependency


def require_purpose(*purposes: Purpose) -> Callable[..., Reader]:
    allowed = frozenset(purposes)

    def dependency(
        request: Request,
        purpose: Purpose | None = Query(
            None, description="Declare the purpose of this request (overrides the session's)."
        ),
    ) -> Reader:
        reader = current_reader(request)
        if reader.purpose not in allowed:
            names = ", ".join(sorted(p.value for p in allowed))
            raise Forbidden(f"this needs one of the purposes {names}, not {reader.purpose.value}")
        return reader

    return dependency


def governed(
    *, roles: Iterable[Role], purposes: Iterable[Purpose] = (), page: bool = False
) -> dict[str, Any]:
    """Route arguments: the role check, the purpose check (when the route reads under a
    purpose) and their machine-readable declaration (``x-roles``, ``x-purposes``)."""
    roles, purposes = list(roles), list(purposes)
    dependencies = [Depends(require_roles(*roles))]
    if purposes:
        dependencies.append(Depends(require_purpose(*purposes)))
    arguments: dict[str, Any] = {
        "dependencies": dependencies,
        "openapi_extra": {
            "x-roles": [r.value for r in roles],
            "x-purposes": [p.value for p in purposes],
        },
    }
    if page:
        arguments["include_in_schema"] = False
    return arguments

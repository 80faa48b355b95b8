"""The application, composing the JSON API (``joinedup.api``) and the pages
(``joinedup.web``) over what they share (``joinedup.http``): ``create_app(engine)`` builds the
FastAPI app (pages, JSON API under
``/api/v1``, OpenAPI at ``/openapi.json``, static assets, security headers, a body limit,
CSRF, the text check and one error handler)."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine

import joinedup
from joinedup import api, bootstrap, services
from joinedup.config import refuse_unsafe_defaults, settings
from joinedup.http import errors
from joinedup.http.admission import Admission
from joinedup.http.limits import BodyLimit
from joinedup.http.sealing import AuditSealing
from joinedup.http.security import SecurityHeaders, csrf_protect
from joinedup.http.text_input import text_only
from joinedup.http.timing import ServerTiming
from joinedup.web import pages

STATIC = Path(__file__).parent / "web" / "static"


class JoinedUpApp(FastAPI):
    """FastAPI with the security headers outside everything else: Starlette answers an
    unexpected error (500) from its outermost middleware, outside any added with
    ``add_middleware``, so headers added there never reached a 500."""

    def build_middleware_stack(self) -> Any:
        return SecurityHeaders(super().build_middleware_stack())


def _app(engine: Engine | None, description: str) -> JoinedUpApp:
    """The app every service shares: the store, security headers, the body limit, audit
    sealing, admission, timing and one error handler (nothing routed yet)."""
    bootstrap.wire()
    refuse_unsafe_defaults()  # JOINEDUP_ENV=production: no demo defaults (config.production)
    app = JoinedUpApp(
        title="joinedup",
        version=getattr(joinedup, "__version__", "0"),
        description=description,
        docs_url=None,  # Swagger UI loads scripts from a CDN: no network at run time
        redoc_url=None,
        dependencies=[Depends(csrf_protect), Depends(text_only)],
    )
    app.state.engine = engine if engine is not None else services.open_store()
    # Signs the short-lived OIDC state cookie only; sessions are random tokens in the store.
    app.state.secret_key = settings().web.secret_key or secrets.token_urlsafe(32)
    app.add_middleware(ServerTiming)  # the whole request, once admitted
    app.add_middleware(Admission)  # waits for a slot (reported as queue time)
    app.add_middleware(AuditSealing)  # (outside it: a signed head once the response is sent)
    app.add_middleware(BodyLimit)  # outermost: a body too large waits for nothing
    errors.install(app)
    return app


def create_app(engine: Engine | None = None) -> FastAPI:
    """The web app on ``engine`` (default: the configured store, ``services.open_store``),
    with the platform's event flow installed (``joinedup.bootstrap``)."""
    app = _app(
        engine,
        "The safeguarding partnership's platform. Every route declares the roles that "
        "may call it (x-roles) and the purposes it reads under (x-purposes); sign in "
        "with POST /api/v1/session, then send the session cookie and, on unsafe "
        "requests, the X-CSRF-Token header.",
    )
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(api.router)
    for router in pages.routers():
        app.include_router(router)

    @app.get("/favicon.ico", include_in_schema=False)
    def favicon() -> Response:
        return Response(status_code=204)

    return app


def create_receiver_app(engine: Engine | None = None) -> FastAPI:
    """Only the HTTPS receiver (``joinedup receive api``): agencies' systems push deliveries
    with their signed tokens, and reach nothing else."""
    app = _app(
        engine,
        "The partnership's receiver for agencies' deliveries: each request carries the "
        "agency's token signed with its registered key (joinedup deliver mints them).",
    )
    app.include_router(api.receiver_router)
    return app

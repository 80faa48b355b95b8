"""Jinja2 templates: the pages' own (``web/templates``, which the error page shared with the
API's callers is among) and the GOV.UK Frontend macros of govuk-frontend-jinja under the
``govuk_frontend_jinja/`` prefix."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from fastapi.templating import Jinja2Templates
from jinja2 import (
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    PackageLoader,
    PrefixLoader,
    select_autoescape,
)

from joinedup.governance.wording import FILTERS
from joinedup.http.navigation import items_for

# A folder, not an import: the pages own their templates, and nothing here imports them.
TEMPLATES = Path(__file__).parent.parent / "web" / "templates"

environment = Environment(
    loader=ChoiceLoader(
        [
            FileSystemLoader(TEMPLATES),
            PrefixLoader({"govuk_frontend_jinja": PackageLoader("govuk_frontend_jinja")}),
        ]
    ),
    autoescape=select_autoescape(("html", "xml")),
    trim_blocks=True,
    lstrip_blocks=True,
)
environment.filters.update(FILTERS)
templates = Jinja2Templates(env=environment)


def render(
    request: Request, template: str, context: dict[str, Any] | None = None, status: int = 200
) -> HTMLResponse:
    """A page: the template with the signed-in session (if any), its CSRF token and the
    navigation the account's role may use."""
    session = getattr(request.state, "session", None)
    values = {
        "session": session,
        "account": session.account if session else None,
        "csrf_token": session.csrf_token if session else getattr(request.state, "pre_csrf", None),
        "navigation": items_for(session, request.url.path),
    }
    values.update(context or {})
    return templates.TemplateResponse(request, template, values, status_code=status)

"""The start page: what the signed-in role can do."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from joinedup.governance.purposes import PURPOSES, Purpose
from joinedup.governance.reader import purposes_for
from joinedup.governance.roles import ROLE_RULES, Role
from joinedup.http.auth import current_session
from joinedup.http.navigation import allowed
from joinedup.http.templating import render

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(request: Request) -> Response:
    session = current_session(request)
    role = Role(session.account.role)
    return render(
        request,
        "home.html",
        {
            "role_title": ROLE_RULES[role].title,
            "purposes": purposes_for(role),
            "purpose_title": PURPOSES[Purpose(session.purpose)].title if session.purpose else "",
            "items": allowed(session),
        },
    )

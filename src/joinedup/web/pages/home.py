"""The start page: what needs the signed-in person today (``services.home.day``), then what
their role can do; and "My children", their caseload a page at a time."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from joinedup.governance import uses
from joinedup.governance.reader import Reader, purposes_for
from joinedup.governance.roles import ROLE_RULES, Role
from joinedup.http import navigation
from joinedup.http.auth import current_reader, current_session, engine_of, governed
from joinedup.http.navigation import allowed
from joinedup.http.templating import render
from joinedup.services import accounts as account_service
from joinedup.services import home as home_service

router = APIRouter(include_in_schema=False)

navigation.add(
    "My children",
    "/my-children",
    uses.CASELOAD.roles,
    "The children you are involved with, and what is new since you last looked.",
    4,
)


@router.get("/")
def home(request: Request) -> Response:
    session = current_session(request)
    role = Role(session.account.role)
    reader = account_service.reader_for(session, None) if session.purpose else None
    return render(
        request,
        "home.html",
        {
            "role_title": ROLE_RULES[role].title,
            "purposes": purposes_for(role),
            "day": home_service.day(engine_of(request), session.account, reader),
            "items": allowed(session),
        },
    )


@router.get("/my-children", **governed(uses.CASELOAD, page=True))
def my_children(
    request: Request,
    page: int = Query(1, ge=1, le=100_000),
    reader: Reader = Depends(current_reader),
) -> Response:
    found = home_service.caseload(engine_of(request), reader, page=page)
    return render(request, "home/my_children.html", {"caseload": found})

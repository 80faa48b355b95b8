"""The CP-IS point-of-care check page: a health professional enters an NHS number and sees
whether the child is on a child protection plan, looked after or on a pre-birth plan, with
the local authority's office and out-of-hours numbers (``services.cp_is``: audited, and the
local authority told of a flagged child)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.errors import BadInput
from joinedup.governance.uses import CP_IS_CHECK
from joinedup.http import navigation
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.templating import render
from joinedup.services import cp_is

router = APIRouter(include_in_schema=False)
navigation.add(
    "CP-IS check",
    "/cp-is",
    CP_IS_CHECK.roles,
    "At the point of care: is this child on a child protection plan, looked after, or on a "
    "pre-birth plan? With the local authority's numbers. Every check is recorded.",
    6,
)


def _page(request: Request, **context: object) -> Response:
    status = int(str(context.pop("status", 200)))
    return render(request, "cp_is/check.html", {"title": "CP-IS check", **context}, status=status)


@router.get("/cp-is", **governed(CP_IS_CHECK, page=True))
def check_page(request: Request, account: Account = Depends(current_account)) -> Response:
    return _page(request, answer=None, error="", nhs_number="")


@router.post("/cp-is", **governed(CP_IS_CHECK, page=True))
def check_form(
    request: Request, nhs_number: str = Form(""), account: Account = Depends(current_account)
) -> Response:
    try:
        answer = cp_is.point_of_care_check(engine_of(request), account, nhs_number[:40])
    except BadInput as problem:
        return _page(
            request, answer=None, error=str(problem), nhs_number="", status=problem.http_status
        )
    return _page(request, answer=answer, error="", nhs_number=answer["nhs_number"])

"""Data sharing agreements: the list, and one agreement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.governance import uses
from joinedup.http import navigation
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.templating import render
from joinedup.services import oversight

router = APIRouter(include_in_schema=False)
ROUTE = governed(uses.AGREEMENTS, page=True)
navigation.add(
    "Agreements",
    "/agreements",
    uses.AGREEMENTS.roles,
    "The data sharing agreements in force, and every earlier version.",
    50,
)


@router.get("/agreements", **ROUTE)
def agreements(request: Request, account: Account = Depends(current_account)) -> Response:
    versions = oversight.agreements(engine_of(request), account)
    return render(request, "agreements/list.html", {"title": "Agreements", "versions": versions})


@router.get("/agreements/{agreement_id}", **ROUTE)
def agreement(
    agreement_id: str, request: Request, account: Account = Depends(current_account)
) -> Response:
    found = oversight.agreement(engine_of(request), account, agreement_id)
    return render(request, "agreements/show.html", {"title": found["agreement"]["title"], **found})

"""Data sharing agreements: the list, and one agreement."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.services import oversight
from joinedup.web import navigation
from joinedup.web.auth import engine_of, require_roles
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
reader = require_roles(*oversight.AGREEMENT_READERS)
navigation.add(
    "Agreements",
    "/agreements",
    oversight.AGREEMENT_READERS,
    "The data sharing agreements in force, and every earlier version.",
    50,
)


@router.get("/agreements")
def agreements(request: Request, account: Account = Depends(reader)) -> Response:
    versions = oversight.agreements(engine_of(request), account)
    return render(request, "agreements/list.html", {"title": "Agreements", "versions": versions})


@router.get("/agreements/{agreement_id}")
def agreement(agreement_id: str, request: Request, account: Account = Depends(reader)) -> Response:
    found = oversight.agreement(engine_of(request), account, agreement_id)
    return render(request, "agreements/show.html", {"title": found["agreement"]["title"], **found})

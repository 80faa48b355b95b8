"""Data sharing agreements, as stored (every version)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Path, Query, Request

from joinedup.accounts.model import Account
from joinedup.governance import uses
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.limits import MAX_ID
from joinedup.services import oversight

router = APIRouter(tags=["agreements"])
ROLES = governed(uses.AGREEMENTS)


@router.get("/agreements", response_model=list[dict[str, Any]], **ROLES)
def agreements(
    request: Request, account: Account = Depends(current_account)
) -> list[dict[str, Any]]:
    """Every stored version of every agreement, newest first per agreement."""
    return oversight.agreements(engine_of(request), account)


@router.get("/agreements/{agreement_id}", response_model=dict[str, Any], **ROLES)
def agreement(
    request: Request,
    agreement_id: str = Path(max_length=60),
    version: int | None = Query(None, ge=1, le=MAX_ID),
    account: Account = Depends(current_account),
) -> dict[str, Any]:
    """One agreement (the current version, or ``?version=``) and its version history."""
    return oversight.agreement(engine_of(request), account, agreement_id, version)

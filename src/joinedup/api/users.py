"""Accounts, for administrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from joinedup.accounts.model import Account
from joinedup.governance.uses import USERS
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.services import accounts as account_service

router = APIRouter(tags=["accounts"])


@router.get("/users", response_model=list[dict[str, Any]], **governed(USERS))
def users(request: Request, account: Account = Depends(current_account)) -> list[dict[str, Any]]:
    """Every account: role, agency, team, whether disabled or locked. No password hashes.
    The read is audited."""
    return account_service.list_users(engine_of(request), account)

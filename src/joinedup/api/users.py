"""Accounts, for administrators."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.api.answers import answers
from joinedup.governance.uses import USERS
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.services import accounts as account_service

router = APIRouter(tags=["accounts"])


class UserAccount(BaseModel):
    """An account as an administrator sees it: no password hash."""

    username: str
    display_name: str
    role: str
    agency: str
    team: str | None
    practitioner_key: str | None = Field(description="the person's key in their agency's feed")
    provider: str = Field(description="local, or the OIDC provider that signs them in")
    disabled: bool
    last_login_at: str | None


@router.get("/users", **answers(list[UserAccount]), **governed(USERS))
def users(request: Request, account: Account = Depends(current_account)) -> list[UserAccount]:
    """Every account: role, agency, team, whether disabled or locked. No password hashes.
    The read is audited."""
    listed = account_service.list_users(engine_of(request), account)
    return [UserAccount.model_validate(user) for user in listed]

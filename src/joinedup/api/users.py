"""Accounts, for administrators."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from joinedup.governance.roles import Role
from joinedup.services import accounts as account_service
from joinedup.web.auth import engine_of, governed

router = APIRouter(tags=["accounts"])


@router.get("/users", response_model=list[dict[str, Any]], **governed(roles=[Role.ADMINISTRATOR]))
def users(request: Request) -> list[dict[str, Any]]:
    """Every account: role, agency, team, whether disabled or locked. No password hashes."""
    return account_service.list_users(engine_of(request))

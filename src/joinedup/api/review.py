"""The clerical review queue of uncertain links."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.governance import uses
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import oversight

router = APIRouter(tags=["linkage review"])
ROLES = governed(uses.LINK_REVIEW)


class Decision(BaseModel):
    decision: Literal["MATCH", "NON_MATCH"]
    reason: str = Field("", max_length=2000)


@router.get("/review", response_model=list[dict[str, Any]], **ROLES)
def review_queue(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    account: Account = Depends(current_account),
) -> list[dict[str, Any]]:
    """Open pairs of records the linkage could not decide, strongest evidence first."""
    return oversight.review_queue(engine_of(request), account, limit)


@router.get("/review/{review_id}", response_model=dict[str, Any], **ROLES)
def review_item(
    review_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> dict[str, Any]:
    return oversight.review_item(engine_of(request), account, review_id)


@router.post("/review/{review_id}/decision", response_model=dict[str, Any], **ROLES)
def decide(
    review_id: RecordId,
    decision: Decision,
    request: Request,
    account: Account = Depends(current_account),
) -> dict[str, Any]:
    """Record MATCH or NON_MATCH for a pair (audited); later linkage runs respect it."""
    return oversight.decide_review(
        engine_of(request), account, review_id, decision.decision, decision.reason
    )

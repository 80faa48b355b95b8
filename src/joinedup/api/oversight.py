"""The privacy officer's API: break-glass reviews, audit search and audit verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.governance import uses
from joinedup.governance.emergency import ReviewOutcome
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_account, current_reader, engine_of, governed
from joinedup.http.limits import MAX_ID, RecordId
from joinedup.services import oversight

router = APIRouter(tags=["privacy officer"])


class Review(BaseModel):
    outcome: ReviewOutcome
    note: str = Field("", max_length=4000)


@router.get(
    "/break-glass/reviews",
    response_model=list[dict[str, Any]],
    **governed(uses.BREAK_GLASS_REVIEW),
)
def break_glass_reviews(
    request: Request,
    status: Literal["OPEN", "CLOSED", "ALL"] = "OPEN",
    reader: Reader = Depends(current_reader),
) -> list[dict[str, Any]]:
    """Break-glass grants and their review tasks, oldest first."""
    return oversight.break_glass_tasks(
        engine_of(request), reader, None if status == "ALL" else status
    )


@router.post(
    "/break-glass/reviews/{task_id}",
    response_model=dict[str, Any],
    **governed(uses.BREAK_GLASS_REVIEW),
)
def review_break_glass(
    task_id: RecordId,
    review: Review,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> dict[str, Any]:
    """Record the outcome of a review (a note is needed unless APPROPRIATE; audited)."""
    return oversight.review_break_glass(
        engine_of(request), reader, task_id, review.outcome.value, review.note
    )


@router.get(
    "/audit/entries",
    response_model=list[dict[str, Any]],
    **governed(uses.AUDIT_SEARCH),
)
def audit_entries(
    request: Request,
    subject: str | None = Query(None, max_length=200),
    actor: str | None = Query(None, max_length=200),
    kind: str | None = Query(None, max_length=60),
    since: datetime | None = None,
    limit: int = Query(200, ge=1, le=1000),
    after: int | None = Query(
        None, ge=0, le=MAX_ID, description="Only entries after this one (its seq): the next page."
    ),
    reader: Reader = Depends(current_reader),
) -> list[dict[str, Any]]:
    """Audit entries matching every filter given, oldest first (the search is audited)."""
    return oversight.search_audit(
        engine_of(request),
        reader,
        subject=subject,
        actor=actor,
        kind=kind,
        since=since,
        limit=limit,
        after=after,
    )


@router.get(
    "/audit/verification",
    response_model=dict[str, Any],
    **governed(uses.AUDIT_VERIFY),
)
def audit_verification(
    request: Request, account: Account = Depends(current_account)
) -> dict[str, Any]:
    """Verify every entry and signed head of the audit log: ``ok`` or the first bad one."""
    return oversight.verify_audit(engine_of(request), account)


class NoticeReview(BaseModel):
    note: str = Field(..., min_length=10, max_length=4000)


@router.get(
    "/privacy-notices", response_model=list[dict[str, Any]], **governed(uses.PRIVACY_NOTICES)
)
def privacy_notices(
    request: Request,
    status: Literal["OPEN", "CLOSED", "ALL"] = "OPEN",
    reader: Reader = Depends(current_reader),
) -> list[dict[str, Any]]:
    """Accounts searching or breaking the glass in unusual volume, raised as it happened."""
    return oversight.privacy_notices(
        engine_of(request), reader, None if status == "ALL" else status
    )


@router.post(
    "/privacy-notices/{notice_id}/review",
    response_model=dict[str, Any],
    **governed(uses.PRIVACY_NOTICES),
)
def review_privacy_notice(
    notice_id: RecordId,
    body: NoticeReview,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> dict[str, Any]:
    """Close a notice with what you found (audited)."""
    return oversight.review_privacy_notice(engine_of(request), reader, notice_id, body.note)

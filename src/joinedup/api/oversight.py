"""The privacy officer's API: break-glass reviews, audit search and audit verification."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.api.answers import Timestamp, answers
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


class BreakGlassTask(BaseModel):
    """A break-glass grant and the privacy officer's task to review it."""

    task_id: int
    status: str = Field(description="OPEN or CLOSED")
    outcome: str | None
    reviewer: str | None
    note: str | None
    reviewed_at: Timestamp | None
    emergency_access_id: int
    user_id: str = Field(description="who broke the glass")
    role: str
    agency: str
    purpose: str
    child_id: str
    justification: str
    granted_at: Timestamp
    expires_at: Timestamp


class BreakGlassReviewed(BaseModel):
    task_id: int
    emergency_access_id: int
    accessed_by: str
    outcome: str
    note: str
    reviewer: str
    reviewed_at: str


class AuditEntry(BaseModel):
    seq: int
    recorded_at: str
    kind: str
    actor: str
    actor_role: str | None
    purpose: str | None
    subject: str | None = Field(description="the person the entry is about, if one")
    details: dict[str, Any] = Field(
        description="open-ended: what each kind of entry records (its own keys per kind); "
        "a search's terms pseudonymised"
    )
    entry_hash: str


class TreeHead(BaseModel):
    """A signed head of the audit log's Merkle tree (RFC 6962)."""

    tree_size: int
    root_hash: str
    signed_at: str
    key_id: str
    signature: str


class AuditVerification(BaseModel):
    ok: bool
    entries: int
    heads_checked: int
    latest_head: TreeHead | None
    unsigned_tail: int = Field(description="entries after the newest valid head")
    first_bad_seq: int | None
    bad_head: int | None = Field(description="the tree size of the head at fault")
    reason: str | None
    summary: str


@router.get(
    "/break-glass/reviews",
    **answers(list[BreakGlassTask]),
    **governed(uses.BREAK_GLASS_REVIEW),
)
def break_glass_reviews(
    request: Request,
    status: Literal["OPEN", "CLOSED", "ALL"] = "OPEN",
    reader: Reader = Depends(current_reader),
) -> list[BreakGlassTask]:
    """Break-glass grants and their review tasks, oldest first."""
    tasks = oversight.break_glass_tasks(
        engine_of(request), reader, None if status == "ALL" else status
    )
    return [BreakGlassTask.model_validate(task) for task in tasks]


@router.post(
    "/break-glass/reviews/{task_id}",
    **answers(BreakGlassReviewed),
    **governed(uses.BREAK_GLASS_REVIEW),
)
def review_break_glass(
    task_id: RecordId,
    review: Review,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> BreakGlassReviewed:
    """Record the outcome of a review (a note is needed unless APPROPRIATE; audited)."""
    reviewed = oversight.review_break_glass(
        engine_of(request), reader, task_id, review.outcome.value, review.note
    )
    return BreakGlassReviewed.model_validate(reviewed)


@router.get(
    "/audit/entries",
    **answers(list[AuditEntry]),
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
) -> list[AuditEntry]:
    """Audit entries matching every filter given, oldest first (the search is audited)."""
    entries = oversight.search_audit(
        engine_of(request),
        reader,
        subject=subject,
        actor=actor,
        kind=kind,
        since=since,
        limit=limit,
        after=after,
    )
    return [AuditEntry.model_validate(entry) for entry in entries]


@router.get(
    "/audit/verification",
    **answers(AuditVerification),
    **governed(uses.AUDIT_VERIFY),
)
def audit_verification(
    request: Request, account: Account = Depends(current_account)
) -> AuditVerification:
    """Verify every entry and signed head of the audit log: ``ok`` or the first bad one."""
    return AuditVerification.model_validate(oversight.verify_audit(engine_of(request), account))


class NoticeReview(BaseModel):
    note: str = Field(..., min_length=10, max_length=4000)


class PrivacyNotice(BaseModel):
    id: int
    kind: str = Field(description="SEARCH_VOLUME, BREAK_GLASS_VOLUME...")
    actor: str
    actor_role: str | None
    raised_at: Timestamp
    updated_at: Timestamp
    details: dict[str, Any] = Field(
        description="open-ended: the figures the notice was raised with, as stored (count, "
        "window_hours, limit, refused, highest_count); no personal data"
    )
    status: str = Field(description="OPEN or CLOSED")
    reviewer: str | None
    note: str | None
    reviewed_at: Timestamp | None


class NoticeClosed(BaseModel):
    notice_id: int
    status: str
    reviewer: str
    note: str


@router.get("/privacy-notices", **answers(list[PrivacyNotice]), **governed(uses.PRIVACY_NOTICES))
def privacy_notices(
    request: Request,
    status: Literal["OPEN", "CLOSED", "ALL"] = "OPEN",
    reader: Reader = Depends(current_reader),
) -> list[PrivacyNotice]:
    """Accounts searching or breaking the glass in unusual volume, raised as it happened."""
    found = oversight.privacy_notices(
        engine_of(request), reader, None if status == "ALL" else status
    )
    return [PrivacyNotice.model_validate(notice) for notice in found]


@router.post(
    "/privacy-notices/{notice_id}/review",
    **answers(NoticeClosed),
    **governed(uses.PRIVACY_NOTICES),
)
def review_privacy_notice(
    notice_id: RecordId,
    body: NoticeReview,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> NoticeClosed:
    """Close a notice with what you found (audited)."""
    closed = oversight.review_privacy_notice(engine_of(request), reader, notice_id, body.note)
    return NoticeClosed.model_validate(closed)

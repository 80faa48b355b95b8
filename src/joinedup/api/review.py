"""The clerical review queue of uncertain links."""

from __future__ import annotations

from datetime import date
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from joinedup.accounts.model import Account
from joinedup.api.answers import Timestamp, answers
from joinedup.governance import uses
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import oversight

router = APIRouter(tags=["linkage review"])
ROLES = governed(uses.LINK_REVIEW)


class Decision(BaseModel):
    decision: Literal["MATCH", "NON_MATCH"]
    reason: str = Field("", max_length=2000)


class Evidence(BaseModel):
    """One comparison of the pair, as the linkage run stored it."""

    model_config = ConfigDict(extra="allow")  # kept as stored by earlier linkage versions

    comparison: str
    level: str = Field(description="the agreement level in words, e.g. DOB exact")
    gamma: int
    weight: float = Field(description="its match weight (with term frequency)")


class ReviewItem(BaseModel):
    """A pair of records the linkage could not decide."""

    id: int
    record_key_l: str
    record_key_r: str
    match_weight: float
    match_probability: float
    evidence: list[Evidence]
    status: str = Field(description="OPEN, DECIDED or STALE")
    created_at: Timestamp
    run_id: int | None
    decision: str | None = Field(description="MATCH or NON_MATCH, once decided")
    decided_by: str | None
    decided_at: Timestamp | None
    reason: str | None
    tier: str | None = Field(
        None, description="CHILD, CHILDS_HOUSEHOLD or OTHER: whose single view it changes"
    )


class PairRecord(BaseModel):
    """One record of the pair as its agency recorded it."""

    record_key: str
    agency: str
    source_table: str
    source_id: str
    forenames: str | None
    surname: str | None
    other_names: list[str]
    date_of_birth: date | None
    sex: str | None
    nhs_number: str | None
    upn: str | None
    postcode: str | None
    address_line: str | None
    other_identifiers: list[str]
    restricted: str | None = Field(
        None, description="set when the record is sealed: its identity is not shown"
    )


class Pair(BaseModel):
    left: PairRecord | None = Field(description="null when no longer in the store")
    right: PairRecord | None


class ReviewItemWithRecords(ReviewItem):
    records: Pair


@router.get("/review", **answers(list[ReviewItem]), **ROLES)
def review_queue(
    request: Request,
    limit: int = Query(50, ge=1, le=500),
    account: Account = Depends(current_account),
) -> list[ReviewItem]:
    """Open pairs of records the linkage could not decide: a child's first, then an adult in a
    child's household, then the rest; in each, nearest the link threshold first."""
    items = oversight.review_queue(engine_of(request), account, limit)
    return [ReviewItem.model_validate(item) for item in items]


@router.get("/review/{review_id}", **answers(ReviewItemWithRecords), **ROLES)
def review_item(
    review_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> ReviewItemWithRecords:
    item = oversight.review_item(engine_of(request), account, review_id)
    return ReviewItemWithRecords.model_validate(item)


@router.post("/review/{review_id}/decision", **answers(ReviewItem), **ROLES)
def decide(
    review_id: RecordId,
    decision: Decision,
    request: Request,
    account: Account = Depends(current_account),
) -> ReviewItem:
    """Record MATCH or NON_MATCH for a pair (audited); later linkage runs respect it."""
    decided = oversight.decide_review(
        engine_of(request), account, review_id, decision.decision, decision.reason
    )
    return ReviewItem.model_validate(decided)

"""CP-IS at the point of care: a health professional asks, by NHS number, whether a child is
on a child protection plan, looked after, or (unborn) on a pre-birth plan recorded against
the mother; with the local authority's office and out-of-hours numbers. Every check is
audited and the local authority told of a flagged child (``services.cp_is``).

A POST with the NHS number in the body (not a GET with it in the path), so that the number
stays out of access logs and browser histories; each check is a recorded act, not a read
that could be repeated or cached."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.api.answers import answers
from joinedup.governance.uses import CP_IS_CHECK
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.services import cp_is

router = APIRouter(tags=["cp-is"])


class Check(BaseModel):
    nhs_number: str = Field(
        ..., min_length=10, max_length=12, description="10 digits; spaces allowed (943 476 5919)"
    )


class Plan(BaseModel):
    kind: str = Field(description="CHILD_PROTECTION_PLAN, LOOKED_AFTER or PRE_BIRTH_PLAN")
    started_on: date
    ended_on: date | None
    current: bool = Field(description="false: ended within the kept period (shown with its end)")
    expected_delivery_date: date | None = Field(description="a pre-birth plan's due date")


class Line(BaseModel):
    name: str | None = None
    phone: str | None = None
    email: str | None = None
    hours: str | None = None


class LocalAuthority(BaseModel):
    office: Line
    out_of_hours: Line | None


class Answer(BaseModel):
    nhs_number: str
    checked_at: datetime
    flagged: bool = Field(description="on a plan or looked after (or ended within the period)")
    plans: list[Plan]
    ended_plans_shown_for_days: int
    local_authority: LocalAuthority = Field(description="children's social care's numbers")
    local_authority_told: bool = Field(description="an alert went to the local authority")


@router.post("/cp-is/checks", **answers(Answer), **governed(CP_IS_CHECK))
def check(body: Check, request: Request, account: Account = Depends(current_account)) -> Answer:
    """Check one NHS number at the point of care (health roles; audited; a flagged child's
    local authority is told)."""
    found = cp_is.point_of_care_check(engine_of(request), account, body.nhs_number)
    return Answer.model_validate(found)

"""The MASH case (issue 21): the MASH's home, a case with its requests and answers, its RAG
rating and its information requests (the MASH, purpose MASH triage); the requests to an
agency and their answers (the agency's practitioners). Opening and closing a case are
``/people/{person_id}/triage-cases`` and ``/triage-cases/{case_id}/closure``. Each route
calls ``services.mash``, which checks the use and audits."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.api.answers import answers
from joinedup.governance import uses
from joinedup.governance.mash_cases import MAX_ANSWER, MAX_DUE_HOURS, MAX_QUESTION
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_account, current_reader, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import mash
from joinedup.services.casework_view import TriageCase

router = APIRouter(tags=["mash"])
AgencyName = Literal[
    "social_care", "health", "police", "education", "housing", "probation",
    "substance_misuse", "adult_mental_health",
]  # fmt: skip


class RequestCounts(BaseModel):
    open: int
    answered: int
    overdue: int


class OpenCase(TriageCase):
    requests: RequestCounts


class MashHome(BaseModel):
    open: list[OpenCase] = Field(description="the open cases, the soonest due first")
    closed: list[TriageCase] = Field(description="the cases closed most recently")


class CaseRequest(BaseModel):
    request_id: int
    case_id: int
    agency: str
    agency_name: str
    question: str
    requested_at: str | None
    due_at: str
    status: Literal["OPEN", "ANSWERED", "WITHDRAWN"]
    overdue: bool
    escalated_at: str | None
    answer: str | None
    answered_by: str | None
    answered_at: str | None


class MashCase(TriageCase):
    reason: str
    closed_by: str | None
    closing_reason: str | None
    requests: list[CaseRequest]


class Rating(BaseModel):
    rag: Literal["RED", "AMBER", "GREEN"]


class Rated(BaseModel):
    case_id: int
    rag: str
    due_at: str


class RequestIn(BaseModel):
    agency: AgencyName
    question: str = Field(..., min_length=15, max_length=MAX_QUESTION)
    due_hours: int | None = Field(None, ge=1, le=MAX_DUE_HOURS)


class Sent(BaseModel):
    request_id: int


class Child(BaseModel):
    name: str | None
    date_of_birth: str | None
    your_reference: str | None = Field(description="your agency's own record of the child")


class AgencyRequest(BaseModel):
    """A request as the agency asked sees it: the question and who the child is."""

    request_id: int
    question: str
    requested_at: str | None
    due_at: str
    status: Literal["OPEN", "ANSWERED", "WITHDRAWN"]
    overdue: bool
    answer: str | None
    answered_at: str | None
    child: Child


class AnswerIn(BaseModel):
    answer: str = Field(..., min_length=10, max_length=MAX_ANSWER)


class Answered(BaseModel):
    request_id: int
    status: Literal["ANSWERED"]
    answered_at: str
    within_due_time: bool


@router.get("/mash", **answers(MashHome), **governed(uses.TRIAGE_CASE))
def mash_home(request: Request, reader: Reader = Depends(current_reader)) -> MashHome:
    """The MASH's open cases by due time with their RAG rating and requests; audited."""
    return MashHome.model_validate(mash.mash_home(engine_of(request), reader))


@router.get("/mash/cases/{case_id}", **answers(MashCase), **governed(uses.TRIAGE_CASE))
def mash_case(
    case_id: RecordId, request: Request, reader: Reader = Depends(current_reader)
) -> MashCase:
    """A case with every request and its answer; audited."""
    return MashCase.model_validate(mash.mash_case(engine_of(request), reader, case_id))


@router.post("/mash/cases/{case_id}/rag", **answers(Rated), **governed(uses.TRIAGE_CASE))
def rate_case(
    case_id: RecordId, body: Rating, request: Request, reader: Reader = Depends(current_reader)
) -> Rated:
    """Rate an open case; its decision is due the partnership's timescale for the rating
    after it opened (JOINEDUP_MASH_TIMESCALES). Audited."""
    return Rated.model_validate(mash.rate_case(engine_of(request), reader, case_id, body.rag))


@router.post("/mash/cases/{case_id}/requests", **answers(Sent), **governed(uses.TRIAGE_CASE))
def request_information(
    case_id: RecordId,
    body: RequestIn,
    request: Request,
    reader: Reader = Depends(current_reader),
) -> Sent:
    """Ask an agency a question for an open case, due in ``due_hours`` (by default when the
    case's decision is due). Audited."""
    request_id = mash.request_information(
        engine_of(request), reader, case_id, body.agency, body.question, due_hours=body.due_hours
    )
    return Sent(request_id=request_id)


@router.get("/mash/requests", **answers(list[AgencyRequest]), **governed(uses.MASH_REQUESTS))
def requests_to_my_agency(
    request: Request, include_done: bool = False, account: Account = Depends(current_account)
) -> list[AgencyRequest]:
    """The MASH's requests to your agency, the soonest due first; audited."""
    found = mash.requests_to_my_agency(engine_of(request), account, include_done=include_done)
    return [AgencyRequest.model_validate(r) for r in found]


@router.get("/mash/requests/{request_id}", **answers(AgencyRequest), **governed(uses.MASH_REQUESTS))
def request_to_my_agency(
    request_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> AgencyRequest:
    """One request to your agency (403 for another agency's); audited."""
    found = mash.request_to_my_agency(engine_of(request), account, request_id)
    return AgencyRequest.model_validate(found)


@router.post(
    "/mash/requests/{request_id}/answer", **answers(Answered), **governed(uses.MASH_REQUESTS)
)
def answer_request(
    request_id: RecordId,
    body: AnswerIn,
    request: Request,
    account: Account = Depends(current_account),
) -> Answered:
    """Answer a request to your agency while its case is open (409 once it is closed or
    answered). Audited."""
    done = mash.answer_request(engine_of(request), account, request_id, body.answer)
    return Answered.model_validate(done)

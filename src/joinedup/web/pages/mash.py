"""The MASH case pages (issue 21): the MASH's home (its open cases, the soonest due first), a
case (its RAG rating, its information requests and their answers, the decision that closes
it), and the asked agency's requests, each answered on its own page that shows the question
and the child's identifying details only. Pages call ``services.mash`` with the session's
reader (the MASH) or account (the agency asked)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.domain.agencies import AGENCIES, AgencyId
from joinedup.errors import BadInput, JoinedUpError
from joinedup.governance import uses
from joinedup.governance.mash_cases import ASKED, RAG_WORDS
from joinedup.governance.reader import Reader
from joinedup.governance.triage_cases import OUTCOMES
from joinedup.http import navigation
from joinedup.http.auth import current_account, current_reader, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.http.templating import render
from joinedup.services import casework_actions, mash
from joinedup.web.pages.form_actions import act_or_show_again

router = APIRouter(include_in_schema=False)
navigation.add(
    "MASH cases",
    "/mash",
    uses.TRIAGE_CASE.roles,
    "The MASH's open cases, the soonest due first: rate each, ask the agencies, record the "
    "decision and close it.",
    9,
)
navigation.add(
    "MASH requests",
    "/mash/requests",
    uses.MASH_REQUESTS.roles,
    "Questions the MASH has asked your agency about a child: answer each by its due time.",
    6,
)
DONE = {
    "rag": "The case's RAG rating is set and its decision's due time with it.",
    "request": "The request is sent to the agency.",
    "closed": "The decision is recorded and the case closed: the MASH's access ends.",
    "answered": "Your answer is recorded and the MASH can see it.",
}


@router.get("/mash", **governed(uses.TRIAGE_CASE, page=True))
def home_page(request: Request, reader: Reader = Depends(current_reader)) -> Response:
    found = mash.mash_home(engine_of(request), reader)
    return render(
        request,
        "mash/home.html",
        {"title": "MASH cases", **found, "rags": RAG_WORDS, "outcomes": OUTCOMES},
    )


def _case_page(
    request: Request,
    reader: Reader,
    case_id: int,
    problem: JoinedUpError | None = None,
    kept: dict[str, str] | None = None,
) -> Response:
    case = mash.mash_case(engine_of(request), reader, case_id)
    error = str(problem) if problem else ""
    context: dict[str, Any] = {
        "title": f"{'Error: ' if error else ''}MASH case {case_id}",
        "case": case,
        "rags": RAG_WORDS,
        "agencies": {a: AGENCIES[AgencyId(a)].name for a in ASKED},
        "outcomes": OUTCOMES,
        "error": error,
        "kept": kept or {},
        "done": DONE.get(request.query_params.get("done", ""), ""),
    }
    status = problem.http_status if problem else 200
    return render(request, "mash/case.html", context, status=status)


@router.get("/mash/cases/{case_id}", **governed(uses.TRIAGE_CASE, page=True))
def case_page(
    case_id: RecordId, request: Request, reader: Reader = Depends(current_reader)
) -> Response:
    return _case_page(request, reader, case_id)


@router.post("/mash/cases/{case_id}/rag", **governed(uses.TRIAGE_CASE, page=True))
def rag_form(
    case_id: RecordId,
    request: Request,
    rag: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    return act_or_show_again(
        lambda: mash.rate_case(engine_of(request), reader, case_id, rag),
        f"/mash/cases/{case_id}?done=rag",
        lambda problem: _case_page(request, reader, case_id, problem),
    )


def _hours(value: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 4):
        raise BadInput("the answer is due in a whole number of hours", field="due_hours")
    return int(value)


@router.post("/mash/cases/{case_id}/requests", **governed(uses.TRIAGE_CASE, page=True))
def request_form(
    case_id: RecordId,
    request: Request,
    agency: str = Form(""),
    question: str = Form(""),
    due_hours: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    kept = {"agency": agency, "question": question, "due_hours": due_hours}
    return act_or_show_again(
        lambda: mash.request_information(
            engine_of(request), reader, case_id, agency, question, due_hours=_hours(due_hours)
        ),
        f"/mash/cases/{case_id}?done=request",
        lambda problem: _case_page(request, reader, case_id, problem, kept),
    )


@router.post("/mash/cases/{case_id}/closure", **governed(uses.TRIAGE_CASE, page=True))
def closure_form(
    case_id: RecordId,
    request: Request,
    outcome: str = Form(""),
    reason: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    kept = {"outcome": outcome, "reason": reason}
    return act_or_show_again(
        lambda: casework_actions.close_triage(engine_of(request), reader, case_id, outcome, reason),
        f"/mash/cases/{case_id}?done=closed",
        lambda problem: _case_page(request, reader, case_id, problem, kept),
    )


@router.get("/mash/requests", **governed(uses.MASH_REQUESTS, page=True))
def requests_page(request: Request, account: Account = Depends(current_account)) -> Response:
    show_all = request.query_params.get("all") == "1"
    found = mash.requests_to_my_agency(engine_of(request), account, include_done=show_all)
    return render(
        request,
        "mash/requests.html",
        {"title": "The MASH's requests to your agency", "requests": found, "show_all": show_all},
    )


def _request_page(
    request: Request,
    account: Account,
    request_id: int,
    problem: JoinedUpError | None = None,
    answer: str = "",
) -> Response:
    found = mash.request_to_my_agency(engine_of(request), account, request_id)
    error = str(problem) if problem else ""
    context = {
        "title": f"{'Error: ' if error else ''}The MASH's request {request_id}",
        "item": found,
        "error": error,
        "answer": answer,
        "done": DONE["answered"] if request.query_params.get("done") else "",
    }
    status = problem.http_status if problem else 200
    return render(request, "mash/request.html", context, status=status)


@router.get("/mash/requests/{request_id}", **governed(uses.MASH_REQUESTS, page=True))
def request_page(
    request_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> Response:
    return _request_page(request, account, request_id)


@router.post("/mash/requests/{request_id}/answer", **governed(uses.MASH_REQUESTS, page=True))
def answer_form(
    request_id: RecordId,
    request: Request,
    answer: str = Form(""),
    account: Account = Depends(current_account),
) -> Response:
    return act_or_show_again(
        lambda: mash.answer_request(engine_of(request), account, request_id, answer),
        f"/mash/requests/{request_id}?done=1",
        lambda problem: _request_page(request, account, request_id, problem, answer),
    )

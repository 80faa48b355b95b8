"""The receiving MASH's pages of the exchange between partnerships (issue 24): children who
moved in (open transfer-in cases, the soonest due first, and the summaries received), one
child's exchanged summary beside the MASH's own record of the child, and moving a
transfer-in case on to its conference and close."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.errors import BadInput, Conflict
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http import navigation
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.http.templating import render
from joinedup.services import exchange_transfer, exchange_view

router = APIRouter(include_in_schema=False)
navigation.add(
    "Moved in",
    "/mash/moved-in",
    uses.EXCHANGE_CASES.roles,
    "Children another partnership knows who are now in your area: their summaries and the "
    "transfer-in cases of those on a plan or looked after.",
    10,
)
SECTION_TITLES = {
    "cp_plans": "Child protection plans",
    "looked_after": "Looked after",
    "cin_episodes": "Child in need",
    "lead_practitioners": "Lead practitioners",
    "recent_concerns": "Recent concerns",
}


@router.get("/mash/moved-in", **governed(uses.EXCHANGE_CASES, page=True))
def moved_in_page(request: Request, reader: Reader = Depends(current_reader)) -> Response:
    found = exchange_view.moved_in(engine_of(request), reader)
    return render(request, "mash/moved_in.html", {"title": "Children who moved in", **found})


def _summary(request: Request, reader: Reader, summary_id: int, error: str = "",
             status: int = 200) -> Response:  # fmt: skip
    found = exchange_view.summary_page(engine_of(request), reader, summary_id)
    context = {
        "title": f"{'Error: ' if error else ''}What {found['partner'].title()} sent",
        "s": found,
        "titles": SECTION_TITLES,
        "states": exchange_transfer.NEXT,
        "error": error,
        "done": request.query_params.get("done") == "1",
    }
    return render(request, "mash/exchanged.html", context, status=status)


@router.get("/mash/moved-in/{summary_id}", **governed(uses.EXCHANGE_CASES, page=True))
def summary_page(
    summary_id: RecordId, request: Request, reader: Reader = Depends(current_reader)
) -> Response:
    return _summary(request, reader, summary_id)


def _day(value: str) -> date | None:
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput("the conference's date as YYYY-MM-DD", field="conference_on") from None


@router.post("/mash/transfer-in/{case_id}", **governed(uses.EXCHANGE_CASES, page=True))
def move_form(
    case_id: RecordId,
    request: Request,
    status: str = Form(""),
    conference_on: str = Form(""),
    outcome: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    engine = engine_of(request)
    with engine.connect() as connection:
        summary_id = exchange_transfer.case(connection, case_id, date.today())["summary_id"]
    try:
        exchange_view.move_case(engine, reader, case_id, status, _day(conference_on), outcome)
    except (BadInput, Conflict) as problem:
        return _summary(request, reader, summary_id, str(problem), problem.http_status)
    return RedirectResponse(f"/mash/moved-in/{summary_id}?done=1", status_code=303)

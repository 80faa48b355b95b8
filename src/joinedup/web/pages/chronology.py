"""A child's multi-agency chronology as a page: one table, filtered by agency, kind and period
(GET parameters, so a filtered view is a link to share with a colleague who may see it), UK
dates, a print layout (``static/print.css``), and downloads as CSV and PDF (a share, audited).

The page and its API twin (``/api/v1/people/{id}/chronology``) show one service answer
(``services.chronology``); the downloads are ``services.chronology_export``'s files of it.
"""

from __future__ import annotations

import calendar
from datetime import date
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.forms import FormErrors
from joinedup.http.templating import render
from joinedup.services.chronology import Chronology, Filters, PeriodProblem, chronology
from joinedup.services.chronology_export import export_chronology

router = APIRouter(include_in_schema=False)
PERIODS = (("the last 3 months", 3), ("the last 12 months", 12), ("the last 3 years", 36))


def _query(answer: Chronology, **changes: str) -> str:
    """The address's query for the filters applied (with ``changes``)."""
    f = answer.filters
    pairs = [("agency", a) for a in f.agencies] + [("kind", k) for k in f.kinds]
    values = {"from": f.since or "", "to": f.until or "", "order": f.order, **changes}
    pairs += [(k, v) for k, v in values.items() if v and not (k == "order" and v == "oldest")]
    return urlencode(pairs)


def _months_before(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def _periods(answer: Chronology) -> list[tuple[str, str]]:
    today = date.fromisoformat(answer.as_of)
    return [
        (title, _query(answer, **{"from": _months_before(today, n).isoformat(), "to": ""}))
        for title, n in PERIODS
    ]


@router.get("/people/{person_id}/chronology", **governed(uses.CHRONOLOGY, page=True))
def chronology_page(
    person_id: str,
    request: Request,
    agency: list[str] = Query([], max_length=20),
    kind: list[str] = Query([], max_length=40),
    since: str = Query("", alias="from", max_length=40),
    until: str = Query("", alias="to", max_length=40),
    order: str = Query("oldest", max_length=10),
    reader: Reader = Depends(current_reader),
) -> Response:
    errors = FormErrors()
    try:
        filters = Filters.parse(agencies=agency, kinds=kind, since=since, until=until, order=order)
    except PeriodProblem as problem:
        # GOV.UK: say what is wrong beside the field, keep what was typed, and show the
        # chronology without the period until it is put right.
        errors.add(problem.field or "from", str(problem))
        filters = Filters.parse(agencies=agency, kinds=kind, order=order)
    answer = chronology(engine_of(request), reader, person_id, filters)
    title = f"Chronology: {answer.name}" if answer.name else "Chronology"
    return render(
        request,
        "child/chronology.html",
        {
            "title": f"Error: {title}" if errors else title,
            "heading": title,
            "chronology": answer,
            "errors": errors,
            "typed": {"from": since, "to": until},
            "query": _query(answer),
            "periods": _periods(answer),
            "all_time": _query(answer, **{"from": "", "to": ""}),
        },
        status=errors.status if errors else 200,
    )


@router.get("/people/{person_id}/chronology/export", **governed(uses.CHRONOLOGY_EXPORT, page=True))
def chronology_download(
    person_id: str,
    request: Request,
    format: str = Query("csv", max_length=10),
    agency: list[str] = Query([], max_length=20),
    kind: list[str] = Query([], max_length=40),
    since: str = Query("", alias="from", max_length=40),
    until: str = Query("", alias="to", max_length=40),
    order: str = Query("oldest", max_length=10),
    reader: Reader = Depends(current_reader),
) -> Response:
    filters = Filters.parse(agencies=agency, kinds=kind, since=since, until=until, order=order)
    export = export_chronology(engine_of(request), reader, person_id, filters, file_format=format)
    return Response(
        export.content,
        media_type=export.media_type,
        headers={"Content-Disposition": f'attachment; filename="{export.filename}"'},
    )

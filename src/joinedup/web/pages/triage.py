"""The MASH's triage list (children ranked by their 12-month risk, with the factors behind
it and links to the evidence), one child's explanation, and the decision form.

Scores inform; a practitioner decides, and the decision is recorded with its reason. Pages
call the governed services in ``services.triage`` with the session's reader.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup

from joinedup.charts import diverging_bars
from joinedup.errors import BadInput
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http import navigation
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.templating import render
from joinedup.risk.areas import AREAS
from joinedup.services import triage

router = APIRouter(include_in_schema=False)
navigation.add(
    "Triage",
    "/triage",
    uses.TRIAGE_LIST.roles,
    "The children whose records suggest the highest risk of a statutory outcome within a "
    "year, with the reasons in words: choose whom the MASH discusses today.",
    8,
)
DECISIONS = {
    "DISCUSS": "Discuss at the MASH meeting",
    "NO_FURTHER_ACTION": "No further action",
    "REFER": "Refer to children's social care",
}
ORDERS = {"score": "Highest risk first", "change": "Biggest rise first"}


def _int(value: str, name: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 2) or int(value) > 25:
        raise BadInput(f"{name} is a whole number of years, 0 to 25")
    return int(value)


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _change(value: float | None) -> str:
    if value is None:
        return "new"
    points = 100 * value
    return "no change" if abs(points) < 0.05 else f"{points:+.1f} points"


@router.get("/triage", **governed(uses.TRIAGE_LIST, page=True))
def list_page(
    request: Request,
    team: str = "",
    school_urn: str = "",
    min_age: str = "",
    max_age: str = "",
    factor: str = "",
    order: str = "score",
    reader: Reader = Depends(current_reader),
) -> Response:
    filters = {
        "team": team.strip(),
        "school_urn": school_urn.strip(),
        "min_age": min_age.strip(),
        "max_age": max_age.strip(),
        "factor": factor.strip(),
        "order": order if order in ORDERS else "score",
    }
    context: dict[str, Any] = {
        "title": "Triage",
        "filters": filters,
        "factors": triage.visible_factor_filters(reader, engine_of(request)),
        "orders": ORDERS,
        "listed": None,
    }
    try:
        listed = triage.triage_list(
            engine_of(request), reader,
            team=filters["team"] or None, school_urn=filters["school_urn"] or None,
            min_age=_int(filters["min_age"], "The youngest age"),
            max_age=_int(filters["max_age"], "The oldest age"),
            factor=filters["factor"] or None, order=filters["order"], limit=50,
        ).as_dict()  # fmt: skip
    except BadInput as problem:
        context["error"] = str(problem)
        return render(request, "triage/list.html", context, status=problem.http_status)
    for child in listed["children"]:
        child["percent"] = _percent(child["probability_12m"])
        child["change"] = _change(child["change_since_previous"])
    context["listed"] = listed
    context["bar_max"] = max((c["probability_12m"] or 0.0 for c in listed["children"]), default=0.0)
    return render(request, "triage/list.html", context)


def _contributions_chart(contributions: list[dict[str, Any]]) -> Markup:
    """The factors that move the score (at most 15, none that round to nothing) as bars from
    the axis: right raises it, left lowers it; the table beside it has the same figures."""
    shown = [c for c in contributions if abs(c["log_odds"]) >= 0.005][:15]
    return diverging_bars(
        "What raises and lowers the score: each factor's contribution",
        [(str(c["label"]), c["log_odds"]) for c in shown],
    )


def _explanation(request: Request, reader: Reader, person_id: str) -> dict[str, Any]:
    explained = triage.explain_child(engine_of(request), reader, person_id).as_dict()
    changes = explained.get("changes_since_last_review")
    return {
        "title": "Why this child is on the list",
        "explained": explained,
        "person_id": person_id,
        "percent": _percent(explained["probability_12m"]),
        "percent_6m": _percent(explained["probability_6m"]),
        "change": _change(changes["probability_12m_change"]) if changes else None,
        "chart": _contributions_chart(explained["contributions"]),
        "area_labels": {code: area.label for code, area in AREAS.items()},
        "decisions": DECISIONS,
        "can_decide": uses.TRIAGE_DECISION.allows(reader.role, reader.purpose),
    }


@router.get("/triage/{person_id}", **governed(uses.RISK_EXPLANATION, page=True))
def explain_page(
    person_id: str, request: Request, done: str = "", reader: Reader = Depends(current_reader)
) -> Response:
    context = _explanation(request, reader, person_id)
    context["done"] = DECISIONS.get(done, "")
    return render(request, "triage/explain.html", context)


@router.post("/triage/{person_id}/decision", **governed(uses.TRIAGE_DECISION, page=True))
def decision_form(
    person_id: str,
    request: Request,
    decision: str = Form(""),
    reason: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    try:
        if decision not in DECISIONS:
            raise BadInput("Choose what you decided: discuss, no further action or refer")
        if len(reason.strip()) < 10:
            raise BadInput("Say why you decided this (at least 10 characters)")
        triage.record_triage_decision(
            engine_of(request), reader, person_id, decision, reason=reason
        )
    except BadInput as problem:
        context = _explanation(request, reader, person_id)
        context |= {"error": str(problem), "reason": reason, "decision": decision}
        return render(request, "triage/explain.html", context, status=problem.http_status)
    return RedirectResponse(f"/triage/{person_id}?done={decision}", status_code=303)

"""The MASH's triage list (children ranked by their 12-month risk, with the factors behind
it and links to the evidence), one child's explanation, and the decision form.

Scores inform; a practitioner decides, and the decision is recorded with its reason. Pages
call the governed services in ``services.triage`` with the session's reader.
"""

from __future__ import annotations

import math
from typing import Any
from urllib.parse import urlencode

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
PAGE_SIZE = 25
PAGE_SIZES = ("10", "25", "50", "100")
MAX_REASON = 4000


class FieldErrors(BadInput):
    """Bad input in a form, field by field (GOV.UK error summary and inline errors)."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def _int(value: str, name: str) -> int | None:
    value = value.strip()
    if not value:
        return None
    if not (value.isascii() and value.isdigit() and len(value) <= 2) or int(value) > 25:
        raise BadInput(f"{name} must be a whole number of years, from 0 to 25")
    return int(value)


def _ages(min_age: str, max_age: str) -> tuple[int | None, int | None]:
    errors: dict[str, str] = {}
    ages: dict[str, int | None] = {}
    for field, value, name in (
        ("min_age", min_age, "The youngest age"),
        ("max_age", max_age, "The oldest age"),
    ):
        try:
            ages[field] = _int(value, name)
        except BadInput as problem:
            errors[field] = str(problem)
    if errors:
        raise FieldErrors(errors)
    return ages["min_age"], ages["max_age"]


def _page(value: str) -> int:
    value = value.strip()
    if value.isascii() and value.isdigit() and 0 < len(value) <= 6 and int(value) >= 1:
        return int(value)
    return 1


def _size(value: str) -> int:
    """Children per page: the form offers 10, 25, 50 and 100; an address may ask for any
    number from 1 to 100."""
    value = value.strip()
    if value.isascii() and value.isdigit() and len(value) <= 3 and 1 <= int(value) <= 100:
        return int(value)
    return PAGE_SIZE


def _percent(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _threshold_percent(value: float | None) -> str:
    """The threshold as a percentage people can read: one decimal place, or two significant
    figures when it is smaller than that shows (0.0043%, not 0.0%)."""
    if value is None:
        return ""
    percent = 100 * value
    return f"{percent:.1f}%" if percent >= 0.1 else f"{percent:.2g}%"


def _points(value: float) -> str:
    points = abs(100 * value)
    return f"{points:.1f} percentage point{'' if f'{points:.1f}' == '1.0' else 's'}"


def _change(value: float | None, first: str = "First score: nothing to compare with") -> str:
    """A change in the 12-month chance in words: up or down by how much."""
    if value is None:
        return first
    if abs(100 * value) < 0.05:
        return "No change"
    return f"{'Up' if value > 0 else 'Down'} {_points(value)}"


def _in_one(threshold: float | None) -> str:
    """The threshold as a chance in words: "about 1 in 110"."""
    if not threshold:
        return ""
    return f"about 1 child in {round(1 / threshold):,}"


def _pages(filters: dict[str, str], page: int, matched: int | None) -> dict[str, Any]:
    """The list's page links (GOV.UK pagination), each keeping the filters."""
    count = max(1, math.ceil((matched or 0) / int(filters["size"])))
    defaults = {"order": "score", "size": str(PAGE_SIZE)}
    kept = {k: v for k, v in filters.items() if v and defaults.get(k) != v}

    def href(number: int) -> str:
        return (
            "/triage?" + urlencode({**kept, "page": number}) if number > 1 or kept else ("/triage")
        )

    return {
        "number": page,
        "count": count,
        "links": [
            {"number": n, "href": href(n), "current": n == page} for n in range(1, count + 1)
        ],
        "previous": href(page - 1) if page > 1 else None,
        "next": href(page + 1) if page < count else None,
    }


@router.get("/triage", **governed(uses.TRIAGE_LIST, page=True))
def list_page(
    request: Request,
    team: str = "",
    school_urn: str = "",
    min_age: str = "",
    max_age: str = "",
    factor: str = "",
    order: str = "score",
    page: str = "1",
    size: str = str(PAGE_SIZE),
    reader: Reader = Depends(current_reader),
) -> Response:
    filters = {
        "team": team.strip(),
        "school_urn": school_urn.strip(),
        "min_age": min_age.strip(),
        "max_age": max_age.strip(),
        "factor": factor.strip(),
        "order": order if order in ORDERS else "score",
        "size": str(_size(size)),
    }
    context: dict[str, Any] = {
        "title": "Triage",
        "filters": filters,
        "factors": triage.visible_factor_filters(reader, engine_of(request)),
        "orders": ORDERS,
        "sizes": sorted({*PAGE_SIZES, filters["size"]}, key=int),
        "decisions": DECISIONS,
        "listed": None,
        "errors": {},
    }
    number = _page(page)
    try:
        youngest, oldest = _ages(filters["min_age"], filters["max_age"])
        listed = triage.triage_list(
            engine_of(request), reader,
            team=filters["team"] or None, school_urn=filters["school_urn"] or None,
            min_age=youngest, max_age=oldest, factor=filters["factor"] or None,
            order=filters["order"], limit=int(filters["size"]),
            offset=(number - 1) * int(filters["size"]),
        ).as_dict()  # fmt: skip
    except FieldErrors as problem:
        context |= {"errors": problem.errors, "title": "Error: Triage"}
        return render(request, "triage/list.html", context, status=problem.http_status)
    except BadInput as problem:
        context |= {"errors": {"factor": "Choose a factor from the list"}, "title": "Error: Triage"}
        return render(request, "triage/list.html", context, status=problem.http_status)
    for child in listed["children"]:
        child["percent"] = _percent(child["probability_12m"])
        child["change"] = _change(child["change_since_previous"])
        if child["latest_decision"]:
            child["change_decided"] = _change(child["change_since_decision"], "")
    context["listed"] = listed
    context["pages"] = _pages(filters, number, listed["matched"])
    context["in_one"] = _in_one(listed["threshold"])
    context["threshold_percent"] = _threshold_percent(listed["threshold"])
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


def _effect(log_odds: float) -> dict[str, str]:
    """A contribution in words: which way it moves the chance, how strongly, and what it
    does to the odds (a contribution is a term of the model's log-odds)."""
    size = abs(log_odds)
    strength = "a lot" if size >= 1.0 else "somewhat" if size >= 0.4 else "a little"
    way = "Raises" if log_odds >= 0 else "Lowers"
    times = math.exp(size)
    if times < 1.1:
        odds = ""
    elif times > 20:
        odds = f"odds more than 20 times as {'high' if log_odds >= 0 else 'low'}"
    else:
        odds = f"odds {times:.1f} times as {'high' if log_odds >= 0 else 'low'}"
    return {"words": f"{way} it {strength}", "odds": odds}


def _explanation(request: Request, reader: Reader, person_id: str) -> dict[str, Any]:
    explained = triage.explain_child(engine_of(request), reader, person_id).as_dict()
    changes = explained.get("changes_since_last_review")
    for contribution in explained["contributions"]:
        contribution |= _effect(contribution["log_odds"])
    heading = f"Why {explained['name']} is on the list" if explained.get("name") else None
    return {
        "title": heading or "Why this child is on the list",
        "heading": heading or "Why this child is on the list",
        "explained": explained,
        "person_id": person_id,
        "percent": _percent(explained["probability_12m"]),
        "percent_6m": _percent(explained["probability_6m"]),
        "change": _change(changes["probability_12m_change"]) if changes else None,
        "chart": _contributions_chart(explained["contributions"]),
        "area_labels": {code: area.label for code, area in AREAS.items()},
        "decisions": DECISIONS,
        "can_decide": uses.TRIAGE_DECISION.allows(reader.role, reader.purpose),
        "errors": {},
    }


def _check_decision(decision: str, reason: str) -> None:
    errors = {}
    if decision not in DECISIONS:
        errors["decision"] = "Select what you decided: discuss, no further action or refer"
    if len(reason.strip()) < 10:
        errors["reason"] = "Enter why you decided this, in at least 10 characters"
    elif len(reason) > MAX_REASON:
        errors["reason"] = f"Why you decided this must be {MAX_REASON:,} characters or fewer"
    if errors:
        raise FieldErrors(errors)


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
        _check_decision(decision, reason)
        triage.record_triage_decision(
            engine_of(request), reader, person_id, decision, reason=reason
        )
    except BadInput as problem:
        context = _explanation(request, reader, person_id)
        errors = getattr(problem, "errors", None) or {"reason": str(problem)}
        context |= {
            "errors": errors,
            "title": f"Error: {context['title']}",
            "reason": reason,
            "decision": decision,
        }
        return render(request, "triage/explain.html", context, status=problem.http_status)
    return RedirectResponse(f"/triage/{person_id}?done={decision}", status_code=303)

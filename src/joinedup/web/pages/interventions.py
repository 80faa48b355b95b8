"""Interventions: the catalogue and each type's evaluation as a report for a partnership
board (the effect with its interval, the naive comparison beside it, balance, in plain
words; its charts served as PNG by a route), and, for a practitioner, the estimate for one
child before an intervention.

The evaluation holds group figures only (no child's record); the estimate is a governed,
audited read of the child's records through ``services.interventions.estimate_for``.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.errors import BadInput, NotFound
from joinedup.governance import uses
from joinedup.governance.reader import Reader
from joinedup.http import navigation
from joinedup.http.auth import current_account, current_reader, engine_of, governed
from joinedup.http.forms import FormErrors, with_errors
from joinedup.http.templating import render
from joinedup.interventions import verdict
from joinedup.services import interventions as svc

router = APIRouter(include_in_schema=False)
BOARD = governed(uses.INTERVENTION_EVALUATION, page=True)
CHARTS = ("effect", "balance", "trajectory")
navigation.add(
    "Interventions",
    "/interventions",
    uses.INTERVENTION_EVALUATION.roles,
    "What the partnership's interventions achieved: each type's effect on children's "
    "outcomes against similar children who did not receive it, for the partnership board.",
    30,
)


_pct, _points = verdict.pct, verdict.points


def _rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per outcome, in words and percentages, for the report's table; "too few to
    say" where the outcomes are too few for an estimate (``interventions.verdict``)."""
    rows = []
    for v in verdict.verdicts(result):
        o = result["outcomes"][v.outcome]
        if "relative_change" in o:
            share = lambda x: _pct(x, False)  # noqa: E731
            naive = _pct(o.get("naive_relative_vs_everyone"))
            outcome = v.label
        else:
            share = lambda x: "n/a" if x is None else f"{100 * x:.1f}%"  # noqa: E731
            naive = _points(o.get("naive_difference_vs_everyone"))
            outcome = f"{v.label} (difference in points)"
        rows.append(
            {
                "outcome": outcome,
                "with": share(o.get("treated_with")),
                "without": share(o.get("comparison_without")),
                "change": v.change,
                "interval": v.interval,
                "naive": naive,
                "too_few": v.kind in ("too_few", "unbalanced"),
            }
        )
    return rows


@router.get("/interventions", **BOARD)
def catalogue_page(request: Request, account: Account = Depends(current_account)) -> Response:
    return render(
        request,
        "interventions/index.html",
        {"title": "Interventions", "types": svc.list_types(engine_of(request))},
    )


@router.get("/interventions/{code}", **BOARD)
def evaluation_page(
    code: str, request: Request, period: str = "", account: Account = Depends(current_account)
) -> Response:
    period = period.strip()
    try:
        result = svc.evaluation_kept(engine_of(request), code, period)
    except BadInput as problem:
        errors = FormErrors.from_problem(problem, f"period-{code}")
        again = {"title": "Interventions", "types": svc.list_types(engine_of(request)),
                 "kept": {"code": code, "period": period}}  # fmt: skip
        return render(
            request, "interventions/index.html", with_errors(again, errors), errors.status
        )
    context: dict[str, Any] = {
        "title": f"{result['title']}: did it make a difference?",
        "result": result,
        "period": period,
        "period_words": " to ".join(result["period"]) if result.get("period") else
        "all recorded starts",
    }  # fmt: skip
    if not result.get("too_thin"):
        main = result["outcomes"][result["primary_outcome"]]
        context |= {
            "rows": _rows(result),
            "main": main,
            "verdict": verdict.judge(result, result["primary_outcome"]),
            "before": _pct(main.get("treated_before"), False),
            "after": _pct(main.get("treated_with"), False),
            "naive_change": verdict.change_words(main.get("naive_before_after_relative")),
            "did": _points(main.get("did")),
            "charts": CHARTS,
            "query": f"?period={period}" if period else "",
        }
    return render(request, "interventions/evaluation.html", context)


@router.get("/interventions/{code}/charts/{kind}.png", **BOARD)
def chart(
    code: str,
    kind: str,
    request: Request,
    period: str = "",
    account: Account = Depends(current_account),
) -> Response:
    """One of the board report's plots (drawn by the service's report export)."""
    if kind not in CHARTS:
        raise NotFound(f"no chart {kind!r} (charts: {', '.join(CHARTS)})")
    result = svc.evaluation_kept(engine_of(request), code, period.strip())
    if result.get("too_thin"):
        raise NotFound("too few children received it for a chart")
    with tempfile.TemporaryDirectory(prefix="joinedup-report-") as folder:
        report = Path(folder) / "report.md"
        svc.export_evaluation(result, report)
        image = (Path(folder) / f"report-{kind}.png").read_bytes()
    return Response(image, media_type="image/png", headers={"Cache-Control": "private"})


@router.get("/people/{person_id}/interventions", **governed(uses.INTERVENTION_ESTIMATE, page=True))
def estimate_page(
    person_id: str, request: Request, type: str = "", reader: Reader = Depends(current_reader)
) -> Response:
    engine = engine_of(request)
    types = svc.list_types(engine)
    context: dict[str, Any] = {
        "title": "Estimate an intervention's effect",
        "person_id": person_id,
        "types": types,
        "chosen": type,
        "estimate": None,
    }
    if type and type not in {t["code"] for t in types}:
        errors = FormErrors().add("type", "Select an intervention from the list")
        return render(
            request, "interventions/estimate.html", with_errors(context, errors), errors.status
        )
    if type:
        estimate = svc.estimate_for(engine, person_id, type, reader=reader)
        context["estimate"] = estimate | {
            "without": _pct(estimate.get("risk_without"), False),
            "with": _pct(estimate.get("risk_with"), False),
            "change_words": _points(estimate.get("change")),
            "interval": " to ".join(_points(v) for v in estimate.get("change_ci") or []),
        }
    return render(request, "interventions/estimate.html", context)

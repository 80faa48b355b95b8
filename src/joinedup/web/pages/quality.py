"""Data quality per agency (counts and codes only)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.charts import percent_bars
from joinedup.domain.agencies import AgencyId
from joinedup.governance import uses
from joinedup.http import navigation
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.templating import render
from joinedup.ingest.quality_html import trend_chart
from joinedup.services import oversight

router = APIRouter(include_in_schema=False)
ROUTE = governed(uses.DATA_QUALITY, page=True)
navigation.add(
    "Data quality",
    "/quality",
    uses.DATA_QUALITY.roles,
    "How complete, valid and timely each agency's deliveries are.",
    40,
)


@router.get("/quality", **ROUTE)
def every_agency(request: Request, account: Account = Depends(current_account)) -> Response:
    report = oversight.quality_summary(engine_of(request), account)
    return render(request, "quality/index.html", {"title": "Data quality", "report": report})


@router.get("/quality/{agency}", **ROUTE)
def one_agency(
    agency: AgencyId, request: Request, account: Account = Depends(current_account)
) -> Response:
    report = oversight.agency_quality(engine_of(request), account, agency.value)
    expected = [f for f in report["completeness"] if f["expected"]]
    charts = {  # inline SVG from an autoescaped template (joinedup.charts)
        "completeness": percent_bars(
            "Completeness of identifying fields",
            [(f["label"], f["completeness_percent"]) for f in expected],
        ),
        "trend": trend_chart(report["trend"]),
    }
    return render(
        request,
        "quality/agency.html",
        {
            "title": f"Data quality: {report['agency_name']}",
            "report": report,
            "charts": charts,
            "expected": expected,
        },
    )

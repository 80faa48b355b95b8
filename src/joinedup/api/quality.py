"""Data-quality reports per agency (counts and codes only: no personal data)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from joinedup.accounts.model import Account
from joinedup.domain.agencies import AgencyId
from joinedup.governance import uses
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.services import oversight

router = APIRouter(tags=["data quality"])
ROLES = governed(uses.DATA_QUALITY)


@router.get("/quality", response_model=dict[str, Any], **ROLES)
def every_agency(request: Request, account: Account = Depends(current_account)) -> dict[str, Any]:
    """Every agency side by side, with its worst problem."""
    return oversight.quality_summary(engine_of(request), account)


@router.get("/quality/{agency}", response_model=dict[str, Any], **ROLES)
def one_agency(
    agency: AgencyId, request: Request, account: Account = Depends(current_account)
) -> dict[str, Any]:
    """One agency's report: completeness, validity, duplicates, timeliness, trend."""
    return oversight.agency_quality(engine_of(request), account, agency.value)

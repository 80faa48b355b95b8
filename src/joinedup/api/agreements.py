"""Data sharing agreements, as stored (every version)."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter, Depends, Path, Query, Request
from pydantic import BaseModel

from joinedup.accounts.model import Account
from joinedup.api.answers import Timestamp, answers
from joinedup.governance import uses
from joinedup.governance.agreements import Agreement
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.limits import MAX_ID
from joinedup.services import oversight

router = APIRouter(tags=["agreements"])
ROLES = governed(uses.AGREEMENTS)


class AgreementVersion(BaseModel):
    """One stored version of an agreement: when and by whom it was loaded and superseded."""

    agreement_id: str
    version: int
    status: str
    title: str
    effective_from: date
    expires_on: date | None
    review_by: date
    loaded_at: Timestamp
    loaded_by: str
    superseded_at: Timestamp | None
    source_name: str


class AgreementWithHistory(BaseModel):
    agreement: Agreement
    versions: list[AgreementVersion]


@router.get("/agreements", **answers(list[AgreementVersion]), **ROLES)
def agreements(
    request: Request, account: Account = Depends(current_account)
) -> list[AgreementVersion]:
    """Every stored version of every agreement, newest first per agreement."""
    stored = oversight.agreements(engine_of(request), account)
    return [AgreementVersion.model_validate(version) for version in stored]


@router.get("/agreements/{agreement_id}", **answers(AgreementWithHistory), **ROLES)
def agreement(
    request: Request,
    agreement_id: str = Path(max_length=60),
    version: int | None = Query(None, ge=1, le=MAX_ID),
    account: Account = Depends(current_account),
) -> AgreementWithHistory:
    """One agreement (the current version, or ``?version=``) and its version history."""
    found = oversight.agreement(engine_of(request), account, agreement_id, version)
    return AgreementWithHistory.model_validate(found)

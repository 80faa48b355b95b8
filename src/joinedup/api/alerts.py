"""The signed-in practitioner's alert inbox: list, one alert, acknowledge with the action.

An alert's content was governed for its recipient when it was raised (the decision is in
the audit log); the inbox shows a practitioner only the alerts addressed to them (their
account's practitioner key in their agency), and "not found" for anyone else's.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field

from joinedup.accounts.model import Account
from joinedup.governance.uses import ALERT_INBOX
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import alerts as alert_services

router = APIRouter(tags=["alerts"])
PRACTITIONERS = governed(ALERT_INBOX)


class Acknowledgement(BaseModel):
    action_taken: str = Field(..., min_length=3, max_length=4000)


@router.get("/alerts", response_model=list[dict[str, Any]], **PRACTITIONERS)
def inbox(
    request: Request,
    include_done: bool = Query(False, description="Include acknowledged and escalated ones."),
    account: Account = Depends(current_account),
) -> list[dict[str, Any]]:
    """Your alerts, open ones first, the soonest due first."""
    return alert_services.my_inbox(engine_of(request), account, include_done=include_done)


@router.get("/alerts/{alert_id}", response_model=dict[str, Any], **PRACTITIONERS)
def one_alert(
    alert_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> dict[str, Any]:
    """One of your alerts: what happened, where to look (``person_link``), whom to contact."""
    return alert_services.my_alert(engine_of(request), account, alert_id)


@router.post("/alerts/{alert_id}/acknowledgement", response_model=dict[str, Any], **PRACTITIONERS)
def acknowledge(
    alert_id: RecordId,
    body: Acknowledgement,
    request: Request,
    account: Account = Depends(current_account),
) -> dict[str, Any]:
    """Acknowledge one of your alerts with the action you took (closes its escalation chain;
    audited)."""
    return alert_services.acknowledge_mine(engine_of(request), account, alert_id, body.action_taken)

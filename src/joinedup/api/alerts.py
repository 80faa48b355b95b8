"""The signed-in practitioner's alert inbox: list, one alert, acknowledge with the action.

An alert's content was governed for its recipient when it was raised (the decision is in
the audit log); the inbox shows a practitioner only the alerts addressed to them (their
account's practitioner key in their agency), and "not found" for anyone else's.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from joinedup.accounts.model import Account
from joinedup.api.answers import answers
from joinedup.governance.uses import ALERT_INBOX
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import alerts as alert_services

router = APIRouter(tags=["alerts"])
PRACTITIONERS = governed(ALERT_INBOX)


class Acknowledgement(BaseModel):
    action_taken: str = Field(..., min_length=3, max_length=4000)


class Recipient(BaseModel):
    kind: str = Field(description="LEAD, DUTY, DSL, MANAGER or MASH")
    agency: str
    key: str = Field(description="the practitioner's key in their agency's feed")
    name: str
    email: str | None
    team: str | None


class Contact(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str | None = None
    email: str | None = None


class YourRecord(BaseModel):
    """How the recipient's own agency knows the child (empty when it does not)."""

    reference: str | None = None
    name: str | None = None


class AlertContent(BaseModel):
    """What the alert says, governed for its recipient when it was raised and stored so.
    Keys a rule of an earlier version wrote are kept as they were (``extra``)."""

    model_config = ConfigDict(extra="allow")

    child_id: str | None = None
    rule: str | None = None
    what_happened: str | None = None
    your_record: YourRecord | None = None
    contact: Contact | None = None
    where_to_look: str | None = None
    details: dict[str, Any] | None = Field(
        None,
        description="open-ended: the finding's details the recipient may see, by catalogue "
        "field (each rule has its own)",
    )
    withheld: list[str] | None = Field(None, description="what was not shared (categories)")


class Alert(BaseModel):
    id: int
    rule: str
    rule_version: int
    title: str
    child: str = Field(description="the child's person id")
    recipient: Recipient
    purpose: str
    shared: bool = Field(description="governance allowed the details to be shared")
    level: int = Field(description="0 the first recipient, 1 their manager, 2 the MASH")
    status: str = Field(description="OPEN, ACKNOWLEDGED or ESCALATED")
    occurrences: int
    content: AlertContent
    occurred_at: datetime
    raised_at: datetime
    due_at: datetime
    acknowledged_at: datetime | None
    acknowledged_by: str | None
    action_taken: str | None
    escalated_at: datetime | None
    escalated_from: int | None


class Message(BaseModel):
    """One delivery of the alert (email or webhook)."""

    channel: str
    target: str
    status: str = Field(description="PENDING, SENT or DEAD")
    attempts: int
    sent_at: datetime | None
    last_error: str | None


class OneAlert(Alert):
    messages: list[Message]
    person_link: str = Field(description="the child's single view")


@router.get("/alerts", **answers(list[Alert]), **PRACTITIONERS)
def inbox(
    request: Request,
    include_done: bool = Query(False, description="Include acknowledged and escalated ones."),
    account: Account = Depends(current_account),
) -> list[Alert]:
    """Your alerts, open ones first, the soonest due first."""
    found = alert_services.my_inbox(engine_of(request), account, include_done=include_done)
    return [Alert.model_validate(alert) for alert in found]


@router.get("/alerts/{alert_id}", **answers(OneAlert), **PRACTITIONERS)
def one_alert(
    alert_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> OneAlert:
    """One of your alerts: what happened, where to look (``person_link``), whom to contact."""
    return OneAlert.model_validate(alert_services.my_alert(engine_of(request), account, alert_id))


@router.post("/alerts/{alert_id}/acknowledgement", **answers(OneAlert), **PRACTITIONERS)
def acknowledge(
    alert_id: RecordId,
    body: Acknowledgement,
    request: Request,
    account: Account = Depends(current_account),
) -> OneAlert:
    """Acknowledge one of your alerts with the action you took (closes its escalation chain;
    audited)."""
    done = alert_services.acknowledge_mine(engine_of(request), account, alert_id, body.action_taken)
    return OneAlert.model_validate(done)

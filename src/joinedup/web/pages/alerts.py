"""The alert inbox: the signed-in practitioner's alerts, one alert (what happened, where to
look, whom to contact), and acknowledging it with the action taken."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.model import Account
from joinedup.errors import BadInput
from joinedup.governance.uses import ALERT_INBOX
from joinedup.http import navigation
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.http.templating import render
from joinedup.services import alerts as alert_services

router = APIRouter(include_in_schema=False)
navigation.add(
    "Alerts",
    "/alerts",
    ALERT_INBOX.roles,
    "Your alerts: new information about the children you are the lead practitioner for. "
    "Acknowledge each with the action you took.",
    5,
)


@router.get("/alerts", **governed(ALERT_INBOX, page=True))
def inbox_page(
    request: Request, done: str = "", account: Account = Depends(current_account)
) -> Response:
    show_all = request.query_params.get("all") == "1"
    alerts = alert_services.my_inbox(engine_of(request), account, include_done=show_all)
    return render(
        request,
        "alerts/inbox.html",
        {
            "title": "Your alerts",
            "alerts": alerts,
            "show_all": show_all,
            "linked": bool(account.practitioner_key),
        },
    )


def _alert_page(
    request: Request, account: Account, alert_id: int, error: str = "", status: int = 200
) -> Response:
    found = alert_services.my_alert(engine_of(request), account, alert_id)
    return render(
        request,
        "alerts/alert.html",
        {
            "title": "There is a problem" if error else found["title"],
            "alert": found,
            "error": error,
            "done": request.query_params.get("done") == "1",
        },
        status=status,
    )


@router.get("/alerts/{alert_id}", **governed(ALERT_INBOX, page=True))
def alert_page(
    alert_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> Response:
    return _alert_page(request, account, alert_id)


@router.post("/alerts/{alert_id}/acknowledgement", **governed(ALERT_INBOX, page=True))
def acknowledge_form(
    alert_id: RecordId,
    request: Request,
    action_taken: str = Form(""),
    account: Account = Depends(current_account),
) -> Response:
    try:
        alert_services.acknowledge_mine(engine_of(request), account, alert_id, action_taken)
    except BadInput as problem:
        return _alert_page(request, account, alert_id, str(problem), problem.http_status)
    return RedirectResponse(f"/alerts/{alert_id}?done=1", status_code=303)

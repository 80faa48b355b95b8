"""The administrator's page of the demo's mail sink (``/admin/mail``): every email the alerts
worker sent while ``joinedup demo`` ran, newest first, to whom, when, and the body as sent.

The emails are read through ``services.mail_sink.sent_mail``, which checks the use
(``uses.MAIL_SINK``: administrators) and audits the reading.
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from joinedup.accounts.model import Account
from joinedup.governance import uses
from joinedup.http import navigation
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.templating import render
from joinedup.services import mail_sink

router = APIRouter(include_in_schema=False)
navigation.add(
    "Emails sent",
    "/admin/mail",
    uses.MAIL_SINK.roles,
    "What the alerts worker emailed while the demo ran (the demo's local mail sink).",
    90,
)


@router.get("/admin/mail", **governed(uses.MAIL_SINK, page=True))
def sent_mail_page(request: Request, account: Account = Depends(current_account)) -> Response:
    found = mail_sink.sent_mail(engine_of(request), account)
    return render(
        request,
        "admin/mail.html",
        {"title": "Emails sent", "emails": found["emails"], "total": found["total"]},
    )

"""The privacy officer's pages: break-glass reviews, audit search, audit verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.model import Account
from joinedup.errors import BadInput
from joinedup.governance import uses
from joinedup.governance.emergency import ReviewOutcome
from joinedup.governance.reader import Reader
from joinedup.services import oversight
from joinedup.web import navigation
from joinedup.web.auth import current_account, current_reader, engine_of, governed
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
navigation.add(
    "Break-glass reviews",
    "/privacy/break-glass",
    uses.BREAK_GLASS_REVIEW.roles,
    "Review every emergency access, and record whether it was appropriate.",
    60,
)
navigation.add(
    "Notices",
    "/privacy/notices",
    uses.PRIVACY_NOTICES.roles,
    "Accounts searching or breaking the glass more than usual, as it happens.",
    65,
)
navigation.add(
    "Audit search",
    "/privacy/audit",
    uses.AUDIT_SEARCH.roles,
    "Who read or shared what, about whom, and why.",
    70,
)
navigation.add(
    "Audit verification",
    "/privacy/verify",
    uses.AUDIT_VERIFY.roles,
    "Prove the audit log has not been altered.",
    80,
)


@router.get("/privacy/break-glass", **governed(uses.BREAK_GLASS_REVIEW, page=True))
def tasks(
    request: Request, show: str = "OPEN", reader: Reader = Depends(current_reader)
) -> Response:
    show = show if show in ("OPEN", "CLOSED", "ALL") else "OPEN"
    found = oversight.break_glass_tasks(engine_of(request), reader, None if show == "ALL" else show)
    return render(
        request,
        "privacy/tasks.html",
        {
            "title": "Break-glass reviews",
            "tasks": found,
            "show": show,
            "outcomes": [o.value for o in ReviewOutcome],
        },
    )


@router.post("/privacy/break-glass/{task_id}", **governed(uses.BREAK_GLASS_REVIEW, page=True))
def record_review(
    task_id: int,
    request: Request,
    outcome: str = Form(""),
    note: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    oversight.review_break_glass(engine_of(request), reader, task_id, outcome, note)
    return RedirectResponse("/privacy/break-glass?show=CLOSED", status_code=303)


@router.get("/privacy/audit", **governed(uses.AUDIT_SEARCH, page=True))
def audit_search(
    request: Request,
    subject: str = "",
    actor: str = "",
    kind: str = "",
    since: str = "",
    reader: Reader = Depends(current_reader),
) -> Response:
    entries = None
    if any((subject, actor, kind, since)):
        when = None
        if since:
            try:
                when = datetime.fromisoformat(since).replace(tzinfo=UTC)
            except ValueError:
                raise BadInput(f"{since!r} is not a date (YYYY-MM-DD)") from None
        entries = oversight.search_audit(
            engine_of(request),
            reader,
            subject=subject or None,
            actor=actor or None,
            kind=kind or None,
            since=when,
        )
    return render(
        request,
        "privacy/audit.html",
        {
            "title": "Audit search",
            "entries": entries,
            "query": {"subject": subject, "actor": actor, "kind": kind, "since": since},
        },
    )


@router.get("/privacy/verify", **governed(uses.AUDIT_VERIFY, page=True))
def verify_page(request: Request, account: Account = Depends(current_account)) -> Response:
    return render(request, "privacy/verify.html", {"title": "Audit verification", "result": None})


@router.post("/privacy/verify", **governed(uses.AUDIT_VERIFY, page=True))
def verify(request: Request, account: Account = Depends(current_account)) -> Response:
    result = oversight.verify_audit(engine_of(request), account)
    return render(request, "privacy/verify.html", {"title": "Audit verification", "result": result})


MAX_ID = 2**53  # as the API's ids (api.limits): a larger number is refused before the store
NOTICE_KINDS = {
    "SEARCH_VOLUME": "Many searches",
    "BREAK_GLASS_VOLUME": "Many break-glass accesses",
}


@router.get("/privacy/notices", **governed(uses.PRIVACY_NOTICES, page=True))
def notices(request: Request, show: str = "OPEN", reader: Reader = Depends(current_reader)):
    show = show if show in ("OPEN", "CLOSED", "ALL") else "OPEN"
    found = oversight.privacy_notices(engine_of(request), reader, None if show == "ALL" else show)
    return render(
        request,
        "privacy/notices.html",
        {"title": "Notices", "notices": found, "show": show, "kinds": NOTICE_KINDS},
    )


@router.post("/privacy/notices/{notice_id}", **governed(uses.PRIVACY_NOTICES, page=True))
def close_notice(
    notice_id: Annotated[int, Path(ge=1, le=MAX_ID)],
    request: Request,
    note: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    oversight.review_privacy_notice(engine_of(request), reader, notice_id, note)
    return RedirectResponse("/privacy/notices?show=CLOSED", status_code=303)

"""The privacy officer's pages: break-glass reviews, audit search, audit verification."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.model import Account
from joinedup.errors import BadInput
from joinedup.governance.emergency import ReviewOutcome
from joinedup.governance.purposes import Purpose
from joinedup.services import oversight
from joinedup.web import navigation
from joinedup.web.auth import current_reader, engine_of, require_roles
from joinedup.web.limits import RecordId
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
reviewer = require_roles(*oversight.BREAK_GLASS_REVIEWERS)
searcher = require_roles(*oversight.AUDIT_SEARCHERS)
verifier = require_roles(*oversight.AUDIT_VERIFIERS)
navigation.add(
    "Break-glass reviews",
    "/privacy/break-glass",
    oversight.BREAK_GLASS_REVIEWERS,
    "Review every emergency access, and record whether it was appropriate.",
    60,
)
navigation.add(
    "Audit search",
    "/privacy/audit",
    oversight.AUDIT_SEARCHERS,
    "Who read or shared what, about whom, and why.",
    70,
)
navigation.add(
    "Audit verification",
    "/privacy/verify",
    oversight.AUDIT_VERIFIERS,
    "Prove the audit log has not been altered.",
    80,
)


def audit_purpose(request: Request) -> None:
    """The privacy officer's reads need the AUDIT purpose declared for the session."""
    from joinedup.errors import Forbidden

    reviewer(request)  # the role first: other roles are refused, not asked for a purpose
    if current_reader(request).purpose is not Purpose.AUDIT:
        raise Forbidden("these pages need the purpose AUDIT: change your purpose")


@router.get("/privacy/break-glass", dependencies=[Depends(audit_purpose)])
def tasks(request: Request, show: str = "OPEN", account: Account = Depends(reviewer)) -> Response:
    show = show if show in ("OPEN", "CLOSED", "ALL") else "OPEN"
    found = oversight.break_glass_tasks(
        engine_of(request), account, None if show == "ALL" else show
    )
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


@router.post("/privacy/break-glass/{task_id}", dependencies=[Depends(audit_purpose)])
def record_review(
    task_id: RecordId,
    request: Request,
    outcome: str = Form(""),
    note: str = Form(""),
    account: Account = Depends(reviewer),
) -> Response:
    oversight.review_break_glass(engine_of(request), account, task_id, outcome, note)
    return RedirectResponse("/privacy/break-glass?show=CLOSED", status_code=303)


@router.get("/privacy/audit", dependencies=[Depends(audit_purpose)])
def audit_search(
    request: Request,
    subject: str = "",
    actor: str = "",
    kind: str = "",
    since: str = "",
    account: Account = Depends(searcher),
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
            account,
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


@router.get("/privacy/verify")
def verify_page(request: Request, account: Account = Depends(verifier)) -> Response:
    return render(request, "privacy/verify.html", {"title": "Audit verification", "result": None})


@router.post("/privacy/verify")
def verify(request: Request, account: Account = Depends(verifier)) -> Response:
    result = oversight.verify_audit(engine_of(request), account)
    return render(request, "privacy/verify.html", {"title": "Audit verification", "result": result})

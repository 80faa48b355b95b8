"""The privacy officer's pages: break-glass reviews, audit search, audit verification."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Query, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.model import Account
from joinedup.domain.dates import DateNotUnderstood, parse_date
from joinedup.errors import BadInput
from joinedup.governance import uses
from joinedup.governance.emergency import ReviewOutcome
from joinedup.governance.reader import Reader
from joinedup.http import navigation
from joinedup.http.auth import current_account, current_reader, engine_of, governed
from joinedup.http.forms import FormErrors, with_errors
from joinedup.http.limits import MAX_ID, RecordId
from joinedup.http.templating import render
from joinedup.services import oversight

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
    return _tasks_page(request, reader, show)


def _tasks_page(
    request: Request,
    reader: Reader,
    show: str,
    errors: FormErrors | None = None,
    kept: dict[str, Any] | None = None,
) -> Response:
    """The queue; with ``errors``, the form of the task ``kept`` names shows them and what
    was typed (the GOV.UK error pattern)."""
    show = show if show in ("OPEN", "CLOSED", "ALL") else "OPEN"
    found = oversight.break_glass_tasks(engine_of(request), reader, None if show == "ALL" else show)
    context: dict[str, Any] = {
        "title": "Break-glass reviews",
        "tasks": found,
        "show": show,
        "outcomes": [o.value for o in ReviewOutcome],
        "kept": kept or {},
    }
    if errors:
        context = with_errors(context, errors)
        return render(request, "privacy/tasks.html", context, errors.status)
    return render(request, "privacy/tasks.html", context)


@router.post("/privacy/break-glass/{task_id}", **governed(uses.BREAK_GLASS_REVIEW, page=True))
def record_review(
    task_id: RecordId,
    request: Request,
    outcome: str = Form(""),
    note: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    try:
        oversight.review_break_glass(engine_of(request), reader, task_id, outcome, note)
    except BadInput as problem:
        errors = FormErrors.from_problem(
            problem,
            f"outcome-{task_id}",
            {"outcome": f"outcome-{task_id}", "note": f"note-{task_id}"},
        )
        kept = {"task_id": task_id, "outcome": outcome, "note": note}
        return _tasks_page(request, reader, "OPEN", errors, kept)
    return RedirectResponse("/privacy/break-glass?show=CLOSED", status_code=303)


AUDIT_PAGE = 50  # entries a page shows; "Next" carries on from the last one shown


def _short(value: Any, width: int = 40) -> str:
    text = str(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def _in_words(value: Any) -> str:
    """One detail in words: a list as its items (or how many, with the first few), a
    mapping as how many entries; never Python's repr."""
    if isinstance(value, list | tuple):
        if not value:
            return "none"
        items = [_short(v, 30) for v in value]
        if len(items) <= 3:
            return ", ".join(items)
        return f"{len(items)}: {', '.join(items[:2])}, …"
    if isinstance(value, dict):
        return f"{len(value)} entries"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return _short(value)


def summarise(details: dict[str, Any]) -> list[tuple[str, str]]:
    """An entry's details, each in a few words (the full record: the API's audit entries)."""
    return [
        (key.replace("_", " "), _in_words(value))
        for key, value in details.items()
        if value not in (None, "")
    ]


def _after(value: str) -> int | None:
    if not value:
        return None
    # ASCII digits only, and few of them: int() refuses a superscript two that isdigit()
    # takes, and any number of over 4,300 digits
    if not (value.isascii() and value.isdigit() and len(value) <= 16) or int(value) > MAX_ID:
        raise BadInput("the page to continue from is not an entry's number")
    return int(value)


@router.get("/privacy/audit", **governed(uses.AUDIT_SEARCH, page=True))
def audit_search(
    request: Request,
    # the API's bounds: the search is audited, its subject in a 200-character column
    subject: str = Query("", max_length=200),
    actor: str = Query("", max_length=200),
    kind: str = Query("", max_length=60),
    since: str = Query("", max_length=40),
    after: str = Query("", max_length=20),
    reader: Reader = Depends(current_reader),
) -> Response:
    entries, more = None, False
    query = {"subject": subject, "actor": actor, "kind": kind, "since": since}
    when = None
    if since.strip():
        try:
            day = parse_date(since, "Since")
        except DateNotUnderstood as problem:
            errors = FormErrors().add("since", str(problem))
            context = {"title": "Audit search", "entries": None, "query": query}
            return render(request, "privacy/audit.html", with_errors(context, errors), 400)
        when = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if any((subject, actor, kind, since)):
        found = oversight.search_audit(
            engine_of(request),
            reader,
            subject=subject or None,
            actor=actor or None,
            kind=kind or None,
            since=when,
            limit=AUDIT_PAGE + 1,  # one more than shown: is there a next page?
            after=_after(after),
        )
        more = len(found) > AUDIT_PAGE
        entries = [
            {
                **e,
                "when": e["recorded_at"][:16].replace("T", " "),
                "summary": summarise(e["details"]),
            }
            for e in found[:AUDIT_PAGE]
        ]
    searched = urlencode({k: v for k, v in query.items() if v})
    return render(
        request,
        "privacy/audit.html",
        {
            "title": "Audit search",
            "entries": entries,
            "query": query,
            "continued": bool(after),
            "first_page": f"/privacy/audit?{searched}",
            "next_page": f"/privacy/audit?{searched}&after={entries[-1]['seq']}"
            if more and entries
            else None,
        },
    )


@router.get("/privacy/verify", **governed(uses.AUDIT_VERIFY, page=True))
def verify_page(request: Request, account: Account = Depends(current_account)) -> Response:
    return render(request, "privacy/verify.html", {"title": "Audit verification", "result": None})


@router.post("/privacy/verify", **governed(uses.AUDIT_VERIFY, page=True))
def verify(request: Request, account: Account = Depends(current_account)) -> Response:
    result = oversight.verify_audit(engine_of(request), account)
    return render(request, "privacy/verify.html", {"title": "Audit verification", "result": result})


NOTICE_KINDS = {
    "SEARCH_VOLUME": "Many searches",
    "BREAK_GLASS_VOLUME": "Many break-glass accesses",
}


@router.get("/privacy/notices", **governed(uses.PRIVACY_NOTICES, page=True))
def notices(
    request: Request, show: str = "OPEN", reader: Reader = Depends(current_reader)
) -> Response:
    show = show if show in ("OPEN", "CLOSED", "ALL") else "OPEN"
    found = oversight.privacy_notices(engine_of(request), reader, None if show == "ALL" else show)
    return render(
        request,
        "privacy/notices.html",
        {"title": "Notices", "notices": found, "show": show, "kinds": NOTICE_KINDS},
    )


@router.post("/privacy/notices/{notice_id}", **governed(uses.PRIVACY_NOTICES, page=True))
def close_notice(
    notice_id: RecordId,
    request: Request,
    note: str = Form(""),
    reader: Reader = Depends(current_reader),
) -> Response:
    oversight.review_privacy_notice(engine_of(request), reader, notice_id, note)
    return RedirectResponse("/privacy/notices?show=CLOSED", status_code=303)

"""The clerical review queue for uncertain links."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.model import Account
from joinedup.errors import BadInput
from joinedup.governance import uses
from joinedup.http import navigation
from joinedup.http.auth import current_account, engine_of, governed
from joinedup.http.forms import FormErrors, with_errors
from joinedup.http.limits import RecordId
from joinedup.http.templating import render
from joinedup.services import oversight

router = APIRouter(include_in_schema=False)
ROUTE = governed(uses.LINK_REVIEW, page=True)
navigation.add(
    "Review links",
    "/review",
    uses.LINK_REVIEW.roles,
    "Decide the pairs of records the linkage was unsure about.",
    30,
)


@router.get("/review", **ROUTE)
def queue(request: Request, account: Account = Depends(current_account)) -> Response:
    items = oversight.review_queue(engine_of(request), account, 100)
    return render(request, "review/queue.html", {"title": "Review links", "items": items})


def _name(record: dict[str, Any]) -> str:
    return " ".join(p for p in (record["forenames"], record["surname"]) if p)


# What a reviewer compares, in the order they read it: (label, the value from a record).
COMPARED: list[tuple[str, Callable[[dict[str, Any]], Any]]] = [
    ("Name", _name),
    ("Other names", lambda r: ", ".join(r["other_names"] or ())),
    ("Date of birth", lambda r: r["date_of_birth"]),
    ("Sex", lambda r: {"U": ""}.get(r["sex"], r["sex"])),
    ("NHS number", lambda r: r["nhs_number"]),
    ("UPN", lambda r: r["upn"]),
    ("Postcode", lambda r: r["postcode"]),
    ("Address", lambda r: r["address_line"]),
    ("Other identifiers", lambda r: ", ".join(r["other_identifiers"])),
]


def side_by_side(records: dict[str, Any]) -> list[dict[str, str]]:
    """One row per thing compared: each record's value and whether they agree (blank when
    either is not recorded)."""
    rows = []
    for label, value_of in COMPARED:
        left, right = (
            (records[side].get("restricted") or str(value_of(records[side]) or ""))
            if records[side]
            else ""
            for side in ("left", "right")
        )
        agree = ""
        if left and right and not any((records[s] or {}).get("restricted") for s in records):
            agree = "same" if left.casefold() == right.casefold() else "different"
        rows.append({"label": label, "left": left, "right": right, "agree": agree})
    return rows


@router.get("/review/{review_id}", **ROUTE)
def item(
    review_id: RecordId, request: Request, account: Account = Depends(current_account)
) -> Response:
    return _item_page(request, account, review_id)


def _item_page(
    request: Request,
    account: Account,
    review_id: int,
    errors: FormErrors | None = None,
    kept: dict[str, str] | None = None,
) -> Response:
    found = oversight.review_item(engine_of(request), account, review_id)
    context = {
        "title": f"Review {review_id}",
        "item": found,
        "compared": side_by_side(found["records"]),
        "kept": kept or {},
    }
    if errors:
        return render(request, "review/item.html", with_errors(context, errors), errors.status)
    return render(request, "review/item.html", context)


@router.post("/review/{review_id}", **ROUTE)
def decide(
    review_id: RecordId,
    request: Request,
    decision: str = Form(""),
    reason: str = Form(""),
    account: Account = Depends(current_account),
) -> Response:
    if not decision.strip():
        errors = FormErrors().add("decision", "Select whether these are the same person")
        return _item_page(request, account, review_id, errors, {"reason": reason})
    try:
        oversight.decide_review(engine_of(request), account, review_id, decision, reason)
    except BadInput as problem:
        errors = FormErrors.from_problem(problem, "decision")
        return _item_page(request, account, review_id, errors, {"reason": reason})
    return RedirectResponse("/review", status_code=303)

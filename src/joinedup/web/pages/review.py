"""The clerical review queue for uncertain links."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.model import Account
from joinedup.governance import uses
from joinedup.services import oversight
from joinedup.web import navigation
from joinedup.web.auth import current_account, engine_of, governed
from joinedup.web.templating import render

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


@router.get("/review/{review_id}", **ROUTE)
def item(review_id: int, request: Request, account: Account = Depends(current_account)) -> Response:
    found = oversight.review_item(engine_of(request), account, review_id)
    return render(request, "review/item.html", {"title": f"Review {review_id}", "item": found})


@router.post("/review/{review_id}", **ROUTE)
def decide(
    review_id: int,
    request: Request,
    decision: str = Form(""),
    reason: str = Form(""),
    account: Account = Depends(current_account),
) -> Response:
    oversight.decide_review(engine_of(request), account, review_id, decision, reason)
    return RedirectResponse("/review", status_code=303)

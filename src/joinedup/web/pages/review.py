"""The clerical review queue for uncertain links."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import RedirectResponse, Response

from joinedup.accounts.model import Account
from joinedup.services import oversight
from joinedup.web import navigation
from joinedup.web.auth import engine_of, require_roles
from joinedup.web.limits import RecordId
from joinedup.web.templating import render

router = APIRouter(include_in_schema=False)
steward = require_roles(*oversight.LINKAGE_STEWARDS)
navigation.add(
    "Review links",
    "/review",
    oversight.LINKAGE_STEWARDS,
    "Decide the pairs of records the linkage was unsure about.",
    30,
)


@router.get("/review")
def queue(request: Request, account: Account = Depends(steward)) -> Response:
    items = oversight.review_queue(engine_of(request), account, 100)
    return render(request, "review/queue.html", {"title": "Review links", "items": items})


@router.get("/review/{review_id}")
def item(review_id: RecordId, request: Request, account: Account = Depends(steward)) -> Response:
    found = oversight.review_item(engine_of(request), account, review_id)
    return render(request, "review/item.html", {"title": f"Review {review_id}", "item": found})


@router.post("/review/{review_id}")
def decide(
    review_id: RecordId,
    request: Request,
    decision: str = Form(""),
    reason: str = Form(""),
    account: Account = Depends(steward),
) -> Response:
    oversight.decide_review(engine_of(request), account, review_id, decision, reason)
    return RedirectResponse("/review", status_code=303)

"""Deliveries pushed by an agency's own system (issue 23): the HTTPS receiver.

Not for people: every request carries an agency's signed token (``Authorization: Bearer``,
one token per request, ``joinedup deliver`` mints them), never a session, and is refused 401
without one. The manifest comes first; each file follows in chunks of at most the service's
body limit, resumable from what has arrived (a chunk at the wrong offset is answered 409 with
``received``, the offset to send from); ``complete`` hands the whole delivery to the ingest and
answers with the receipt: counts and finding codes per file, never a value.

    POST /api/v1/deliveries                         manifest.json as the body -> the delivery
    GET  /api/v1/deliveries/{delivery}              what has arrived, or the receipt
    PUT  /api/v1/deliveries/{delivery}/files/{path} a chunk (Content-Range: bytes a-b/total)
    POST /api/v1/deliveries/{delivery}/complete     ingest it -> the receipt
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import APIRouter, Header, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from joinedup.errors import BadInput
from joinedup.http.auth import engine_of
from joinedup.http.errors import problem
from joinedup.receive.staging import WrongOffset
from joinedup.services import receiving

router = APIRouter(prefix="/deliveries", tags=["deliveries"])

# Declared for the route-agreement walk: no role or purpose (people never use these routes),
# an agency's signed token instead.
AGENCY_ONLY = {"x-roles": [], "x-purposes": [], "x-agency-credential": True}
_RANGE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$")
_CREDENTIAL_HELP = "an agency's token, signed with its registered Ed25519 key (one per request)"


def _agency(request: Request, authorization: str | None) -> str:
    return receiving.authenticate(engine_of(request), authorization).agency


@router.post("", status_code=201, openapi_extra=AGENCY_ONLY)
async def begin_delivery(
    request: Request, authorization: str | None = Header(None, description=_CREDENTIAL_HELP)
) -> JSONResponse:
    """Begin a delivery with its manifest (the body: manifest.json's bytes, as the agency
    would put them in a folder). The same manifest again is the same delivery: the answer
    says what has arrived of it (to resume), or gives its receipt if it was ingested."""
    body = await request.body()
    engine = engine_of(request)
    agency = await run_in_threadpool(_agency, request, authorization)
    answer = await run_in_threadpool(receiving.begin, engine, agency, body)
    fresh = answer["status"] == "receiving" and not any(f["received"] for f in answer["files"])
    return JSONResponse(answer, status_code=201 if fresh else 200)


@router.get("/{delivery}", openapi_extra=AGENCY_ONLY)
def delivery_status(
    delivery: str,
    request: Request,
    authorization: str | None = Header(None, description=_CREDENTIAL_HELP),
) -> dict[str, Any]:
    """What has arrived of a delivery (bytes per file), or its receipt once ingested."""
    agency = _agency(request, authorization)
    return receiving.status(engine_of(request), agency, delivery)


@router.put("/{delivery}/files/{path}", openapi_extra=AGENCY_ONLY)
async def receive_chunk(
    delivery: str,
    path: str,
    request: Request,
    authorization: str | None = Header(None, description=_CREDENTIAL_HELP),
    content_range: str | None = Header(
        None, description="bytes FIRST-LAST/TOTAL; without it, the body is the whole file"
    ),
) -> Any:
    """One chunk of one file, at the offset its Content-Range names."""
    data = await request.body()
    if content_range is None:
        first, total = 0, len(data)
    else:
        found = _RANGE.match(content_range.strip())
        if not found:
            raise BadInput("Content-Range must read 'bytes FIRST-LAST/TOTAL'")
        first, last, total = (int(g) for g in found.groups())
        if last - first + 1 != len(data) or last >= total:
            raise BadInput(
                f"Content-Range says {last - first + 1} bytes but the body holds {len(data)}"
            )
    engine = engine_of(request)
    agency = await run_in_threadpool(_agency, request, authorization)
    try:
        return await run_in_threadpool(
            receiving.receive_chunk, engine, agency, delivery, path, first, total, data
        )
    except WrongOffset as wrong:
        return problem(409, str(wrong), received=wrong.received)


@router.post("/{delivery}/complete", openapi_extra=AGENCY_ONLY)
def complete_delivery(
    delivery: str,
    request: Request,
    authorization: str | None = Header(None, description=_CREDENTIAL_HELP),
) -> dict[str, Any]:
    """Every file has arrived: the ingest takes the delivery whole (or refuses it whole, 400
    with the reason naming the file); the receipt."""
    agency = _agency(request, authorization)
    return receiving.complete(engine_of(request), agency, delivery)

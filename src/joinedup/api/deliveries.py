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
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Request, Response
from fastapi.concurrency import run_in_threadpool

from joinedup.api.answers import answers
from joinedup.api.delivery_answers import CHUNK_BODY, MANIFEST_BODY, Delivery, FileProgress
from joinedup.errors import BadInput
from joinedup.http.auth import engine_of
from joinedup.http.errors import problem
from joinedup.ingest.manifest import MAX_PATH_CHARS
from joinedup.receive.staging import WrongOffset
from joinedup.services import receiving

router = APIRouter(prefix="/deliveries", tags=["deliveries"])

# Declared for the route-agreement walk: no role or purpose (people never use these routes),
# an agency's signed token instead.
AGENCY_ONLY = {"x-roles": [], "x-purposes": [], "x-agency-credential": True}
_RANGE = re.compile(r"^bytes (\d{1,15})-(\d{1,15})/(\d{1,15})$")
# The delivery's name, as the service gave it (``receive.staging``: its manifest's checksum).
DeliveryName = Annotated[
    str, Path(pattern="^[0-9a-f]{24}$", description="the name the service gave the delivery")
]
FileName = Annotated[
    str, Path(min_length=1, max_length=MAX_PATH_CHARS, description="a file its manifest lists")
]
_CREDENTIAL_HELP = "an agency's token, signed with its registered Ed25519 key (one per request)"


def agency_credential(
    request: Request,
    authorization: str | None = Header(None, description=_CREDENTIAL_HELP),
) -> str:
    """The agency whose signed token came with the request (spent: a token serves once).
    A dependency, so it is checked before anything else about the request is looked at."""
    return receiving.authenticate(engine_of(request), authorization).agency


SendingAgency = Annotated[str, Depends(agency_credential)]


@router.post(
    "",
    status_code=201,
    openapi_extra=AGENCY_ONLY | MANIFEST_BODY,
    responses={200: {"model": Delivery, "description": "a manifest already begun: its state"}},
    **answers(Delivery),
)
async def begin_delivery(
    request: Request,
    response: Response,
    agency: SendingAgency,
) -> dict[str, Any]:
    """Begin a delivery with its manifest (the body: manifest.json's bytes, as the agency
    would put them in a folder). The same manifest again is the same delivery: the answer
    says what has arrived of it (to resume), or gives its receipt if it was ingested."""
    body = await request.body()
    engine = engine_of(request)
    answer = await run_in_threadpool(receiving.begin, engine, agency, body)
    fresh = answer["status"] == "receiving" and not any(f["received"] for f in answer["files"])
    response.status_code = 201 if fresh else 200
    return answer


@router.get("/{delivery}", openapi_extra=AGENCY_ONLY, **answers(Delivery))
def delivery_status(
    delivery: DeliveryName,
    request: Request,
    agency: SendingAgency,
) -> dict[str, Any]:
    """What has arrived of a delivery (bytes per file), or its receipt once ingested."""
    return receiving.status(engine_of(request), agency, delivery)


@router.put(
    "/{delivery}/files/{path}",
    openapi_extra=AGENCY_ONLY | CHUNK_BODY,
    responses={
        409: {"description": "a chunk at the wrong offset: `received` says where to send from"}
    },
    **answers(FileProgress),
)
async def receive_chunk(
    delivery: DeliveryName,
    path: FileName,
    request: Request,
    agency: SendingAgency,
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
    try:
        return await run_in_threadpool(
            receiving.receive_chunk, engine, agency, delivery, path, first, total, data
        )
    except WrongOffset as wrong:
        return problem(409, str(wrong), received=wrong.received)


@router.post("/{delivery}/complete", openapi_extra=AGENCY_ONLY, **answers(Delivery))
def complete_delivery(
    delivery: DeliveryName,
    request: Request,
    agency: SendingAgency,
) -> dict[str, Any]:
    """Every file has arrived: the ingest takes the delivery whole (or refuses it whole, 400
    with the reason naming the file); the receipt."""
    return receiving.complete(engine_of(request), agency, delivery)

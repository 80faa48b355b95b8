"""The exchange between partnerships (issue 24) over HTTP.

Partner routes (``/exchange/partner/...``) are called by the other partnership's joinedup,
never by a person: each request is signed with the calling partnership's Ed25519 audit key
(``exchange.signing``: why a signature rather than a token) and checked against the public
keys configured for it. An unknown partner, a bad or a stale signature are refused alike
(401, one message), and the same signed request a second time (409: ``services.exchange_nonces``).
MASH routes show the children who moved in and move a transfer-in case on.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from joinedup.api.answers import answers
from joinedup.domain.nesting import TOO_DEEP, NestedTooDeep, bounded
from joinedup.errors import BadInput, Unauthenticated
from joinedup.exchange import partners, signing
from joinedup.governance.reader import Reader
from joinedup.governance.uses import EXCHANGE_CASES
from joinedup.http.auth import current_reader, engine_of, governed
from joinedup.http.limits import RecordId
from joinedup.services import exchange, exchange_nonces, exchange_sessions, exchange_view

router = APIRouter(tags=["exchange"])
# Open to the partner's signed requests only (no session, no role): ``signed_partner``.
PARTNER_EXTRA: dict[str, Any] = {
    "x-roles": [], "x-purposes": [], "x-public": True, "x-partner-signed": True,
}  # fmt: skip


NOT_A_PARTNERS_REQUEST = (
    "the partner request is not signed, within the five-minute window, by a key of a partner "
    "of this partnership"
)


async def signed_partner(request: Request) -> tuple[str, bytes]:
    """The calling partner's name and the request body, once its signature checks."""
    name = request.headers.get(signing.PARTNER, "")
    signed_at = request.headers.get(signing.SIGNED_AT, "")
    signature = request.headers.get(signing.SIGNATURE, "")
    if not (name and signed_at and signature):
        raise Unauthenticated("a partner request is signed: X-Joinedup-Partner, "
                              "X-Joinedup-Signed-At and X-Joinedup-Signature")  # fmt: skip
    body = await request.body()
    now = datetime.now(UTC)
    try:
        signing.check(_partner(name), request.method, request.url.path, body, signed_at,
                      signature, now)  # fmt: skip
    except Unauthenticated:
        # One answer, word for word, whether the name is a partner's or not, and whether any
        # partners are configured: a caller cannot probe who our partners are (red team).
        raise Unauthenticated(NOT_A_PARTNERS_REQUEST) from None
    partner = exchange.configured().get(name)
    exchange_nonces.admit(engine_of(request), partner.name, request.method, request.url.path,
                          body, signed_at, now)  # fmt: skip
    return partner.name, body


def _partner(name: str) -> partners.Partner:
    """The partner of that name, or one with no keys (whose every signature fails)."""
    try:
        return exchange.configured().get(name)
    except (partners.UnknownPartner, BadInput):
        return partners.Partner(name=name, url="", secret=b"", public_keys={})


def _json(body: bytes) -> Any:
    try:
        return bounded(json.loads, body or b"{}")
    except NestedTooDeep:
        raise BadInput(f"the request body {TOO_DEEP}") from None
    except ValueError:
        raise BadInput("the request body is not JSON") from None


class WireEncoding(BaseModel):
    ref: str = Field(description="opaque per-export reference, never a person id")
    clk: str = Field(description="the keyed Bloom filter, base64")
    blocks: list[str] = Field(description="keyed blocking keys")


class EncodingsFile(BaseModel):
    """``exchange.encoding.serialise``'s wire format (docs/exchange.md, Encoding)."""

    format: str
    version: int
    params: str = Field(description="fingerprint of the encoding parameters")
    key_check: str | None = Field(description="confirms both sides hold the same secret")
    encodings: list[WireEncoding]


class SignedSummaryAnswer(BaseModel):
    summary: dict[str, Any] = Field(
        description="open-ended: the child's summary, cut to the sections the agreement "
        "between the partnerships lets pass (docs/exchange.md, Exchange)"
    )
    key_id: str
    signature: str = Field(description="Ed25519 over the canonical summary, base64")


class PartnerSummaries(BaseModel):
    summaries: list[SignedSummaryAnswer]


class SessionOpened(BaseModel):
    session: str = Field(description="the session's id: name it in each request of it")
    salt: str = Field(description="the session's salt, base64: with the shared secret, the "
                      "key both sides encode this session's children with")  # fmt: skip


class Deposited(BaseModel):
    session: str
    deposited: int = Field(description="encodings kept in this session so far")


@router.post("/exchange/partner/sessions", openapi_extra=PARTNER_EXTRA, **answers(SessionOpened))
def partner_session(
    request: Request, caller: tuple[str, bytes] = Depends(signed_partner)
) -> SessionOpened:
    """Open an exchange session (the calling partner's previous one ends): its salt keys
    this session's encodings on both sides (docs/exchange.md, Exchange)."""
    partner = exchange.configured().get(caller[0])
    opened = exchange_sessions.open_session(engine_of(request), partner, datetime.now(UTC))
    return SessionOpened.model_validate(opened)


@router.post("/exchange/partner/deposit", openapi_extra=PARTNER_EXTRA, **answers(Deposited))
def partner_deposit(
    request: Request, caller: tuple[str, bytes] = Depends(signed_partner)
) -> Deposited:
    """Keep a batch of the partner's encodings of the children it holds, in its session,
    before ours are released: ``{"session", "deposit": <encodings document>}`` (refused,
    413 and audited, past the partner's ``max_deposit``)."""
    partner = exchange.configured().get(caller[0])
    found = exchange_sessions.deposit(engine_of(request), partner, _json(caller[1]),
                                      datetime.now(UTC))  # fmt: skip
    return Deposited.model_validate(found)


def _session(body: bytes) -> tuple[Any, Any]:
    data = _json(body)
    if not isinstance(data, dict):
        raise BadInput("expected a JSON object naming the session")
    return data.get("session"), data


@router.post("/exchange/partner/encodings", openapi_extra=PARTNER_EXTRA, **answers(EncodingsFile))
def partner_encodings(request: Request, caller: tuple[str, bytes] = Depends(signed_partner)) -> Any:
    """Our children's keyed encodings for the calling partner's session ``{"session"}``
    (only while an agreement in force between us lets us share with it, once it has
    deposited its own: 409 before; once per session)."""
    from fastapi.responses import Response

    session, _ = _session(caller[1])
    blob = exchange.export_encodings(engine_of(request), caller[0], session, datetime.now(UTC))
    return Response(blob, media_type="application/json")


@router.post(
    "/exchange/partner/summaries", openapi_extra=PARTNER_EXTRA, **answers(PartnerSummaries)
)
def partner_summaries(
    request: Request, caller: tuple[str, bytes] = Depends(signed_partner)
) -> dict[str, Any]:
    """Signed summaries of children of our export in the partner's session that our own
    matching paired with its deposit: the body is ``{"session", "requests": [{"ref"}]}``;
    any other ref, or another session, is refused (404, audited)."""
    session, data = _session(caller[1])
    found = exchange.answer_requests(engine_of(request), caller[0], session,
                                     data.get("requests"), datetime.now(UTC))  # fmt: skip
    return {"summaries": found}


class TransferCase(BaseModel):
    case_id: int
    person_id: str
    partner: str
    summary_id: int
    kind: str
    kind_words: str
    status: Literal["OPEN", "CONFERENCE_BOOKED", "CONFERENCE_HELD", "CLOSED"]
    opened_at: str
    conference_due_on: str = Field(description="15 working days after the MASH was told")
    conference_on: str | None
    overdue: bool
    outcome: str | None
    updated_by: str | None


class SummaryRow(BaseModel):
    summary_id: int
    partner: str
    person_id: str
    received_at: str


class MovedIn(BaseModel):
    cases: list[TransferCase]
    summaries: list[SummaryRow]


class Exchanged(BaseModel):
    summary_id: int
    partner: str
    person_id: str
    received_at: str
    key_id: str
    agreement: str | None
    made_at: str | None
    sections: dict[str, Any] = Field(
        description="open-ended: the sections the agreement let pass (cp_plans, looked_after, "
        "cin_episodes, lead_practitioners, recent_concerns), as the partner sent them"
    )
    alert_id: int | None
    transfer_case: TransferCase | None
    our_record: dict[str, Any] = Field(
        description="open-ended: what this partnership holds of the child, through the gate"
    )


class Move(BaseModel):
    status: Literal["CONFERENCE_BOOKED", "CONFERENCE_HELD", "CLOSED"]
    conference_on: date | None = None
    outcome: str | None = Field(default=None, max_length=2000)


@router.get("/exchange/moved-in", **answers(MovedIn), **governed(EXCHANGE_CASES))
def moved_in(request: Request, reader: Reader = Depends(current_reader)) -> MovedIn:
    """Open transfer-in cases (the soonest due first) and the summaries received lately."""
    return MovedIn.model_validate(exchange_view.moved_in(engine_of(request), reader))


@router.get("/exchange/summaries/{summary_id}", **answers(Exchanged), **governed(EXCHANGE_CASES))
def summary(
    summary_id: RecordId, request: Request, reader: Reader = Depends(current_reader)
) -> Exchanged:
    """One exchanged summary, with the MASH's own record of the child (audited)."""
    found = exchange_view.summary_page(engine_of(request), reader, summary_id)
    return Exchanged.model_validate(found)


@router.post("/exchange/transfer-in/{case_id}", **answers(TransferCase),
             **governed(EXCHANGE_CASES))  # fmt: skip
def move(
    case_id: RecordId, body: Move, request: Request, reader: Reader = Depends(current_reader)
) -> TransferCase:
    """Book, hold or close a transfer-in case (audited)."""
    found = exchange_view.move_case(engine_of(request), reader, case_id, body.status,
                                    body.conference_on, body.outcome)  # fmt: skip
    return TransferCase.model_validate(found)

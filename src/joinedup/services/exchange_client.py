"""Running the exchange with a partner over HTTP, from the receiving side: open a session
with the partner, deposit our children's encodings under its salt, then fetch the partner's
encodings of the same session, match, ask for the matched children's summaries, check and
act on them (``services.exchange``; why the deposit comes first: ``exchange_sessions``).
Each request is signed with our audit key (``exchange.signing``)."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from joinedup.errors import JoinedUpError
from joinedup.exchange import encoding, signing
from joinedup.governance.audit.keys import load_signer
from joinedup.services import exchange
from joinedup.services.exchange_sessions import DEPOSIT_BATCH

BATCH = 500


class PartnerRefused(JoinedUpError):
    """The partner answered with an error (its problem's words are kept)."""

    http_status = 502


class PartnerUnreachable(PartnerRefused):
    """The partner could not be reached at all (down, a network fault): try again later."""


def _post(client: httpx.Client, ours: str, engine: Engine, base: str, route: str,
          body: bytes) -> httpx.Response:  # fmt: skip
    path = urlsplit(base).path.rstrip("/") + route
    key = load_signer(engine.url).private_key
    headers = signing.headers(ours, key, "POST", path, body, datetime.now(UTC))
    headers["Content-Type"] = "application/json"
    try:
        answer = client.post(base.rstrip("/") + route, content=body, headers=headers)
    except httpx.HTTPError as error:
        raise PartnerUnreachable(f"the partner at {base} could not be reached: {error}") from None
    if answer.status_code >= 400:
        try:
            detail = answer.json().get("detail") or answer.text
        except ValueError:
            detail = answer.text[:300]
        raise PartnerRefused(f"the partner refused ({answer.status_code}): {detail}")
    return answer


def _document(answer: httpx.Response, what: str) -> dict[str, Any]:
    """The partner's answer as a JSON object, or ``PartnerRefused`` saying it is not one (a
    proxy's error page, a wrong URL: one line, never a traceback)."""
    try:
        document = answer.json()
    except ValueError:
        document = None
    if not isinstance(document, dict):
        raise PartnerRefused(f"the partner's answer to {what} is not a JSON object")
    return document


def run(
    engine: Engine,
    partner_name: str,
    *,
    now: datetime | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    """One exchange with ``partner_name``: what was matched and received."""
    config = exchange.configured()
    partner = config.get(partner_name)
    now = now or datetime.now(UTC)
    with httpx.Client(timeout=300) as client:

        def post(route: str, document: Any) -> httpx.Response:
            body = json.dumps(document).encode()
            return _post(client, config.ours, engine, partner.url, route, body)

        opened = _document(post("/api/v1/exchange/partner/sessions", {}), "opening a session")
        try:
            session, salt = str(opened["session"]), base64.b64decode(opened["salt"])
        except (KeyError, TypeError, ValueError):
            raise PartnerRefused(
                "the partner's session (a JSON object) is not {session, salt}"
            ) from None
        ours = exchange.deposit_for(engine, partner.name, salt, now)
        if not ours.encodings:  # nothing of ours to match: nothing to ask for
            return {"partner": partner.name, "ours": 0, "theirs": 0, "matched": 0,
                    "received": 0, "new": 0, "transfer_in_cases": [], "alerts": []}  # fmt: skip
        key = encoding.session_secret(partner.secret, salt)
        for start in range(0, len(ours.encodings), DEPOSIT_BATCH):
            batch = encoding.serialise(ours.encodings[start : start + DEPOSIT_BATCH], secret=key)
            post("/api/v1/exchange/partner/deposit",
                 {"session": session, "deposit": json.loads(batch)})  # fmt: skip
        blob = post("/api/v1/exchange/partner/encodings", {"session": session}).content
        found = exchange.discover_from(engine, partner.name, blob, ours, now)
        requests = found.pop("requests")
        received: list[dict[str, Any]] = []
        for start in range(0, len(requests), BATCH):
            body = json.dumps({"session": session,
                               "requests": requests[start : start + BATCH]}).encode()  # fmt: skip
            answer = _document(_post(client, config.ours, engine, partner.url,
                                     "/api/v1/exchange/partner/summaries", body),
                               "a request for summaries")  # fmt: skip
            got = exchange.receive_summaries(engine, partner.name, answer.get("summaries"), now)
            received += got["received"]
            if progress is not None:
                progress(min(start + BATCH, len(requests)), len(requests))
    return {
        **found,
        "received": len(received),
        "new": sum(1 for r in received if r["new"]),
        "transfer_in_cases": [
            r["transfer_case_id"] for r in received if r.get("transfer_case_id")
        ],  # fmt: skip
        "alerts": [r["alert_id"] for r in received if r.get("alert_id")],
    }

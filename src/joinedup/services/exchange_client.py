"""Running the exchange with a partner over HTTP, from the receiving side: fetch the
partner's encodings, match our children (new ones first), ask for the matched children's
summaries, check and act on them (``services.exchange``). Each request is signed with our
audit key (``exchange.signing``)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import Engine

from joinedup.errors import BadInput, JoinedUpError
from joinedup.exchange import signing
from joinedup.governance.audit.keys import load_signer
from joinedup.services import exchange

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
        blob = _post(client, config.ours, engine, partner.url,
                     "/api/v1/exchange/partner/encodings", b"{}").content  # fmt: skip
        found = exchange.discover_from(engine, partner.name, blob, now)
        requests = found.pop("requests")
        received: list[dict[str, Any]] = []
        for start in range(0, len(requests), BATCH):
            body = json.dumps({"requests": requests[start : start + BATCH]}).encode()
            answer = _post(client, config.ours, engine, partner.url,
                           "/api/v1/exchange/partner/summaries", body).json()  # fmt: skip
            if not isinstance(answer, dict):
                raise BadInput("the partner's answer is not a JSON object")
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

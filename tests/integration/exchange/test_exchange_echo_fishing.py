"""Red team (issue 24): can a partner fish for summaries of children it does not hold?

docs/exchange.md (step 3) says the holder answers only a ref whose kept encoding the
requester's own encoding of the child matches, "so a partner cannot fish for a child it did
not find". But the export hands the partner the holder's very encoding (clk and blocks) of
every ref, and the check compares the request with that same kept encoding: a partner that
echoes the export back gets a signed summary of every child exported (every linked child
under 18), not only the ones it holds. Reported for the helper who owns exchange matching
(a protocol change: the proof must be an encoding the export does not carry); strict xfail
until then, so the fix flips it.
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime

import pytest

from joinedup.errors import NotFound
from joinedup.exchange import encoding
from joinedup.services import exchange

from .conftest import Pair

NOW = datetime.now(UTC)


@pytest.mark.xfail(strict=True, reason="the holder's proof check is met by echoing its export")
def test_echoing_the_export_back_gets_no_summary_of_a_child_the_partner_does_not_hold(
    pair: Pair,
) -> None:
    with pair.sides["exampleshire"].active():
        blob = exchange.export_encodings(pair.a, "otherbury", NOW)
    with pair.sides["otherbury"].active():
        secret = exchange.configured().get("exampleshire").secret
    echoed = [
        {"ref": e.ref, "clk": base64.b64encode(e.clk).decode(), "blocks": list(e.blocks)}
        for e in encoding.deserialise(blob, secret=secret)
    ]
    assert len(echoed) > len(pair.movers)  # Otherbury holds a handful of them
    with pair.sides["exampleshire"].active(), pytest.raises(NotFound):
        exchange.answer_requests(pair.a, "otherbury", echoed[:50], NOW)

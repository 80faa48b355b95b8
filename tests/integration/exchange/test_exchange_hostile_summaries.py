"""Red team (issue 24): a signed summary from a trusted partner that carries more than the
agreement lets pass inside an allowed section, or is shaped wrongly, is refused whole with
one line naming where; nothing of it is kept. (A buggy or compromised partner signs with a
key we trust, so the signature proves who sent it, not that it holds only what was agreed.)"""

from __future__ import annotations

import base64
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import func, select

from joinedup.errors import BadInput
from joinedup.exchange.summary import sign
from joinedup.exchange.terms import NotAgreed
from joinedup.services import exchange
from joinedup.store.exchange_tables import exchange_summary

from .conftest import Pair, open_and_deposit

NOW = datetime.now(UTC)


def resigned(pair: Pair, document: dict[str, Any]) -> dict[str, Any]:
    document = {k: v for k, v in document.items() if k != "format"}
    raw = base64.b64decode(pair.sides["exampleshire"].key)
    return sign(document, Ed25519PrivateKey.from_private_bytes(raw)).to_dict()


def planned_summary(pair: Pair) -> dict[str, Any]:
    """A summary Exampleshire signed of a child on a plan, before Otherbury keeps any."""
    session, ours = open_and_deposit(pair, NOW)
    with pair.sides["exampleshire"].active():
        blob = exchange.export_encodings(pair.a, "otherbury", session, NOW)
    with pair.sides["otherbury"].active():
        found = exchange.discover_from(pair.b, "exampleshire", blob, ours, NOW)
    with pair.sides["exampleshire"].active():
        signed = exchange.answer_requests(pair.a, "otherbury", session, found["requests"], NOW)
    return dict(next(s for s in signed if s["summary"]["sections"].get("cp_plans"))["summary"])


def kept(pair: Pair) -> int:
    with pair.b.connect() as b:
        return int(b.execute(select(func.count()).select_from(exchange_summary)).scalar_one())


def refused(pair: Pair, document: dict[str, Any], error: type[Exception], words: str) -> None:
    with pair.sides["otherbury"].active(), pytest.raises(error, match=words) as raised:
        exchange.receive_summaries(pair.b, "exampleshire", [resigned(pair, document)], NOW)
    assert "\n" not in str(raised.value)
    assert kept(pair) == 0


def test_a_field_no_agreement_lets_pass_inside_an_allowed_section_is_refused(pair: Pair) -> None:
    document = planned_summary(pair)
    notes = "disclosed abuse by mum's partner"
    plans = [dict(e, notes=notes) for e in document["sections"]["cp_plans"]]
    refused(pair, {**document, "sections": {**document["sections"], "cp_plans": plans}},
            NotAgreed, r"cp_plans\[0\]\.notes")  # fmt: skip


def test_a_lead_practitioner_entry_carrying_more_than_a_contact_is_refused(pair: Pair) -> None:
    document = planned_summary(pair)
    leads = [{"name": "A Worker", "team": None, "email": None, "phone": None,
              "agency": "social_care", "home_address": "1 High St"}]  # fmt: skip
    refused(pair, {**document, "sections": {**document["sections"], "lead_practitioners": leads}},
            NotAgreed, r"lead_practitioners\[0\]\.home_address")  # fmt: skip


def test_a_field_outside_the_sections_is_refused(pair: Pair) -> None:
    document = planned_summary(pair)
    refused(pair, {**document, "family": [{"name": "an adult"}]}, NotAgreed, "family")


@pytest.mark.parametrize(
    ("sections", "words"),
    [
        (["cp_plans"], "sections: expected an object"),
        ({"cp_plans": "current"}, r"sections\.cp_plans: expected a list"),
        ({"cp_plans": ["current"]}, r"cp_plans\[0\]: expected an object"),
        ({"cp_plans": [{"started_on": "2025-01-01", "ended_on": "last week", "current": False}]},
         r"cp_plans\[0\]\.ended_on"),
        ({"cp_plans": [{"started_on": 20250101, "ended_on": None, "current": True}]},
         r"cp_plans\[0\]\.started_on"),
        ({"cp_plans": [{"started_on": "2025-01-01", "ended_on": None, "current": "yes"}]},
         r"cp_plans\[0\]\.current"),
        ({"recent_concerns": [{"on": "2025-13-01", "kind": "CONTACT", "source": None}]},
         r"recent_concerns\[0\]\.on"),
        ({"lead_practitioners": [["A Worker"]]}, r"lead_practitioners\[0\]: expected an object"),
        ({"lead_practitioners": [{"name": {"first": "A"}, "team": None, "email": None,
                                  "phone": None, "agency": "social_care"}]},
         r"lead_practitioners\[0\]\.name"),
    ],
)  # fmt: skip
def test_a_wrongly_shaped_summary_is_refused_in_one_line(
    pair: Pair, sections: Any, words: str
) -> None:
    document = planned_summary(pair)
    refused(pair, {**document, "sections": sections}, BadInput, words)

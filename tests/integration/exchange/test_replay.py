"""Replay protection for partner requests (``services.exchange_nonces``): a signed request
is admitted once; the same signed request again, within its window, is refused and
audited; nonces past their window are purged."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from joinedup.services import exchange_nonces
from joinedup.store.audit_tables import audit_entry
from joinedup.store.exchange_tables import exchange_nonce

from .conftest import Pair

PATH = "/api/v1/exchange/partner/encodings"


def test_the_same_signed_request_twice_is_refused_and_audited(pair: Pair) -> None:
    now = datetime.now(UTC)
    signed_at = now.isoformat()
    exchange_nonces.admit(pair.a, "otherbury", "POST", PATH, b"{}", signed_at, now)
    with pytest.raises(exchange_nonces.Replayed, match="replay") as refused:
        exchange_nonces.admit(pair.a, "otherbury", "POST", PATH, b"{}", signed_at, now)
    assert refused.value.http_status == 409
    # Another body, another time of signing or another partner is another request.
    exchange_nonces.admit(pair.a, "otherbury", "POST", PATH, b'{"a": 1}', signed_at, now)
    exchange_nonces.admit(pair.a, "otherbury", "POST", PATH, b"{}", (now + timedelta(
        microseconds=1)).isoformat(), now)  # fmt: skip
    exchange_nonces.admit(pair.a, "eastmarch", "POST", PATH, b"{}", signed_at, now)
    with pair.a.connect() as a:
        audited = a.execute(select(audit_entry.c.details, audit_entry.c.actor).where(
            audit_entry.c.kind == "EXCHANGE_REPLAY_REFUSED")).all()  # fmt: skip
    assert len(audited) == 1
    assert audited[0].details["partner"] == "otherbury" and audited[0].details["path"] == PATH


def test_nonces_past_their_window_are_purged(pair: Pair) -> None:
    then = datetime.now(UTC) - timedelta(minutes=20)
    exchange_nonces.admit(pair.a, "otherbury", "POST", PATH, b"{}", then.isoformat(), then)
    now = datetime.now(UTC)
    exchange_nonces.admit(pair.a, "otherbury", "POST", PATH, b"{}", now.isoformat(), now)
    with pair.a.connect() as a:
        kept = a.execute(select(func.count()).select_from(exchange_nonce)).scalar()
    assert kept == 1

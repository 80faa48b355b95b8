"""Partner-to-partner requests, signed with the sending partnership's Ed25519 audit key.

Why signatures rather than a configured token: each partnership already holds an Ed25519
key whose public half the other configures to check summaries, so one key does both; a
signature cannot be replayed for another path or body, nor outside a five-minute window,
and the receiver holds nothing that would let it (or a thief of its configuration) pose
as the partner, which a shared bearer token would.

The signed message is ``METHOD\\nPATH\\nSIGNED-AT\\nSHA-256(BODY)`` with the headers
``X-Joinedup-Partner`` (who sends), ``X-Joinedup-Signed-At`` (ISO 8601, UTC) and
``X-Joinedup-Signature`` (base64).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from datetime import UTC, datetime, timedelta

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from joinedup.errors import Unauthenticated
from joinedup.exchange.partners import Partner

PARTNER, SIGNED_AT, SIGNATURE = "X-Joinedup-Partner", "X-Joinedup-Signed-At", "X-Joinedup-Signature"
WINDOW = timedelta(minutes=5)


def message(method: str, path: str, signed_at: str, body: bytes) -> bytes:
    return "\n".join((method.upper(), path, signed_at, hashlib.sha256(body).hexdigest())).encode()


def headers(
    ours: str, key: Ed25519PrivateKey, method: str, path: str, body: bytes, now: datetime
) -> dict[str, str]:
    signed_at = now.astimezone(UTC).isoformat()
    signature = key.sign(message(method, path, signed_at, body))
    return {PARTNER: ours, SIGNED_AT: signed_at, SIGNATURE: base64.b64encode(signature).decode()}


def check(
    partner: Partner, method: str, path: str, body: bytes, signed_at: str, signature: str,
    now: datetime,
) -> None:  # fmt: skip
    """``Unauthenticated`` unless the request is signed by one of the partner's keys within
    the window."""
    try:
        when = datetime.fromisoformat(signed_at)
        raw = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        raise Unauthenticated("the partner request's signature headers are malformed") from None
    if when.tzinfo is None or abs(now - when) > WINDOW:
        raise Unauthenticated("the partner request was signed outside the five-minute window")
    signed = message(method, path, signed_at, body)
    for key in partner.public_keys.values():
        try:
            key.verify(raw, signed)
            return
        except InvalidSignature:
            continue
    raise Unauthenticated(f"the request is not signed by a key of {partner.name}")

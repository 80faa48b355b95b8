"""The signed summary of a matched child: what the holding partnership says of the child,
signed with its Ed25519 audit key, and the receiver's check of that signature.

The signature covers the canonical JSON (sorted keys, no spaces) of the whole summary,
which names the sender, the recipient, the agreement, both refs and when it was made; the
receiver trusts only the public keys it configured for that partner (``partners``), so a
tampered summary, another partner's key or an unknown key is refused.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from joinedup.errors import BadInput, Forbidden
from joinedup.governance.audit.keys import key_id_of

FORMAT = "joinedup-exchange-summary/1"


class SummaryRejected(Forbidden):
    """A summary whose signature does not check, or signed by a key not trusted for the
    partner that sent it."""


def canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def digest(document: dict[str, Any]) -> str:
    return hashlib.sha256(canonical(document)).hexdigest()


@dataclass(frozen=True)
class SignedSummary:
    summary: dict[str, Any]
    key_id: str
    signature: str  # base64

    def to_dict(self) -> dict[str, Any]:
        return {"summary": self.summary, "key_id": self.key_id, "signature": self.signature}


def sign(summary: dict[str, Any], private_key: Ed25519PrivateKey) -> SignedSummary:
    document = {"format": FORMAT, **summary}
    signature = private_key.sign(canonical(document))
    return SignedSummary(
        document, key_id_of(private_key.public_key()), base64.b64encode(signature).decode()
    )


def parse(data: Any, where: str = "summary") -> SignedSummary:
    """A signed summary from JSON data (not yet verified); ``BadInput`` naming the field."""
    if not isinstance(data, dict):
        raise BadInput(f"{where}: expected an object with summary, key_id and signature")
    summary, key_id, signature = data.get("summary"), data.get("key_id"), data.get("signature")
    if not isinstance(summary, dict) or summary.get("format") != FORMAT:
        raise BadInput(f"{where}.summary: expected a {FORMAT} summary")
    if not isinstance(key_id, str) or len(key_id) != 64:
        raise BadInput(f"{where}.key_id: expected the signing key's 64-character id")
    if not isinstance(signature, str):
        raise BadInput(f"{where}.signature: expected a base64 signature")
    return SignedSummary(summary, key_id, signature)


def verify(signed: SignedSummary, trusted: dict[str, Ed25519PublicKey], partner: str) -> None:
    """``SummaryRejected`` unless ``signed`` is signed by one of the partner's ``trusted``
    keys (key id -> public key) and names the partner as its sender."""
    key = trusted.get(signed.key_id)
    if key is None:
        raise SummaryRejected(f"the summary is signed by a key not trusted for {partner}")
    try:
        raw = base64.b64decode(signed.signature, validate=True)
        key.verify(raw, canonical(signed.summary))
    except (binascii.Error, ValueError, InvalidSignature):
        raise SummaryRejected(
            f"the summary's signature does not check against {partner}'s key"
        ) from None
    if signed.summary.get("from") != partner:
        raise SummaryRejected(f"the summary says it is from {signed.summary.get('from')!r}, "
                              f"not {partner}")  # fmt: skip

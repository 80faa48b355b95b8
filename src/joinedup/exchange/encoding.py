"""Keyed Bloom-filter encodings of children's identifying fields (cryptographic linkage keys).

A SIMPLE working version (helper "exchange"): bigrams and whole tokens of each field, each
set at ``HASHES`` positions of a ``BITS``-bit filter by HMAC-SHA256 under the secret the two
partnerships share; blocks are HMACs of a few coarse keys, so they reveal equality only.
The merger takes the "pprl" helper's hardened module over this one (same API).

A child's ``ref`` is an HMAC of its person id under the export's own salt: the partner can
quote it back, and only the holder (who knows the salt) can turn it into a child.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from joinedup.errors import BadInput

BITS = 1024
HASHES = 12
FORMAT = "joinedup-clk/1"
MAX_ENCODINGS = 2_000_000


@dataclass(frozen=True)
class ChildIdentity:
    person_id: str
    forenames: str
    surname: str
    date_of_birth: date | None
    sex: str | None
    postcodes: tuple[str, ...]
    nhs_number: str | None


@dataclass(frozen=True)
class ChildEncoding:
    ref: str
    clk: bytes
    blocks: tuple[str, ...]


class EncodingsInvalid(BadInput):
    """An encodings file that is not one this module wrote."""


def _fold(text: str | None) -> str:
    plain = unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z]", "", plain.lower())


def _bigrams(word: str) -> list[str]:
    padded = f"_{word}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)] if word else []


def tokens(child: ChildIdentity) -> list[str]:
    """What goes into the filter, each token tagged with its field."""
    first = _fold(child.forenames.split()[0] if child.forenames.split() else "")
    surname = _fold(child.surname)
    out = [f"f:{g}" for g in _bigrams(first)] + [f"s:{g}" for g in _bigrams(surname)]
    if child.date_of_birth is not None:
        dob = child.date_of_birth
        out += [f"dy:{dob.year}", f"dm:{dob.month}", f"dd:{dob.day}", f"d:{dob.isoformat()}"]
    if child.sex in ("M", "F"):
        out.append(f"x:{child.sex}")
    for postcode in child.postcodes:
        compact = postcode.replace(" ", "").upper()
        if len(compact) >= 5:
            out += [f"po:{compact[:-3]}", f"p:{compact}"]
    if child.nhs_number:
        out.append(f"n:{child.nhs_number}")
    return out


def _positions(secret: bytes, token: str) -> list[int]:
    digest = hmac.new(secret, token.encode(), hashlib.sha256).digest()
    first, second = int.from_bytes(digest[:8], "big"), int.from_bytes(digest[8:16], "big") | 1
    return [(first + i * second) % BITS for i in range(HASHES)]


def _block_keys(child: ChildIdentity) -> list[str]:
    keys = []
    surname = _fold(child.surname)
    if child.date_of_birth is not None:
        keys.append(f"dob:{child.date_of_birth.isoformat()}")
        if surname:
            keys.append(f"ys:{child.date_of_birth.year}:{surname[:2]}")
    if child.nhs_number:
        keys.append(f"nhs:{child.nhs_number}")
    return keys


def child_ref(person_id: str, export_salt: bytes) -> str:
    return hmac.new(export_salt, person_id.encode(), hashlib.sha256).hexdigest()[:32]


def encode_child(child: ChildIdentity, secret: bytes, *, export_salt: bytes) -> ChildEncoding:
    bits = 0
    for token in tokens(child):
        for position in _positions(secret, token):
            bits |= 1 << position
    blocks = tuple(
        hmac.new(secret, f"block|{k}".encode(), hashlib.sha256).hexdigest()[:20]
        for k in _block_keys(child)
    )
    return ChildEncoding(child_ref(child.person_id, export_salt), bits.to_bytes(BITS // 8, "big"),
                         blocks)  # fmt: skip


def encode_children(
    children: Iterable[ChildIdentity], secret: bytes, *, export_salt: bytes
) -> list[ChildEncoding]:
    return [encode_child(c, secret, export_salt=export_salt) for c in children]


def serialise(encodings: Iterable[ChildEncoding]) -> bytes:
    return json.dumps(
        {
            "format": FORMAT,
            "encodings": [
                {"ref": e.ref, "clk": base64.b64encode(e.clk).decode(), "blocks": list(e.blocks)}
                for e in encodings
            ],
        },
        separators=(",", ":"),
    ).encode()


def deserialise(blob: bytes) -> list[ChildEncoding]:
    """The encodings in ``blob``; ``EncodingsInvalid`` naming the first bad entry."""
    try:
        data = json.loads(blob)
    except (ValueError, UnicodeDecodeError):
        raise EncodingsInvalid("the encodings file is not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise EncodingsInvalid(f"the encodings file is not in the {FORMAT} format")
    rows = data.get("encodings")
    if not isinstance(rows, list) or len(rows) > MAX_ENCODINGS:
        raise EncodingsInvalid("encodings: expected a list of encodings")
    out = []
    for n, row in enumerate(rows):
        out.append(_entry(row, n))
    return out


def _entry(row: object, n: int) -> ChildEncoding:
    where = f"encodings[{n}]"
    if not isinstance(row, dict):
        raise EncodingsInvalid(f"{where}: expected an object with ref, clk and blocks")
    ref, clk, blocks = row.get("ref"), row.get("clk"), row.get("blocks")
    if not isinstance(ref, str) or not re.fullmatch(r"[0-9a-f]{8,64}", ref):
        raise EncodingsInvalid(f"{where}.ref: expected a hexadecimal reference")
    try:
        raw = base64.b64decode(str(clk), validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) != BITS // 8:
        raise EncodingsInvalid(f"{where}.clk: expected {BITS // 8} bytes of base64")
    if not isinstance(blocks, list) or not all(
        isinstance(b, str) and re.fullmatch(r"[0-9a-f]{8,64}", b) for b in blocks
    ):
        raise EncodingsInvalid(f"{where}.blocks: expected a list of hexadecimal block keys")
    return ChildEncoding(ref, raw, tuple(blocks))

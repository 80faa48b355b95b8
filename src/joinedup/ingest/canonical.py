"""A delivered row as canonical JSON (sorted keys, compact, not ASCII-escaped) and its SHA-256.

The hash decides whether a re-delivered row is unchanged, so the text must stay byte for byte
what earlier ingests stored, whichever library writes it.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import orjson

from joinedup.store.bulk import RawJson

# json.dumps(payload, sort_keys=True, ensure_ascii=False, separators=(",", ":")), with the
# encoder built once (json.dumps with options builds a new one per call).
_CANONICAL = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def canonical_payload(payload: dict[str, Any]) -> RawJson:
    """The row as delivered, as canonical JSON text: hashed once and stored as is."""
    return RawJson(_CANONICAL.encode(payload))


def content_hash(payload: dict[str, Any]) -> str:
    return _digest(canonical_payload(payload))


def _digest(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def canonical_and_digest(payload: dict[str, Any], plain: bool) -> tuple[str, str]:
    """``canonical_payload`` and its SHA-256. A ``plain`` payload (``RawRow.plain``: no
    floats, no integers beyond 64 bits) is written by orjson, whose output for such values
    is byte for byte the json module's, in a fifth of the time; anything orjson refuses (a
    lone surrogate, a key that is not text) is written the json module's way."""
    if plain:
        try:
            encoded = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS)
        except orjson.JSONEncodeError:
            pass
        else:
            return encoded.decode(), hashlib.sha256(encoded).hexdigest()
    canonical = canonical_payload(payload)
    return canonical, _digest(canonical)

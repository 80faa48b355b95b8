"""Keyed record-level Bloom-filter encodings (CLKs) of children, and keyed blocking keys.

In: ``ChildIdentity`` rows (plain data the caller builds from its store), the secret the two
partnerships share, and a per-export salt. Out: ``ChildEncoding`` (an opaque reference, the
Bloom filter, keyed blocking keys) and a versioned JSON wire format (``serialise`` /
``deserialise``). Nothing in an encoding is the person id or a plaintext value.

Why our own code and not clkhash/blocklib: clkhash 0.18 (the last release, 2023) pins
cryptography<41 and bitarray<3, and blocklib pins numpy<2 and pydantic<2; joinedup runs on
cryptography 51 (the Ed25519 audit keys), numpy 2 and pydantic 2, so neither installs beside
it. anonlink installs but is unmaintained and would only give us a popcount, which numpy 2's
``bitwise_count`` does vectorised (matching.py). The scheme follows the literature clkhash
implements: Schnell et al.'s CLK (record-level filter of q-grams of every field, per-field
weights), hardened as Christen, Ranbaduge, Vatsalan & Schnell (2018/2019) recommend:

- keyed *random hashing*: each token's positions come from keyed BLAKE2b (a MAC) of the token,
  not from double hashing, so bit positions cannot be predicted or related without the secret;
- salting the name q-grams with the year of birth, so one forename sets different bits in
  different birth years and name frequencies flatten across ~18 cohorts;
- balancing: the filter is followed by its complement and the 2L bits are permuted by a keyed
  permutation, so every encoding has the same Hamming weight (length of names, number of
  postcodes and which fields are missing do not show).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

import numpy as np
from stdnum.gb import nhs

from joinedup.domain.nesting import TOO_DEEP, NestedTooDeep, bounded
from joinedup.errors import BadInput

WIRE_FORMAT = "joinedup-child-encodings"
WIRE_VERSION = 1


@dataclass(frozen=True)
class ChildIdentity:
    """A child's identifying fields as one partnership holds them (plain data)."""

    person_id: str
    forenames: str
    surname: str
    date_of_birth: date | None
    sex: str | None
    postcodes: tuple[str, ...]
    nhs_number: str | None


@dataclass(frozen=True)
class ChildEncoding:
    ref: str  # opaque per-export reference: HMAC(export_salt, person_id); never the person_id
    clk: bytes  # the Bloom filter
    blocks: tuple[str, ...]  # keyed blocking keys


@dataclass(frozen=True)
class EncodingParams:
    """The scheme both partnerships must use alike (its fingerprint travels with the export).

    ``k_*`` is how many filter positions one token of that field sets (its weight)."""

    bits: int = 1024  # base filter length L (the balanced filter is 2L)
    k_forename: int = 8
    k_surname: int = 8
    k_dob_part: int = 20  # day, month and year are three tokens (a swapped day/month keeps two)
    k_sex: int = 4
    k_postcode: int = 3  # each postcode held (history); low: movers' postcodes differ by design
    k_nhs: int = 40
    salt_names_with_year: bool = True
    balanced: bool = True
    block_kinds: tuple[str, ...] = field(default=("dob", "nhs", "sn_yob", "fn_sn_initials_yob"))

    def fingerprint(self) -> str:
        raw = json.dumps(self.__dict__, sort_keys=True, default=list).encode()
        return hashlib.sha256(raw).hexdigest()[:16]


DEFAULT_PARAMS = EncodingParams()


# ---- normalisation ---------------------------------------------------------------------
_NON_LETTER = re.compile(r"[^A-Z]")


def normalise_name(text: str | None, *, first_only: bool = False) -> str:
    """Upper case A-Z only: diacritics folded, spaces, hyphens and apostrophes dropped."""
    if not text:
        return ""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().upper()
    if first_only:
        parts = folded.split()
        folded = parts[0] if parts else ""
    return _NON_LETTER.sub("", folded)


def normalise_postcode(text: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", text.upper())


def normalise_nhs(text: str | None) -> str:
    """The 10 digits of a valid NHS number (modulus 11), else "" (a slip counts as missing)."""
    digits = re.sub(r"\D", "", text or "")
    return digits if nhs.is_valid(digits) else ""


def bigrams(name: str) -> list[str]:
    padded = f"_{name}_"
    return [padded[i : i + 2] for i in range(len(padded) - 1)] if name else []


def tokens(child: ChildIdentity, params: EncodingParams) -> list[tuple[str, int]]:
    """(token, weight) pairs of one child; each token is prefixed with its field."""
    dob = child.date_of_birth
    salt = str(dob.year) if (params.salt_names_with_year and dob) else ""
    out: list[tuple[str, int]] = []
    forename = normalise_name(child.forenames, first_only=True)
    out += [(f"f|{salt}|{g}", params.k_forename) for g in bigrams(forename)]
    out += [(f"s|{salt}|{g}", params.k_surname) for g in bigrams(normalise_name(child.surname))]
    if dob is not None:
        # day and month as the smaller and the larger number: a day/month swap still agrees
        low, high = sorted((dob.day, dob.month))
        out += [(f"dl|{low}", params.k_dob_part), (f"dh|{high}", params.k_dob_part)]
        out.append((f"dy|{dob.year}", params.k_dob_part))
    if child.sex and child.sex.upper()[:1] in "MF":
        out.append((f"x|{child.sex.upper()[:1]}", params.k_sex))
    for pc in sorted({normalise_postcode(p) for p in child.postcodes if p.strip()}):
        out.append((f"p|{pc}", params.k_postcode))
    nhs = normalise_nhs(child.nhs_number)
    if nhs:
        out.append((f"n|{nhs}", params.k_nhs))
    return out


# ---- keyed hashing ---------------------------------------------------------------------
def _derive(secret: bytes, purpose: str) -> bytes:
    if not secret:
        raise BadInput("the shared secret is empty; the partnerships must agree a secret")
    return hmac.new(secret, f"joinedup-exchange/{purpose}".encode(), hashlib.sha256).digest()


def session_secret(secret: bytes, session_salt: bytes) -> bytes:
    """The key of one exchange session: derived from the shared secret and the session's
    random salt (the holder's), and used in place of the secret for that session's filters,
    blocking keys and permutation. Why: encodings are deterministic under one key, so under
    the bare secret an encoding of an earlier exchange (the holder's own, echoed back) would
    still match; under a session key it matches only encodings of the same session."""
    if len(session_salt) < 16:
        raise BadInput("the exchange session's salt is too short (16 bytes or more)")
    return _derive(secret, "session/" + session_salt.hex())


def key_check(secret: bytes) -> str:
    """A value both sides can compare to see they hold the same secret (reveals nothing of it)."""
    return _derive(secret, "key-check").hex()[:16]


@lru_cache(maxsize=4)
def _positions_fn(key: bytes, bits: int):  # type: ignore[no-untyped-def]
    @lru_cache(maxsize=200_000)
    def positions(token: str, k: int) -> tuple[int, ...]:
        # why: random hashing (independent keyed positions per token), not double hashing,
        # whose arithmetic progression of positions is what pattern-mining attacks exploit.
        # 16 positions per 64-byte digest; more come from digests salted with a counter
        digest = b"".join(
            hashlib.blake2b(token.encode(), key=key, digest_size=64, salt=bytes([n])).digest()
            for n in range(-(-k // 16))
        )
        return tuple(int(w) % bits for w in np.frombuffer(digest, dtype="<u4")[:k])

    return positions


def permutation(secret: bytes, size: int) -> np.ndarray:
    seed = int.from_bytes(_derive(secret, f"permutation/{size}"), "big")
    return np.random.default_rng(seed).permutation(size)


IDENTIFIER_BLOCK = "n:"  # the prefix of the NHS number's key (matching.discover trusts it more)


def _block_keys(
    child: ChildIdentity, key: bytes, params: EncodingParams, export_salt: bytes
) -> tuple[str, ...]:
    """Coarse values hashed with the secret: equal keys say only "these two share a block".
    Every encoding carries one key per kind, sorted: a missing value gets a key of its own
    (keyed by the export salt, so it matches nothing), so the keys do not show which fields
    a child lacks, nor which key is which, but for the NHS number's: marked ``n:`` when the
    child has one, for matching (two different NHS numbers are two different children)."""
    dob, out = child.date_of_birth, []
    fn = normalise_name(child.forenames, first_only=True)
    sn = normalise_name(child.surname)
    nhs = normalise_nhs(child.nhs_number)
    values = {
        "dob": dob.isoformat() if dob else "",
        "nhs": nhs,
        "sn_yob": f"{sn[:2]}|{dob.year}" if (sn and dob) else "",
        "fn_sn_initials_yob": f"{fn[:1]}{sn[:1]}|{dob.year}|{dob.month}"
        if (fn and sn and dob)
        else "",
    }
    for kind in params.block_kinds:
        if values.get(kind):
            mac = hmac.new(key, f"{kind}|{values[kind]}".encode(), hashlib.sha256)
        else:
            mac = hmac.new(
                export_salt, f"missing|{kind}|{child.person_id}".encode(), hashlib.sha256
            )
        marked = kind == "nhs" and bool(values[kind])
        out.append((IDENTIFIER_BLOCK if marked else "") + mac.hexdigest()[:20])
    return tuple(sorted(out))


def encode_children(
    children: Iterable[ChildIdentity],
    secret: bytes,
    *,
    export_salt: bytes,
    params: EncodingParams = DEFAULT_PARAMS,
) -> list[ChildEncoding]:
    """Encode children for an export. ``secret`` is shared by the two partnerships (it makes
    the encodings comparable); ``export_salt`` is this export's own (it makes ``ref`` opaque
    and different in every export, so refs cannot be joined across exports)."""
    if not export_salt:
        raise BadInput("export_salt is empty; use a fresh random salt per export")
    rows = list(children)
    positions = _positions_fn(_derive(secret, "bloom"), params.bits)
    block_key = _derive(secret, "blocking")
    chunk = 8192
    clks: list[bytes] = []
    perm = permutation(secret, 2 * params.bits) if params.balanced else None
    for start in range(0, len(rows), chunk):
        part = rows[start : start + chunk]
        bits = np.zeros((len(part), params.bits), dtype=bool)
        cols: list[int] = []
        counts = np.zeros(len(part), dtype=np.int64)
        for i, child in enumerate(part):
            before = len(cols)
            for token, k in tokens(child, params):
                if k:
                    cols.extend(positions(token, k))
            counts[i] = len(cols) - before
        bits[np.repeat(np.arange(len(part)), counts), np.asarray(cols, dtype=np.int64)] = True
        if perm is not None:
            bits = np.concatenate([bits, ~bits], axis=1)[:, perm]
        packed = np.packbits(bits, axis=1)
        clks.extend(row.tobytes() for row in packed)
    return [
        ChildEncoding(
            ref=hmac.new(export_salt, c.person_id.encode(), hashlib.sha256).hexdigest()[:32],
            clk=clk,
            blocks=_block_keys(c, block_key, params, export_salt),
        )
        for c, clk in zip(rows, clks, strict=True)
    ]


def shuffled(encodings: Sequence[ChildEncoding], seed: int | None = None) -> list[ChildEncoding]:
    """The encodings in random order (an export's order must not follow the store's)."""
    out = list(encodings)
    random.Random(seed).shuffle(out)
    return out


# ---- wire format -----------------------------------------------------------------------
def serialise(
    encodings: Sequence[ChildEncoding],
    *,
    secret: bytes | None = None,
    params: EncodingParams = DEFAULT_PARAMS,
) -> bytes:
    """Versioned JSON. With ``secret``, a key check value lets the receiver confirm both
    sides used the same secret before matching (it reveals nothing of the secret)."""
    doc = {
        "format": WIRE_FORMAT,
        "version": WIRE_VERSION,
        "params": params.fingerprint(),
        "key_check": key_check(secret) if secret else None,
        "encodings": [
            {"ref": e.ref, "clk": base64.b64encode(e.clk).decode(), "blocks": list(e.blocks)}
            for e in encodings
        ],
    }
    return json.dumps(doc, separators=(",", ":")).encode()


def deserialise(
    blob: bytes,
    *,
    secret: bytes | None = None,
    params: EncodingParams = DEFAULT_PARAMS,
) -> list[ChildEncoding]:
    """Read ``serialise``'s output; a clear ``BadInput`` naming what is wrong otherwise."""
    try:
        doc = bounded(json.loads, blob)
    except NestedTooDeep:
        raise BadInput(f"child encodings: {TOO_DEEP}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BadInput(f"child encodings: not JSON ({exc})") from None
    if not isinstance(doc, dict) or doc.get("format") != WIRE_FORMAT:
        raise BadInput(f"child encodings: not a {WIRE_FORMAT} document")
    if doc.get("version") != WIRE_VERSION:
        raise BadInput(
            f"child encodings: version {doc.get('version')!r} (this reads {WIRE_VERSION})"
        )
    if doc.get("params") != params.fingerprint():
        raise BadInput("child encodings: made with different encoding parameters")
    if secret is not None and doc.get("key_check") not in (None, key_check(secret)):
        raise BadInput("child encodings: made with a different shared secret")
    size = 2 * params.bits // 8 if params.balanced else params.bits // 8
    out = []
    for n, item in enumerate(doc.get("encodings") or [], start=1):
        try:
            clk = base64.b64decode(item["clk"], validate=True)
            ref, blocks = str(item["ref"]), tuple(str(b) for b in item["blocks"])
        except (KeyError, TypeError, ValueError) as exc:
            raise BadInput(f"child encodings: encoding {n} is malformed ({exc})") from None
        if len(clk) != size:
            raise BadInput(f"child encodings: encoding {n} has {len(clk)} bytes, not {size}")
        out.append(ChildEncoding(ref, clk, blocks))
    return out

"""The attacks the threat model (docs/exchange.md) is measured against, as plain functions.

In: Bloom filters an attacker holds (one side's export) and a public name-frequency list.
Out: a guessed name per filter (or None), and the share guessed right.

- ``frequency_alignment``: the frequency attack of Kuzu et al. (2011) and Christen et al.
  (2017) in its simplest effective form: filters that are bit-for-bit identical are the same
  value, so rank the distinct filters by how often they occur and align that ranking with the
  public list's. It needs no secret. It defeats field-level filters of names (one filter per
  forename), keyed or not; the hardening (record-level filters, names salted with the year of
  birth, balancing) leaves it no repeated patterns to align.
- ``dictionary_attack``: what the other partnership can do, since it holds the shared secret:
  encode each public name the same way and test whether all its bits are set in a filter.
  The scheme cannot stop a holder of the secret; docs/exchange.md says so and what bounds it.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import date

import numpy as np

from joinedup.exchange.encoding import (
    DEFAULT_PARAMS,
    ChildIdentity,
    EncodingParams,
    bigrams,
    encode_children,
    normalise_name,
    permutation,
)
from joinedup.exchange.matching import as_words

FORENAME_ONLY = EncodingParams(
    k_surname=0,
    k_dob_part=0,
    k_sex=0,
    k_postcode=0,
    k_nhs=0,
    salt_names_with_year=False,
    balanced=False,
)  # an unhardened field-level filter of the forename alone (the textbook weak case)


def frequency_alignment(
    filters: Sequence[bytes],
    public: Sequence[tuple[str, float]],
    *,
    top: int = 20,
    k: int = FORENAME_ONLY.k_forename,
) -> list[str | None]:
    """Guess the name behind each filter: the distinct filters seen more than once, split by
    how many q-grams their Hamming weight says they hold (a filter of ``bits`` with ``k``
    positions per q-gram), are ranked by frequency within each split and aligned rank for
    rank with the public names holding that many distinct bigrams. The ``top`` most
    frequent repeated filters are guessed, the rest left alone."""
    by_grams: dict[int, list[str]] = {}
    for name, _ in sorted(public, key=lambda p: -p[1]):
        norm = normalise_name(name, first_only=True)
        by_grams.setdefault(len(set(bigrams(norm))), []).append(norm)
    counts = Counter(filters)
    ranked = [f for f, c in counts.most_common() if c >= 2][:top]
    seen: Counter[int] = Counter()
    guess: dict[bytes, str] = {}
    for f in ranked:
        grams = _grams_from_weight(f, k)
        names = by_grams.get(grams, [])
        if seen[grams] < len(names):
            guess[f] = names[seen[grams]]
        seen[grams] += 1
    return [guess.get(f) for f in filters]


def _grams_from_weight(f: bytes, k: int) -> int:
    """Distinct q-grams a filter of len(f)*8 bits most likely holds, from its weight."""
    bits = len(f) * 8
    ones = int(np.unpackbits(np.frombuffer(f, np.uint8)).sum())
    if ones >= bits:
        return 0
    return round(math.log(1 - ones / bits) / (k * math.log(1 - 1 / bits)))


def dictionary_attack(
    filters: Sequence[bytes],
    public: Sequence[tuple[str, float]],
    secret: bytes,
    *,
    params: EncodingParams = DEFAULT_PARAMS,
    years: Sequence[int] = tuple(range(2008, 2027)),
    top: int = 300,
) -> list[str | None]:
    """With the secret: for each filter the most frequent of the ``top`` public forenames
    (tried with every salt year) whose bits are all set in it. Balanced filters are attacked
    on their first half after undoing the keyed permutation, which the secret also gives."""
    names = [n for n, _ in sorted(public, key=lambda p: -p[1])][:top]
    probe = replace(
        FORENAME_ONLY,
        bits=params.bits,
        k_forename=params.k_forename,
        salt_names_with_year=params.salt_names_with_year,
    )
    salts = tuple(years) if params.salt_names_with_year else (2000,)
    people = [
        ChildIdentity(f"{n}|{y}", n, "", date(y, 1, 1), None, (), None)
        for n in names
        for y in salts
    ]
    probes = as_words(encode_children(people, secret, export_salt=b"probe", params=probe))
    raw = np.frombuffer(b"".join(filters), np.uint8).reshape(len(filters), -1)
    if params.balanced:
        bits = np.unpackbits(raw, axis=1)
        plain = np.empty_like(bits)
        plain[:, permutation(secret, 2 * params.bits)] = bits
        raw = np.packbits(plain[:, : params.bits], axis=1)
    have = raw.copy().view(np.uint64)
    out: list[str | None] = []
    for row in have:
        hit = ~np.any(probes & ~row, axis=1)  # every bit of the probe is set in the filter
        first = int(np.argmax(hit)) if hit.any() else -1
        out.append(
            normalise_name(names[first // len(salts)], first_only=True) if first >= 0 else None
        )
    return out


def recovered(guesses: Sequence[str | None], truth: Sequence[str]) -> float:
    """Share of records whose forename was guessed right."""
    right = sum(
        1
        for g, t in zip(guesses, truth, strict=True)
        if g and g == normalise_name(t, first_only=True)
    )
    return right / max(1, len(truth))

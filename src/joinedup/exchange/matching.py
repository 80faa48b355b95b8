"""Discovery: which of our children's encodings match which of theirs, on encodings only.

In: two sequences of ``ChildEncoding`` made with the same secret and parameters, and a Dice
threshold. Out: ``Discovery`` rows (our ref, their ref, Dice similarity), one-to-one: a child
matches at most once. Blocked (only pairs sharing a keyed blocking key are scored), scored
with a vectorised popcount (numpy 2's ``bitwise_count`` on 64-bit words), then assigned
greedily from the highest score down, which for Dice scores with a clear gap between
matches and non-matches gives the same pairs as an optimal assignment, at O(n log n).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from joinedup.errors import BadInput
from joinedup.exchange.encoding import DEFAULT_PARAMS, IDENTIFIER_BLOCK, ChildEncoding

# Measured on generated pairs (bench/bench_exchange_discovery.py, docs/exchange.md): at 0.92
# namesakes born in the same year, one without an NHS number, passed at 100,000 children per
# side (precision 0.973); at 0.94 precision is 0.9986 there and recall 0.992 at both sizes.
DEFAULT_THRESHOLD = 0.94
IDENTIFIER_THRESHOLD = 0.75  # for pairs with the same NHS number (its blocking key)
# For pairs that do not share every coarse blocking key (the full date of birth, surname
# prefix and year, initials and year and month): namesakes born close together score up to
# about 0.96 and agree on one or two of the keys only (tuned on seed 1 of the bench's
# 3,000-per-side pair without NHS numbers; checked on seeds 2 and 3, docs/exchange.md).
STRICT_THRESHOLD = 0.965
COARSE_KEYS = sum(1 for kind in DEFAULT_PARAMS.block_kinds if kind != "nhs")
_CHUNK = 200_000  # pairs scored at once (two arrays of chunk x words uint64)


@dataclass(frozen=True)
class Discovery:
    our_ref: str
    their_ref: str
    score: float  # Dice similarity of the two Bloom filters


def as_words(encodings: Sequence[ChildEncoding]) -> np.ndarray:
    """The filters as an (n, words) uint64 array (zero-padded to whole words)."""
    if not encodings:
        return np.zeros((0, 1), dtype=np.uint64)
    size = len(encodings[0].clk)
    if any(len(e.clk) != size for e in encodings):
        raise BadInput("child encodings of different lengths cannot be compared")
    raw = np.frombuffer(b"".join(e.clk for e in encodings), dtype=np.uint8).reshape(-1, size)
    pad = (-size) % 8
    if pad:
        raw = np.concatenate([raw, np.zeros((len(raw), pad), dtype=np.uint8)], axis=1)
    return raw.view(np.uint64)


def candidate_pairs(
    ours: Sequence[ChildEncoding], theirs: Sequence[ChildEncoding]
) -> tuple[np.ndarray, np.ndarray]:
    """Index pairs (i into ours, j into theirs) sharing at least one blocking key, unique."""
    pi, pj, _ = blocked_pairs(ours, theirs)
    return pi, pj


def blocked_pairs(
    ours: Sequence[ChildEncoding], theirs: Sequence[ChildEncoding]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``candidate_pairs`` and, for each pair, how many blocking keys the two share (a key
    is of one kind: the kind is in what is hashed)."""
    ids: dict[str, int] = {}
    ok, oi = _flatten(ours, ids, grow=True)
    tk, ti = _flatten(theirs, ids, grow=False)
    keep = tk >= 0
    tk, ti = tk[keep], ti[keep]
    order = np.argsort(tk, kind="stable")
    tk, ti = tk[order], ti[order]
    lo = np.searchsorted(tk, ok, side="left")
    hi = np.searchsorted(tk, ok, side="right")
    counts = hi - lo
    total = int(counts.sum())
    if total == 0:
        empty = np.zeros(0, dtype=np.int64)
        return empty, empty, empty
    pi = np.repeat(oi, counts)
    starts = np.repeat(lo - (np.cumsum(counts) - counts), counts)
    pj = ti[starts + np.arange(total)]
    width = max(1, len(theirs))
    code, shared = np.unique(pi.astype(np.int64) * width + pj, return_counts=True)
    return code // width, code % width, shared.astype(np.int64)


def _flatten(
    encodings: Sequence[ChildEncoding], ids: dict[str, int], *, grow: bool
) -> tuple[np.ndarray, np.ndarray]:
    keys, idx = [], []
    for i, e in enumerate(encodings):
        for b in e.blocks:
            if grow:
                keys.append(ids.setdefault(b, len(ids)))
            else:
                keys.append(ids.get(b, -1))
            idx.append(i)
    return np.asarray(keys, dtype=np.int64), np.asarray(idx, dtype=np.int64)


def dice_scores(a: np.ndarray, b: np.ndarray, pi: np.ndarray, pj: np.ndarray) -> np.ndarray:
    """Dice similarity 2|A and B| / (|A| + |B|) of each pair (pi[n], pj[n])."""
    weight_a = np.bitwise_count(a).sum(axis=1, dtype=np.int64)
    weight_b = np.bitwise_count(b).sum(axis=1, dtype=np.int64)
    out = np.empty(len(pi), dtype=np.float64)
    for s in range(0, len(pi), _CHUNK):
        i, j = pi[s : s + _CHUNK], pj[s : s + _CHUNK]
        both = np.bitwise_count(a[i] & b[j]).sum(axis=1, dtype=np.int64)
        denom = weight_a[i] + weight_b[j]
        out[s : s + _CHUNK] = np.where(denom > 0, 2.0 * both / np.maximum(denom, 1), 0.0)
    return out


def one_to_one(pi: np.ndarray, pj: np.ndarray, score: np.ndarray) -> np.ndarray:
    """Greedy assignment: indices of the pairs kept, best score first, each side used once."""
    order = np.lexsort((pj, pi, -score))  # ties broken by index, so the result is stable
    used_i: set[int] = set()
    used_j: set[int] = set()
    kept = []
    for n in order.tolist():
        i, j = int(pi[n]), int(pj[n])
        if i in used_i or j in used_j:
            continue
        used_i.add(i)
        used_j.add(j)
        kept.append(n)
    return np.asarray(kept, dtype=np.int64)


def _identifiers(
    ours: Sequence[ChildEncoding], theirs: Sequence[ChildEncoding], pi: np.ndarray, pj: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """For each pair: both have an NHS number's key and it is the same / they differ."""

    def ident(e: ChildEncoding) -> str:
        return next((b for b in e.blocks if b.startswith(IDENTIFIER_BLOCK)), "")

    a = [ident(ours[i]) for i in pi.tolist()]
    b = [ident(theirs[j]) for j in pj.tolist()]
    both = np.fromiter((bool(x and y) for x, y in zip(a, b, strict=True)), bool, len(a))
    equal = np.fromiter((x == y for x, y in zip(a, b, strict=True)), bool, len(a))
    return both & equal, both & ~equal


def accepted(
    score: np.ndarray, shared: np.ndarray, same: np.ndarray, differ: np.ndarray, *,
    threshold: float, strict_threshold: float = STRICT_THRESHOLD,
    identifier_threshold: float = IDENTIFIER_THRESHOLD,
) -> np.ndarray:  # fmt: skip
    """Which pairs may match (before the one-to-one assignment), from each pair's score, the
    number of blocking keys it shares and whether its NHS numbers' keys agree or differ
    (``discover``'s rules; the bench sweeps them)."""
    every_key = shared - same >= COARSE_KEYS  # the NHS number's key, when shared, aside
    strict = max(threshold, strict_threshold)
    return (
        (score >= strict)
        | ((score >= threshold) & every_key)
        | (same & (score >= identifier_threshold))
    ) & ~differ


def discover(
    ours: Sequence[ChildEncoding],
    theirs: Sequence[ChildEncoding],
    *,
    threshold: float,
    strict_threshold: float = STRICT_THRESHOLD,
    identifier_threshold: float = IDENTIFIER_THRESHOLD,
) -> list[Discovery]:
    """Children both sides hold: blocked, Dice-scored, one-to-one. A pair matches when it
    scores at least ``threshold`` and shares every coarse blocking key (date of birth,
    surname prefix and birth year, initials and birth month: two namesakes born close
    together share one or two), or at least ``strict_threshold`` whatever its keys, or at
    least ``identifier_threshold`` when it shares the NHS number's key (the same NHS number:
    a wrong year of birth changes the salted names too, and would otherwise lose the pair).
    A pair whose NHS numbers both exist and differ is never a match: two children with the
    same name and date of birth differ in little else, and filter collisions shrink what
    the NHS number alone changes in the score."""
    if not 0.0 < threshold <= 1.0:
        raise BadInput("threshold must be a Dice similarity in (0, 1]")
    if not ours or not theirs:
        return []
    if len(ours[0].clk) != len(theirs[0].clk):
        raise BadInput("the two exports' encodings differ in length: different parameters")
    pi, pj, shared = blocked_pairs(ours, theirs)
    if len(pi) == 0:
        return []
    score = dice_scores(as_words(ours), as_words(theirs), pi, pj)
    near = np.flatnonzero(score >= min(threshold, identifier_threshold))
    same, differ = _identifiers(ours, theirs, pi[near], pj[near])
    keep = np.zeros(len(score), dtype=bool)
    keep[near] = accepted(score[near], shared[near], same, differ, threshold=threshold,
                          strict_threshold=strict_threshold,
                          identifier_threshold=identifier_threshold)  # fmt: skip
    pi, pj, score = pi[keep], pj[keep], score[keep]
    chosen = one_to_one(pi, pj, score)
    return [
        Discovery(ours[int(pi[n])].ref, theirs[int(pj[n])].ref, round(float(score[n]), 6))
        for n in chosen
    ]

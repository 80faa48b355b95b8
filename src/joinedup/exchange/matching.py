"""Matching encodings only: candidate pairs share a block key, scored by the Dice
coefficient of their filters, kept at or above the threshold, each child matched once
(greedy, best score first). A SIMPLE working version; the "pprl" helper's module replaces it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from joinedup.exchange.encoding import ChildEncoding


@dataclass(frozen=True)
class Discovery:
    our_ref: str
    their_ref: str
    score: float


def dice(a: bytes, b: bytes) -> float:
    x, y = int.from_bytes(a, "big"), int.from_bytes(b, "big")
    total = x.bit_count() + y.bit_count()
    return 0.0 if total == 0 else 2 * (x & y).bit_count() / total


def discover(
    ours: Iterable[ChildEncoding], theirs: Iterable[ChildEncoding], *, threshold: float
) -> list[Discovery]:
    mine = list(ours)
    index: dict[str, list[ChildEncoding]] = {}
    for encoding in theirs:
        for block in encoding.blocks:
            index.setdefault(block, []).append(encoding)
    scored: list[Discovery] = []
    for encoding in mine:
        seen: set[str] = set()
        for block in encoding.blocks:
            for other in index.get(block, ()):
                if other.ref in seen:
                    continue
                seen.add(other.ref)
                score = dice(encoding.clk, other.clk)
                if score >= threshold:
                    scored.append(Discovery(encoding.ref, other.ref, round(score, 6)))
    scored.sort(key=lambda d: (-d.score, d.our_ref, d.their_ref))
    taken_ours: set[str] = set()
    taken_theirs: set[str] = set()
    found = []
    for d in scored:
        if d.our_ref in taken_ours or d.their_ref in taken_theirs:
            continue
        taken_ours.add(d.our_ref)
        taken_theirs.add(d.their_ref)
        found.append(d)
    return found

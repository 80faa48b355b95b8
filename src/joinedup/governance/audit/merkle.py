"""RFC 6962 / RFC 9162 Merkle tree hashing and proofs: pure functions, no database.

Leaves are hashed ``SHA-256(0x00 || leaf)`` and interior nodes ``SHA-256(0x01 || left ||
right)``; the two prefixes stop a leaf from being passed off as a node (second preimage).
The tree hash of ``n`` leaves splits at ``k``, the largest power of two below ``n``.

Proofs are described first as the *ranges* of leaves whose subtree hashes they contain
(``inclusion_ranges``, ``consistency_ranges``), so a caller holding millions of leaves in a
database can compute them in one streaming pass with bounded memory (``RangeHasher``); the
in-memory ``inclusion_proof``/``consistency_proof`` are the same thing over a list.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Sequence

HASH_SIZE = 32
EMPTY_ROOT = hashlib.sha256(b"").digest()  # MTH({}) for the empty tree
Range = tuple[int, int]  # leaves [start, end)


class ProofError(ValueError):
    """A proof did not verify; the message says why."""


def leaf_hash(leaf: bytes) -> bytes:
    """RFC 6962 leaf hash: SHA-256 of 0x00 followed by the leaf bytes."""
    return hashlib.sha256(b"\x00" + leaf).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """RFC 6962 interior node hash: SHA-256 of 0x01, the left and the right child hashes."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def _split(n: int) -> int:
    """The largest power of two strictly smaller than ``n`` (n >= 2)."""
    return 1 << ((n - 1).bit_length() - 1)


class CompactRange:
    """The right edge of a growing tree: one hash per set bit of its size (O(log n) memory).

    Appending leaf hashes one by one and asking for ``root()`` gives MTH of all of them;
    ``nodes()`` names the perfect subtrees it holds, which a consistency proof reuses.
    """

    __slots__ = ("size", "_stack")

    def __init__(self, size: int = 0, hashes: Sequence[bytes] = ()) -> None:
        if len(hashes) != bin(size).count("1"):
            raise ValueError(f"a compact range of {size} leaves has {bin(size).count('1')} hashes")
        self.size = size
        self._stack = list(hashes)

    def append(self, hash_: bytes) -> None:
        """Add the next leaf hash, merging completed perfect subtrees."""
        self._stack.append(hash_)
        self.size += 1
        size = self.size
        while size & 1 == 0:  # each trailing zero bit is a pair of equal subtrees to merge
            right = self._stack.pop()
            self._stack[-1] = node_hash(self._stack[-1], right)
            size >>= 1

    def root(self) -> bytes:
        """MTH of the leaves appended so far (``EMPTY_ROOT`` for none)."""
        if not self._stack:
            return EMPTY_ROOT
        root = self._stack[-1]
        for left in reversed(self._stack[:-1]):
            root = node_hash(left, root)
        return root

    def hashes(self) -> list[bytes]:
        """The stored subtree hashes, largest (leftmost) first: enough to resume appending."""
        return list(self._stack)

    def nodes(self) -> dict[Range, bytes]:
        """Each stored hash keyed by the leaf range of its perfect subtree."""
        ranges: dict[Range, bytes] = {}
        start = 0
        for bit in reversed(range(self.size.bit_length())):
            if self.size >> bit & 1:
                ranges[(start, start + (1 << bit))] = self._stack[len(ranges)]
                start += 1 << bit
        return ranges


def tree_hash(leaf_hashes: Iterable[bytes]) -> bytes:
    """MTH of a sequence of leaf hashes, streaming (RFC 6962 §2.1)."""
    compact = CompactRange()
    for h in leaf_hashes:
        compact.append(h)
    return compact.root()


def inclusion_ranges(index: int, size: int) -> list[Range]:
    """The leaf ranges whose hashes form the audit path of leaf ``index`` in a tree of
    ``size`` leaves, in proof order (nearest sibling first): RFC 6962 §2.1.1 PATH."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of {size} leaves")
    path: list[Range] = []
    start, end = 0, size
    while end - start > 1:
        k = _split(end - start)
        if index - start < k:
            path.append((start + k, end))
            end = start + k
        else:
            path.append((start, start + k))
            start += k
    return path[::-1]  # recursion order is root-down; the proof lists leaf-up


def consistency_ranges(size1: int, size2: int) -> list[Range]:
    """The leaf ranges whose hashes form the consistency proof from ``size1`` to ``size2``
    leaves, in proof order: RFC 6962 §2.1.2 PROOF / SUBPROOF."""
    if not 0 < size1 <= size2:
        raise ProofError(f"no consistency proof from size {size1} to size {size2}")
    ranges: list[Range] = []
    start, end, m, whole = 0, size2, size1, True
    while True:
        n = end - start
        if m == n:
            if not whole:
                ranges.append((start, end))
            break
        k = _split(n)
        if m <= k:
            ranges.append((start + k, end))
            end = start + k
        else:
            ranges.append((start, start + k))
            start, m, whole = start + k, m - k, False
    return ranges[::-1]


class RangeHasher:
    """Hashes of disjoint leaf ranges, computed in one pass over leaf hashes in order."""

    def __init__(self, ranges: Iterable[Range]) -> None:
        self._pending = sorted(set(ranges))
        for (_, end), (start, _) in zip(self._pending, self._pending[1:], strict=False):
            if start < end:
                raise ValueError("ranges overlap")
        self._position = 0
        self._current: CompactRange | None = None
        self.hashes: dict[Range, bytes] = {}

    def feed(self, index: int, hash_: bytes) -> None:
        """Offer the leaf hash at ``index``; offer leaves in increasing index order."""
        pending = self._pending
        while self._position < len(pending) and pending[self._position][1] <= index:
            self._position += 1  # a range passed by without completing (leaves skipped)
            self._current = None
        if self._position == len(pending):
            return
        start, end = pending[self._position]
        if index < start:
            return
        if self._current is None or self._current.size != index - start:
            if index != start:
                return  # joined mid-range: this range cannot be completed
            self._current = CompactRange()
        self._current.append(hash_)
        if index + 1 == end:
            self.hashes[(start, end)] = self._current.root()
            self._current = None
            self._position += 1

    @property
    def complete(self) -> bool:
        return len(self.hashes) == len(self._pending)


def _hashes_of(ranges: Sequence[Range], leaf_hashes: Sequence[bytes]) -> list[bytes]:
    return [tree_hash(leaf_hashes[a:b]) for a, b in ranges]


def inclusion_proof(index: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The audit path of leaf ``index`` in the tree of all ``leaf_hashes``."""
    return _hashes_of(inclusion_ranges(index, len(leaf_hashes)), leaf_hashes)


def consistency_proof(size1: int, leaf_hashes: Sequence[bytes]) -> list[bytes]:
    """The consistency proof from the first ``size1`` leaves to all ``leaf_hashes``."""
    return _hashes_of(consistency_ranges(size1, len(leaf_hashes)), leaf_hashes)


def _same(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


def _check_components(proof: Sequence[bytes]) -> None:
    for i, component in enumerate(proof):
        if len(component) != HASH_SIZE:
            raise ProofError(f"proof component {i} is {len(component)} bytes, not {HASH_SIZE}")


def root_from_inclusion_proof(index: int, size: int, leaf: bytes, proof: Sequence[bytes]) -> bytes:
    """The root that ``proof`` implies for leaf hash ``leaf`` at ``index`` of ``size``
    (RFC 9162 §2.1.3.2); raises ``ProofError`` when the proof has the wrong shape."""
    if not 0 <= index < size:
        raise ProofError(f"leaf index {index} is not in a tree of {size} leaves")
    if len(leaf) != HASH_SIZE:
        raise ProofError(f"leaf hash is {len(leaf)} bytes, not {HASH_SIZE}")
    _check_components(proof)
    fn, sn, root = index, size - 1, leaf
    for component in proof:
        if sn == 0:
            raise ProofError("proof is longer than the path to the root")
        if fn & 1 or fn == sn:
            root = node_hash(component, root)
            if not fn & 1:
                while not fn & 1 and fn != 0:  # skip levels where this node has no sibling
                    fn, sn = fn >> 1, sn >> 1
        else:
            root = node_hash(root, component)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("proof is shorter than the path to the root")
    return root


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], root: bytes
) -> None:
    """Check that leaf hash ``leaf`` is at ``index`` in the tree of ``size`` leaves whose
    root is ``root``; raises ``ProofError`` naming the reason, returns None when it holds."""
    if not _same(root_from_inclusion_proof(index, size, leaf, proof), root):
        raise ProofError("the proof leads to a different root")


def verify_consistency(
    size1: int, size2: int, root1: bytes, root2: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree of ``size2`` leaves with ``root2`` extends the tree of ``size1``
    leaves with ``root1`` (RFC 9162 §2.1.4.2); raises ``ProofError`` when it does not.

    Stricter than the RFC at the edges, on purpose: an empty tree's root must be the hash of
    nothing, and a "proof" from the empty tree is refused because it proves nothing.
    """
    if size2 < size1:
        raise ProofError(f"size2 ({size2}) is smaller than size1 ({size1})")
    if size1 == size2:
        if proof:
            raise ProofError("trees of the same size need an empty proof")
        if not _same(root1, root2):
            raise ProofError("trees of the same size have different roots")
        if size1 == 0 and not _same(root1, EMPTY_ROOT):
            raise ProofError("the empty tree's root is not the hash of nothing")
        return
    if size1 == 0:
        raise ProofError("every tree extends the empty tree: there is nothing to prove")
    if not proof:
        raise ProofError("the proof is empty")
    _check_components(proof)
    path = list(proof)
    if size1 & (size1 - 1) == 0:  # old tree is a perfect subtree: its root starts the path
        path.insert(0, root1)
    fn, sn = size1 - 1, size2 - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    old = new = path[0]
    for component in path[1:]:
        if sn == 0:
            raise ProofError("proof is longer than needed")
        if fn & 1 or fn == sn:
            old, new = node_hash(component, old), node_hash(component, new)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn, sn = fn >> 1, sn >> 1
        else:
            new = node_hash(new, component)
        fn, sn = fn >> 1, sn >> 1
    if sn != 0:
        raise ProofError("proof is shorter than needed")
    if not _same(old, root1):
        raise ProofError("the proof does not lead to the old root")
    if not _same(new, root2):
        raise ProofError("the proof does not lead to the new root")

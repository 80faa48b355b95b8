"""Properties of the Merkle proofs over random trees: every honest proof verifies, and any
single flipped bit, wrong index or wrong size is rejected."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from joinedup.governance.audit.merkle import (
    CompactRange,
    ProofError,
    RangeHasher,
    consistency_proof,
    consistency_ranges,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)


def _leaves(n: int) -> list[bytes]:
    return [leaf_hash(i.to_bytes(4, "big")) for i in range(n)]


def _reference_root(hashes: list[bytes]) -> bytes:
    """RFC 6962 §2.1 read literally: split at the largest power of two below n."""
    if len(hashes) == 1:
        return hashes[0]
    k = 1
    while k * 2 < len(hashes):
        k *= 2
    return node_hash(_reference_root(hashes[:k]), _reference_root(hashes[k:]))


def _flip(data: bytes, bit: int) -> bytes:
    flipped = bytearray(data)
    flipped[bit // 8 % len(data)] ^= 1 << (bit % 8)
    return bytes(flipped)


sizes = st.integers(min_value=1, max_value=300)


@given(n=sizes)
def test_streaming_tree_hash_equals_the_recursive_definition(n: int) -> None:
    hashes = _leaves(n)
    assert tree_hash(hashes) == _reference_root(hashes)


@given(data=st.data(), n=sizes)
def test_inclusion_proofs_verify_and_any_flipped_bit_fails(data: st.DataObject, n: int) -> None:
    hashes = _leaves(n)
    index = data.draw(st.integers(0, n - 1))
    proof, root = inclusion_proof(index, hashes), tree_hash(hashes)
    verify_inclusion(index, n, hashes[index], proof, root)
    bit = data.draw(st.integers(0, 255))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        forged = [*proof[:which], _flip(proof[which], bit), *proof[which + 1 :]]
        with pytest.raises(ProofError):
            verify_inclusion(index, n, hashes[index], forged, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, n, _flip(hashes[index], bit), proof, root)
    with pytest.raises(ProofError):
        verify_inclusion(index, n, hashes[index], proof, _flip(root, bit))


@given(data=st.data(), n=st.integers(min_value=2, max_value=300))
def test_inclusion_proofs_fail_at_a_wrong_index_or_size(data: st.DataObject, n: int) -> None:
    hashes = _leaves(n)
    index = data.draw(st.integers(0, n - 1))
    proof, root = inclusion_proof(index, hashes), tree_hash(hashes)
    wrong_index = data.draw(st.integers(0, n - 1).filter(lambda i: i != index))
    with pytest.raises(ProofError):
        verify_inclusion(wrong_index, n, hashes[index], proof, root)
    # A size is only meaningful with its root (a signed head binds the two): a proof for n
    # leaves must not pass for another size against that size's real root.
    wrong_size = data.draw(st.integers(index + 1, 2 * n).filter(lambda s: s != n))
    with pytest.raises(ProofError):
        verify_inclusion(index, wrong_size, hashes[index], proof, tree_hash(_leaves(wrong_size)))


@given(data=st.data(), n=sizes)
def test_consistency_proofs_verify_and_any_flipped_bit_fails(data: st.DataObject, n: int) -> None:
    hashes = _leaves(n)
    m = data.draw(st.integers(1, n))
    proof = consistency_proof(m, hashes)
    old_root, new_root = tree_hash(hashes[:m]), tree_hash(hashes)
    verify_consistency(m, n, old_root, new_root, proof)
    bit = data.draw(st.integers(0, 255))
    if proof:
        which = data.draw(st.integers(0, len(proof) - 1))
        forged = [*proof[:which], _flip(proof[which], bit), *proof[which + 1 :]]
        with pytest.raises(ProofError):
            verify_consistency(m, n, old_root, new_root, forged)
    with pytest.raises(ProofError):
        verify_consistency(m, n, _flip(old_root, bit), new_root, proof)
    with pytest.raises(ProofError):
        verify_consistency(m, n, old_root, _flip(new_root, bit), proof)


@given(data=st.data(), n=st.integers(min_value=3, max_value=300))
def test_consistency_proofs_fail_for_other_sizes(data: st.DataObject, n: int) -> None:
    hashes = _leaves(n)
    m = data.draw(st.integers(1, n - 1))
    proof = consistency_proof(m, hashes)
    old_root, new_root = tree_hash(hashes[:m]), tree_hash(hashes)
    wrong_old = data.draw(st.integers(1, n - 1).filter(lambda s: s != m))
    with pytest.raises(ProofError):
        verify_consistency(wrong_old, n, tree_hash(hashes[:wrong_old]), new_root, proof)
    wrong_new = data.draw(st.integers(m + 1, 2 * n).filter(lambda s: s != n))
    with pytest.raises(ProofError):
        verify_consistency(m, wrong_new, old_root, tree_hash(_leaves(wrong_new)), proof)


@settings(max_examples=50)
@given(data=st.data(), n=sizes)
def test_old_tree_parts_of_a_consistency_proof_are_nodes_of_its_compact_range(
    data: st.DataObject, n: int
) -> None:
    # The verifier rebuilds proofs between successive heads from the older head's compact
    # range plus a streaming pass over the newer entries; that relies on this property.
    hashes = _leaves(n)
    m = data.draw(st.integers(1, n))
    old = CompactRange()
    for h in hashes[:m]:
        old.append(h)
    ranges = consistency_ranges(m, n)
    newer = RangeHasher(r for r in ranges if r[0] >= m)
    for i in range(m, n):
        newer.feed(i, hashes[i])
    nodes = old.nodes()
    rebuilt = [nodes.get(r) or newer.hashes[r] for r in ranges]
    assert rebuilt == consistency_proof(m, hashes)
    assert all(r in nodes for r in ranges if r[1] <= m)

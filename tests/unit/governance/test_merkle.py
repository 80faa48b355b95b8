"""RFC 6962 hashing and proofs against the public transparency-dev/merkle vectors."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from joinedup.governance.audit.merkle import (
    EMPTY_ROOT,
    CompactRange,
    ProofError,
    consistency_proof,
    inclusion_proof,
    leaf_hash,
    node_hash,
    tree_hash,
    verify_consistency,
    verify_inclusion,
)

VECTORS = Path(__file__).resolve().parents[3] / "standards" / "merkle-testdata"
INCLUSION = sorted((VECTORS / "inclusion").rglob("*.json"))
CONSISTENCY = sorted((VECTORS / "consistency").rglob("*.json"))


def test_the_public_proof_vectors_are_all_there() -> None:
    """Without the vendored vectors (standards/merkle-testdata) the vector tests below would
    have no cases (and pass by running nothing): fail loudly instead."""
    assert VECTORS.is_dir(), f"{VECTORS} is missing"
    assert len(INCLUSION) > 50 and len(CONSISTENCY) > 50


def _b64(value: str | None) -> bytes:
    return base64.b64decode(value) if value else b""


def _case_id(path: Path) -> str:
    return str(path.relative_to(VECTORS))


def test_the_vector_folders_are_there_and_hold_both_outcomes() -> None:
    # Guards the parametrisation below from silently running over nothing.
    assert len(INCLUSION) > 60 and len(CONSISTENCY) > 60
    wanted = {json.loads(p.read_text())["wantErr"] for p in INCLUSION + CONSISTENCY}
    assert wanted == {True, False}


@pytest.mark.parametrize("path", INCLUSION, ids=_case_id)
def test_inclusion_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    check = lambda: verify_inclusion(  # noqa: E731
        case["leafIdx"],
        case["treeSize"],
        _b64(case["leafHash"]),
        [_b64(p) for p in case["proof"] or []],
        _b64(case["root"]),
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


@pytest.mark.parametrize("path", CONSISTENCY, ids=_case_id)
def test_consistency_vector(path: Path) -> None:
    case = json.loads(path.read_text())
    check = lambda: verify_consistency(  # noqa: E731
        case["size1"],
        case["size2"],
        _b64(case["root1"]),
        _b64(case["root2"]),
        [_b64(p) for p in case["proof"] or []],
    )
    if case["wantErr"]:
        with pytest.raises(ProofError):
            check()
    else:
        check()


# The eight-leaf reference tree of RFC 6962's test suite (certificate-transparency-go):
# leaves "", 0x00, 0x10, 0x2021, 0x3031, 0x40414243, 0x5051525354555657, 0x606162...6f.
RFC_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    bytes(range(0x50, 0x58)),
    bytes(range(0x60, 0x70)),
]
RFC_ROOTS = {  # MTH of the first n leaves, from the same suite
    1: "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    2: "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    3: "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    4: "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    5: "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    6: "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    7: "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    8: "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
}


def test_leaf_and_node_hashes_use_the_rfc_prefixes() -> None:
    assert leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert tree_hash([]) == EMPTY_ROOT == hashlib.sha256(b"").digest()


@pytest.mark.parametrize("n", sorted(RFC_ROOTS))
def test_tree_hash_matches_the_reference_roots(n: int) -> None:
    assert tree_hash(leaf_hash(leaf) for leaf in RFC_LEAVES[:n]).hex() == RFC_ROOTS[n]


def test_compact_range_resumes_from_its_stored_hashes() -> None:
    hashes = [leaf_hash(leaf) for leaf in RFC_LEAVES]
    first = CompactRange()
    for h in hashes[:5]:
        first.append(h)
    resumed = CompactRange(first.size, first.hashes())
    for h in hashes[5:]:
        resumed.append(h)
    assert resumed.root().hex() == RFC_ROOTS[8]
    assert list(first.nodes()) == [(0, 4), (4, 5)]
    with pytest.raises(ValueError):
        CompactRange(5, first.hashes()[:1])


def test_generated_proofs_verify_for_every_index_and_size_of_the_reference_tree() -> None:
    hashes = [leaf_hash(leaf) for leaf in RFC_LEAVES]
    for size in range(1, 9):
        root = bytes.fromhex(RFC_ROOTS[size])
        for index in range(size):
            verify_inclusion(
                index, size, hashes[index], inclusion_proof(index, hashes[:size]), root
            )
        for old in range(1, size + 1):
            proof = consistency_proof(old, hashes[:size])
            verify_consistency(old, size, bytes.fromhex(RFC_ROOTS[old]), root, proof)


def test_a_proof_for_one_leaf_does_not_prove_its_neighbour() -> None:
    hashes = [leaf_hash(leaf) for leaf in RFC_LEAVES]
    proof = inclusion_proof(2, hashes)
    with pytest.raises(ProofError):
        verify_inclusion(2, 8, hashes[3], proof, bytes.fromhex(RFC_ROOTS[8]))
    with pytest.raises(ProofError):
        verify_inclusion(3, 8, hashes[2], proof, bytes.fromhex(RFC_ROOTS[8]))

"""Inclusion and consistency proofs made from the stored log verify offline against the
signed head and the public key, and forged ones (flipped bits, wrong index, wrong size, a
head from another key) are rejected."""

# ruff: noqa: F811  (pytest fixtures imported from audit_fixtures are test arguments)

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Engine

from joinedup.errors import BadInput, NotFound
from joinedup.governance.audit import append, checkpoint
from joinedup.governance.audit.heads import Signer, key_id_of, trusted_keys
from joinedup.governance.audit.merkle import ProofError
from joinedup.governance.audit.proofs import check_proof_document, consistency, inclusion
from tests.integration.governance.audit_fixtures import (  # noqa: F401  (fixtures)
    audit_key_dir,
    engine,
    migrated_store,
)


def write_log(engine: Engine, entries: int, heads_at: tuple[int, ...]) -> None:
    with engine.begin() as connection:
        for seq in range(entries):
            append(connection, kind="ACCESS", actor=f"w{seq}", subject="P-1", details={"n": seq})
            if seq + 1 in heads_at:
                checkpoint(connection)


def _flip_hex(value: str, position: int = 0) -> str:
    raw = bytearray(bytes.fromhex(value))
    raw[position % len(raw)] ^= 0x01
    return raw.hex()


@pytest.fixture
def signed_log(engine: Engine) -> Engine:
    write_log(engine, 23, (6, 13, 21))
    return engine


def test_an_inclusion_proof_checks_out_against_the_signed_head(signed_log: Engine) -> None:
    with signed_log.connect() as connection:
        document = inclusion(connection, 9)
    assert document["tree_size"] == 21  # the newest head covering entry 9
    assert document["signed_head"]["root_hash"] == document["root_hash"]
    keys = trusted_keys(signed_log.url)
    assert "entry 9 is included" in check_proof_document(document, keys)


def test_every_entry_has_a_valid_proof_at_every_head_covering_it(signed_log: Engine) -> None:
    keys = trusted_keys(signed_log.url)
    with signed_log.connect() as connection:
        for size in (6, 13, 21):
            for seq in range(size):
                check_proof_document(inclusion(connection, seq, size), keys)


def _forgeries(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    forged: dict[str, dict[str, Any]] = {}

    def variant(name: str) -> dict[str, Any]:
        forged[name] = copy.deepcopy(document)
        return forged[name]

    variant("flipped proof bit")["proof"][1] = _flip_hex(document["proof"][1], 7)
    variant("flipped leaf hash bit")["leaf_hash"] = _flip_hex(document["leaf_hash"])
    variant("flipped root bit")["root_hash"] = _flip_hex(document["root_hash"], 31)
    variant("wrong index")["seq"] = document["seq"] + 1
    variant("wrong size, same head")["tree_size"] = document["tree_size"] - 1
    wrong_size = variant("wrong size, head edited too")
    wrong_size["tree_size"] += 1
    wrong_size["signed_head"]["tree_size"] += 1
    variant("proof component dropped")["proof"].pop()
    variant("proof component added")["proof"].append("00" * 32)
    variant("no signed head")["signed_head"] = None
    signed = variant("flipped signature")["signed_head"]
    raw = bytearray(base64.b64decode(signed["signature"]))
    raw[10] ^= 0x04
    signed["signature"] = base64.b64encode(bytes(raw)).decode()
    variant("other leaf")["leaf"] = "eyJmb3JnZWQiOnRydWV9"
    return forged


def test_forged_inclusion_proofs_are_rejected(signed_log: Engine) -> None:
    with signed_log.connect() as connection:
        document = inclusion(connection, 9)
    keys = trusted_keys(signed_log.url)
    for name, forged in _forgeries(document).items():
        with pytest.raises(ProofError):
            check_proof_document(forged, keys)
            pytest.fail(f"accepted a forged proof: {name}")


def test_a_proof_signed_by_another_key_is_rejected(signed_log: Engine) -> None:
    with signed_log.connect() as connection:
        document = inclusion(connection, 3)
    forger = Signer(Ed25519PrivateKey.generate(), "forger", None)
    head = forger.sign(
        document["tree_size"], document["root_hash"], datetime(2026, 1, 1, tzinfo=UTC)
    )
    document["signed_head"] = head.to_dict()
    with pytest.raises(ProofError, match="untrusted"):
        check_proof_document(document, trusted_keys(signed_log.url))
    # ...and is accepted by whoever trusts that key: the key is what vouches for the head.
    check_proof_document(document, {key_id_of(forger.public_key): forger.public_key})


def test_consistency_proofs_between_heads_check_out_and_forgeries_do_not(
    signed_log: Engine,
) -> None:
    keys = trusted_keys(signed_log.url)
    with signed_log.connect() as connection:
        document = consistency(connection, 6, 21)
        check_proof_document(consistency(connection, 13, 21), keys)
        check_proof_document(consistency(connection, 21, 21), keys)
    assert "extends" in check_proof_document(document, keys)
    flipped = copy.deepcopy(document)
    flipped["proof"][0] = _flip_hex(document["proof"][0], 5)
    wrong_old = copy.deepcopy(document)
    wrong_old["old_size"] = 7
    swapped = copy.deepcopy(document)
    swapped["old_root_hash"], swapped["new_root_hash"] = (
        document["new_root_hash"],
        document["old_root_hash"],
    )
    for forged in (flipped, wrong_old, swapped):
        with pytest.raises(ProofError):
            check_proof_document(forged, keys)


def test_unsigned_sizes_give_a_proof_without_a_head_that_offline_checks_refuse(
    signed_log: Engine,
) -> None:
    with signed_log.connect() as connection:
        document = inclusion(connection, 21, 23)
    assert document["signed_head"] is None
    with pytest.raises(ProofError, match="no signed head"):
        check_proof_document(document, trusted_keys(signed_log.url))


def test_proofs_for_entries_no_head_covers_or_out_of_range_are_refused(engine: Engine) -> None:
    write_log(engine, 4, ())
    with engine.connect() as connection:
        with pytest.raises(NotFound, match="checkpoint"):
            inclusion(connection, 2)
        with pytest.raises(NotFound):
            inclusion(connection, 4)
        with pytest.raises(BadInput):
            inclusion(connection, 2, 9)
        with pytest.raises(BadInput):
            consistency(connection, 3, 2)

"""Inclusion and consistency proofs from the stored log, and checking them offline.

A proof is a small JSON document: the entry (or the two sizes), the proof hashes in hex, the
root and the signed head. ``check_proof_document`` needs only that document and a public key,
so a data protection officer or an auditor outside the partnership can check it without any
access to the database.
"""

from __future__ import annotations

import base64
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, func, select

from joinedup.errors import BadInput, NotFound
from joinedup.governance.audit.heads import (
    AuditLogBroken,
    TreeHead,
    head_covering,
    signature_problem,
)
from joinedup.governance.audit.log import as_utc
from joinedup.governance.audit.merkle import (
    CompactRange,
    ProofError,
    Range,
    RangeHasher,
    consistency_ranges,
    inclusion_ranges,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)
from joinedup.store.audit_tables import audit_entry


def log_size(connection: Connection) -> int:
    """The number of entries (the largest ``seq`` plus one)."""
    last = connection.scalar(select(func.max(audit_entry.c.seq)))
    return 0 if last is None else int(last) + 1


def _stream_roots(
    connection: Connection, size: int, ranges: list[Range], marks: tuple[int, ...] = ()
) -> tuple[RangeHasher, dict[int, bytes], dict[int, bytes]]:
    """One pass over the first ``size`` leaves: the hashes of ``ranges``, every leaf hash
    at the ``marks`` indexes, and the tree root at each size in ``marks`` plus ``size``."""
    hasher, compact = RangeHasher(ranges), CompactRange()
    leaves: dict[int, bytes] = {}
    roots: dict[int, bytes] = {}
    wanted_sizes = set(marks) | {size}
    rows = connection.execute(
        select(audit_entry.c.seq, audit_entry.c.leaf)
        .where(audit_entry.c.seq < size)
        .order_by(audit_entry.c.seq)
        .execution_options(yield_per=5000)
    )
    for seq, leaf in rows:
        if seq != compact.size:
            raise AuditLogBroken(f"entry {compact.size} is missing: run `joinedup audit verify`")
        hash_ = leaf_hash(bytes(leaf))
        if seq in marks:
            leaves[seq] = hash_
        hasher.feed(seq, hash_)
        compact.append(hash_)
        if compact.size in wanted_sizes:
            roots[compact.size] = compact.root()
    if compact.size != size:
        raise AuditLogBroken(f"the log has {compact.size} entries, not {size}")
    return hasher, leaves, roots


def _matches_head(head: TreeHead | None, root: bytes) -> None:
    if head is not None and head.root_hash != root.hex():
        raise AuditLogBroken(
            f"the entries no longer match the head signed at size {head.tree_size}: "
            "run `joinedup audit verify`"
        )


def inclusion(connection: Connection, seq: int, tree_size: int | None = None) -> dict[str, Any]:
    """A proof that entry ``seq`` is in the tree of ``tree_size`` entries (default: the
    newest signed head covering it), with that head when one was signed at that size."""
    size_now = log_size(connection)
    if not 0 <= seq < size_now:
        raise NotFound(f"there is no audit entry {seq} (the log has {size_now} entries)")
    head = head_covering(connection, seq, tree_size)
    if tree_size is None:
        if head is None:
            raise NotFound(
                f"no signed head covers entry {seq} yet: run `joinedup audit checkpoint`"
            )
        tree_size = head.tree_size
    if not seq < tree_size <= size_now:
        raise BadInput(f"tree size must be more than {seq} and at most {size_now}")
    ranges = inclusion_ranges(seq, tree_size)
    hasher, leaves, roots = _stream_roots(connection, tree_size, ranges, (seq,))
    proof = [hasher.hashes[r] for r in ranges]
    root = roots[tree_size]
    verify_inclusion(seq, tree_size, leaves[seq], proof, root)  # never hand out a bad proof
    _matches_head(head, root)
    entry = connection.execute(select(audit_entry).where(audit_entry.c.seq == seq)).one()
    return {
        "type": "inclusion",
        "seq": seq,
        "tree_size": tree_size,
        "leaf": base64.b64encode(bytes(entry.leaf)).decode(),
        "leaf_hash": leaves[seq].hex(),
        "proof": [h.hex() for h in proof],
        "root_hash": root.hex(),
        "signed_head": head.to_dict() if head else None,
        "entry": {
            "kind": entry.kind,
            "actor": entry.actor,
            "subject": entry.subject,
            "recorded_at": as_utc(entry.recorded_at).isoformat(),
        },
    }


def consistency(connection: Connection, old_size: int, new_size: int) -> dict[str, Any]:
    """A proof that the tree of ``new_size`` entries extends the tree of ``old_size``."""
    size_now = log_size(connection)
    if not 0 < old_size <= new_size <= size_now:
        raise BadInput(f"need 0 < OLD <= NEW <= {size_now} (the log's size)")
    ranges = consistency_ranges(old_size, new_size) if old_size < new_size else []
    hasher, _, roots = _stream_roots(connection, new_size, ranges, (old_size,))
    proof = [hasher.hashes[r] for r in ranges]
    old_root, new_root = roots[old_size], roots[new_size]
    verify_consistency(old_size, new_size, old_root, new_root, proof)
    old_head = head_covering(connection, old_size - 1, old_size)
    new_head = head_covering(connection, new_size - 1, new_size)
    _matches_head(old_head, old_root)
    _matches_head(new_head, new_root)
    return {
        "type": "consistency",
        "old_size": old_size,
        "new_size": new_size,
        "old_root_hash": old_root.hex(),
        "new_root_hash": new_root.hex(),
        "proof": [h.hex() for h in proof],
        "old_signed_head": old_head.to_dict() if old_head else None,
        "new_signed_head": new_head.to_dict() if new_head else None,
    }


def _head_from(document: dict[str, Any]) -> TreeHead:
    from datetime import datetime

    return TreeHead(
        int(document["tree_size"]),
        str(document["root_hash"]),
        datetime.fromisoformat(document["signed_at"]),
        str(document["key_id"]),
        str(document["signature"]),
    )


def _check_head(
    head: dict[str, Any] | None, size: int, root: str, keys: dict[str, Ed25519PublicKey]
) -> None:
    if head is None:
        raise ProofError(f"no signed head at size {size}: the root is not vouched for")
    signed = _head_from(head)
    problem = signature_problem(signed, keys)
    if problem:
        raise ProofError(f"the head at size {size}: {problem}")
    if signed.tree_size != size or signed.root_hash != root:
        raise ProofError("the signed head is for a different tree than the proof")


def check_proof_document(document: dict[str, Any], keys: dict[str, Ed25519PublicKey]) -> str:
    """Check a proof made by ``inclusion`` or ``consistency`` against trusted public keys,
    using nothing but the document; returns a one-line summary or raises ``ProofError``."""
    try:
        if document.get("type") == "inclusion":
            seq, size = int(document["seq"]), int(document["tree_size"])
            leaf = base64.b64decode(document["leaf"], validate=True)
            if leaf_hash(leaf).hex() != document["leaf_hash"]:
                raise ProofError("the leaf hash is not the hash of the leaf")
            _check_head(document.get("signed_head"), size, document["root_hash"], keys)
            verify_inclusion(
                seq,
                size,
                leaf_hash(leaf),
                [bytes.fromhex(h) for h in document["proof"]],
                bytes.fromhex(document["root_hash"]),
            )
            return f"entry {seq} is included in the signed tree of {size} entries"
        if document.get("type") == "consistency":
            old, new = int(document["old_size"]), int(document["new_size"])
            _check_head(document.get("old_signed_head"), old, document["old_root_hash"], keys)
            _check_head(document.get("new_signed_head"), new, document["new_root_hash"], keys)
            verify_consistency(
                old,
                new,
                bytes.fromhex(document["old_root_hash"]),
                bytes.fromhex(document["new_root_hash"]),
                [bytes.fromhex(h) for h in document["proof"]],
            )
            return f"the signed tree of {new} entries extends the signed tree of {old}"
    except (KeyError, TypeError, ValueError) as error:
        if isinstance(error, ProofError):
            raise
        raise ProofError(f"malformed proof document: {error}") from None
    raise ProofError("not a proof document (type must be inclusion or consistency)")

"""Verifying the whole audit log in one streaming pass (memory: O(log n) plus the heads).

For each entry in ``seq`` order: is it the next one (nothing deleted, nothing reordered), does
it link to the one before (``prev_hash``), do its stored columns say what its hashed leaf says
(an edited column), is its ``entry_hash`` right (an edited leaf)? At each signed head: does
the signature verify with a trusted key, is its root the Merkle tree hash of the entries so
far, and does an RFC 9162 consistency proof from the previous head hold (append-only)? After
the last entry: does any head claim more entries than there are (a truncated tail)?

The heads the witness file holds for the store (``witness``), and any the caller kept, are
checked like the heads in the database: a log shorter than a witnessed head (or empty after
one), or with another root at a witnessed size, is refused.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy import Connection, func, select

from joinedup.governance.audit.heads import TreeHead, heads, legacy_signer, signature_problem
from joinedup.governance.audit.log import GENESIS, entry_problem
from joinedup.governance.audit.merkle import (
    CompactRange,
    ProofError,
    Range,
    RangeHasher,
    consistency_ranges,
    leaf_hash,
    verify_consistency,
)
from joinedup.governance.audit.witness import witnessed
from joinedup.store.audit_tables import audit_entry

Progress = Callable[[int, int], None]


@dataclass
class VerifyResult:
    """The outcome: ``ok``, or the first bad entry (``first_bad_seq``) and/or the head at
    fault (``bad_head``, its tree size) with the reason."""

    ok: bool = True
    entries: int = 0
    heads_checked: int = 0
    latest_head: TreeHead | None = None
    first_bad_seq: int | None = None
    bad_head: int | None = None
    reason: str | None = None
    unsigned_tail: int = field(default=0)  # entries after the newest valid head

    def describe(self) -> str:
        """One line for an operator."""
        if self.ok:
            signed = self.latest_head.tree_size if self.latest_head else 0
            return (
                f"audit log intact: {self.entries} entries, {self.heads_checked} signed heads, "
                f"{signed} entries under a signed head, {self.unsigned_tail} not yet"
            )
        where = []
        if self.first_bad_seq is not None:
            where.append(f"first bad entry {self.first_bad_seq}")
        if self.bad_head is not None:
            where.append(f"head of tree size {self.bad_head}")
        return f"audit log NOT intact: {', '.join(where)}: {self.reason}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "entries": self.entries,
            "heads_checked": self.heads_checked,
            "latest_head": self.latest_head.to_dict() if self.latest_head else None,
            "unsigned_tail": self.unsigned_tail,
            "first_bad_seq": self.first_bad_seq,
            "bad_head": self.bad_head,
            "reason": self.reason,
        }


class _Broken(Exception):
    def __init__(self, seq: int | None, head: int | None, reason: str) -> None:
        super().__init__(reason)
        self.seq, self.head, self.reason = seq, head, reason


class _RootMismatch(_Broken):
    """A head's root is wrong: some entry in its range changed, but which one the root alone
    cannot say, so the walk looks one entry further for a more precise culprit."""


class _HeadChecker:
    """Checks each signed head as the entry stream reaches its tree size."""

    def __init__(self, signed: list[TreeHead], keys: dict[str, Ed25519PublicKey]) -> None:
        self.pending = signed
        self.keys = keys
        self.index = 0
        self.previous: TreeHead | None = None
        self.previous_nodes: dict[Range, bytes] = {}
        self.new_part: RangeHasher | None = None  # proof nodes after the previous head

    def next_size(self) -> int | None:
        return self.pending[self.index].tree_size if self.index < len(self.pending) else None

    def feed(self, seq: int, hash_: bytes) -> None:
        if self.new_part is not None:
            self.new_part.feed(seq, hash_)

    def check(self, compact: CompactRange) -> None:
        head = self.pending[self.index]
        problem = signature_problem(head, self.keys)
        if problem:
            raise _Broken(None, head.tree_size, problem)
        if compact.root().hex() != head.root_hash:
            start = self.previous.tree_size if self.previous else 0
            raise _RootMismatch(
                start,
                head.tree_size,
                f"its signed root is not the Merkle root of entries 0..{head.tree_size - 1}: "
                f"an entry from {start} to {head.tree_size - 1} was rewritten",
            )
        if self.previous is not None:
            self._check_consistency(head)
        self.previous, self.previous_nodes = head, compact.nodes()
        self.index += 1
        following = self.next_size()
        self.new_part = None
        if following is not None and head.tree_size > 0:
            ranges = consistency_ranges(head.tree_size, following)
            self.new_part = RangeHasher(r for r in ranges if r[0] >= head.tree_size)

    def _check_consistency(self, head: TreeHead) -> None:
        old = self.previous
        assert old is not None
        if old.tree_size == 0:
            return  # every tree extends the empty tree
        computed = self.new_part.hashes if self.new_part else {}
        proof = [
            self.previous_nodes.get(r) or computed.get(r, b"")
            for r in consistency_ranges(old.tree_size, head.tree_size)
        ]
        try:
            verify_consistency(
                old.tree_size,
                head.tree_size,
                bytes.fromhex(old.root_hash),
                bytes.fromhex(head.root_hash),
                proof,
            )
        except (ProofError, ValueError) as error:
            raise _Broken(
                None, head.tree_size, f"it is not consistent with head {old.tree_size}: {error}"
            ) from None


def _with_copies(stored: list[TreeHead], copies: list[TreeHead]) -> list[TreeHead]:
    """The stored heads plus copies kept outside the database (by the DPO, say): a copy the
    database no longer holds is checked like any head, so deleting heads, or entries a
    deleted head covered, cannot hide; a stored head that differs from its copy is broken."""
    by_size = {h.tree_size: h for h in stored}
    for copy in copies:
        held = by_size.get(copy.tree_size)
        if held is None:
            by_size[copy.tree_size] = copy
        elif (held.root_hash, held.signature) != (copy.root_hash, copy.signature):
            raise _Broken(
                None,
                copy.tree_size,
                "it differs from the copy held outside the log (the witness, or a saved head)",
            )
    return [by_size[size] for size in sorted(by_size)]


def _hint(reason: str, connection: Connection) -> str:
    """Name the way out when a head is signed by the key an older joinedup left beside the
    database (it is no longer trusted where it is)."""
    legacy = legacy_signer(connection.engine.url)
    if legacy is not None and reason.endswith(legacy.key_id[:16]):
        return (
            f"{reason}, the key beside the database ({legacy.key_file}): an older joinedup "
            "kept it there, where whoever can rewrite the database can read it; `joinedup "
            "audit move-key` retires it (trusted for the heads it signed so far) and moves "
            "signing away from the store"
        )
    return reason


def verify_log(
    connection: Connection,
    keys: dict[str, Ed25519PublicKey],
    progress: Progress | None = None,
    head_copies: list[TreeHead] | None = None,
    *,
    use_witness: bool = True,
) -> VerifyResult:
    """Verify every entry and head of the log with the trusted public ``keys`` (by key id),
    the heads the witness holds for this store (unless ``use_witness`` is false) and the
    ``head_copies`` kept outside it; stops at the first problem. Reads entries in batches,
    never the whole log at once."""
    result = VerifyResult()
    copies = list(head_copies or [])
    if use_witness:
        copies += witnessed(connection.engine.url)
    try:
        signed = _with_copies(heads(connection), copies)
    except _Broken as differing:
        result.ok, result.bad_head, result.reason = False, differing.head, differing.reason
        return result
    total = int(connection.scalar(select(func.count()).select_from(audit_entry)) or 0)
    checker = _HeadChecker(signed, keys)
    compact = CompactRange()
    prev_hash, before_prev = GENESIS, None
    try:
        while checker.next_size() == 0:
            checker.check(compact)
        rows = connection.execute(
            select(audit_entry).order_by(audit_entry.c.seq).execution_options(yield_per=2000)
        )
        pending: _RootMismatch | None = None
        for row in rows:
            seq = compact.size
            problem = entry_problem(row, seq, prev_hash)
            if problem:
                # An entry that links past its predecessor to the one before: the
                # predecessor was slipped in (and later entries renumbered to make room).
                if row.seq == seq and before_prev is not None and row.prev_hash == before_prev:
                    broken = _Broken(
                        seq - 1,
                        None,
                        f"entry {seq - 1} was inserted: entry {seq} links past it to "
                        f"entry {seq - 2}",
                    )
                else:
                    broken = _Broken(seq, None, problem)
                if pending is not None:
                    if broken.seq is None or broken.seq >= (pending.head or 0):
                        raise pending
                    broken.head = pending.head
                raise broken
            if pending is not None:
                raise pending  # the next entry is sound: the head's range is all we know
            hash_ = leaf_hash(bytes(row.leaf))
            compact.append(hash_)
            checker.feed(seq, hash_)
            before_prev, prev_hash = prev_hash, row.entry_hash
            try:
                while checker.next_size() == compact.size:
                    checker.check(compact)
            except _RootMismatch as mismatch:
                pending = mismatch
            if progress and compact.size % 10_000 == 0:
                progress(compact.size, total)
        if pending is not None:
            raise pending
        missing_from = checker.next_size()
        if missing_from is not None:
            raise _Broken(
                compact.size,
                missing_from,
                f"a signed head covers {missing_from} entries but the log has only "
                f"{compact.size}: entries {compact.size} to {missing_from - 1} were deleted",
            )
    except _Broken as broken:
        result.ok = False
        result.first_bad_seq, result.bad_head, result.reason = (
            broken.seq,
            broken.head,
            _hint(broken.reason, connection),
        )
    result.entries = compact.size if result.ok else total
    result.heads_checked = checker.index
    result.latest_head = checker.previous
    signed_size = checker.previous.tree_size if checker.previous else 0
    result.unsigned_tail = max(compact.size - signed_size, 0) if result.ok else 0
    if progress:
        progress(compact.size, total)
    return result

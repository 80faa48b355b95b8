"""Tampering with the stored audit log, directly in the database, is detected by verify, which
names the first bad entry (or the head at fault). Runs on SQLite and PostgreSQL."""

# ruff: noqa: F811  (pytest fixtures imported from audit_fixtures are test arguments)

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Callable

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from sqlalchemy import Connection, Engine, delete, insert, select, update

from joinedup.governance.audit import AuditLogBroken, append, checkpoint, verify_log
from joinedup.governance.audit.heads import Signer, heads, trusted_keys
from joinedup.governance.audit.log import canonical_bytes, chain_hash
from joinedup.store.audit_tables import audit_entry, audit_tree_head
from tests.integration.governance.audit_fixtures import (  # noqa: F401  (fixtures)
    audit_key_dir,
    engine,
    migrated_store,
)

ENTRIES = 12
HEADS_AT = (5, 10)  # entries 10 and 11 come after the newest signed head


def write_log(engine: Engine, entries: int = ENTRIES, heads_at: tuple[int, ...] = HEADS_AT) -> None:
    with engine.begin() as connection:
        for seq in range(entries):
            append(
                connection,
                kind="ACCESS" if seq % 2 else "SHARE",
                actor=f"worker{seq % 3}",
                actor_role="social_worker",
                purpose="MASH_TRIAGE",
                subject=f"P-{seq % 4}",
                details={"fields": ["dob", "address"], "n": seq, "ratio": 0.5, "ok": True},
            )
            if seq + 1 in heads_at:
                checkpoint(connection)


def check(engine: Engine):  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return verify_log(connection, trusted_keys(engine.url))


def tamper(engine: Engine, change: Callable[[Connection], None]) -> None:
    with engine.begin() as connection:
        change(connection)


def row(connection: Connection, seq: int):  # type: ignore[no-untyped-def]
    return connection.execute(select(audit_entry).where(audit_entry.c.seq == seq)).one()


def renumber(connection: Connection, from_seq: int, by: int) -> None:
    # Two steps so no intermediate state collides on the primary key.
    where = audit_entry.c.seq >= from_seq
    connection.execute(update(audit_entry).where(where).values(seq=audit_entry.c.seq + 100_000))
    connection.execute(
        update(audit_entry)
        .where(audit_entry.c.seq >= 100_000)
        .values(seq=audit_entry.c.seq - 100_000 + by)
    )


def test_an_untouched_log_verifies(engine: Engine) -> None:
    write_log(engine)
    result = check(engine)
    assert result.ok, result.reason
    assert (result.entries, result.heads_checked, result.unsigned_tail) == (12, 2, 2)
    assert result.latest_head is not None and result.latest_head.tree_size == 10


def test_editing_details_is_caught_at_that_entry(engine: Engine) -> None:
    write_log(engine)
    tamper(
        engine,
        lambda c: c.execute(
            update(audit_entry).where(audit_entry.c.seq == 3).values(details={"fields": ["dob"]})
        ),
    )
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 3 and "details" in (result.reason or "")


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("actor", "someone-else"),
        ("subject", "P-99"),
        ("purpose", "CURIOSITY"),
        ("kind", "REVIEW"),
        ("actor_role", "admin"),
    ],
)
def test_editing_any_other_column_is_caught_at_that_entry(
    engine: Engine, column: str, value: str
) -> None:
    write_log(engine)
    tamper(
        engine,
        lambda c: c.execute(
            update(audit_entry).where(audit_entry.c.seq == 7).values({column: value})
        ),
    )
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 7 and column in (result.reason or "")


def test_editing_the_time_is_caught(engine: Engine) -> None:
    write_log(engine)

    def backdate(connection: Connection) -> None:
        when = row(connection, 4).recorded_at
        connection.execute(
            update(audit_entry)
            .where(audit_entry.c.seq == 4)
            .values(recorded_at=when.replace(year=when.year - 1))
        )

    tamper(engine, backdate)
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 4 and "recorded_at" in (result.reason or "")


def test_editing_the_leaf_is_caught_at_that_entry(engine: Engine) -> None:
    write_log(engine)

    def rewrite_leaf(connection: Connection) -> None:
        content = json.loads(bytes(row(connection, 6).leaf))
        content["actor"] = "nobody"
        connection.execute(
            update(audit_entry).where(audit_entry.c.seq == 6).values(leaf=canonical_bytes(content))
        )

    tamper(engine, rewrite_leaf)
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 6


def test_an_entry_edited_consistently_with_its_own_hash_breaks_the_next_link(
    engine: Engine,
) -> None:
    write_log(engine)

    def rewrite_entry(connection: Connection) -> None:
        old = row(connection, 6)
        content = json.loads(bytes(old.leaf)) | {"actor": "nobody"}
        leaf = canonical_bytes(content)
        connection.execute(
            update(audit_entry)
            .where(audit_entry.c.seq == 6)
            .values(actor="nobody", leaf=leaf, entry_hash=chain_hash(old.prev_hash, leaf))
        )

    tamper(engine, rewrite_entry)
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 7 and "link" in (result.reason or "")


def test_a_rewritten_chain_is_caught_by_the_signed_head_over_it(engine: Engine) -> None:
    write_log(engine)

    def rewrite_from(connection: Connection, start: int) -> None:
        # The attacker edits entry 7 and recomputes every later leaf and hash: the chain is
        # consistent again, but the head signed over entries 0..9 no longer matches.
        prev = row(connection, start - 1).entry_hash
        for seq in range(start, ENTRIES):
            content = json.loads(bytes(row(connection, seq).leaf)) | {"prev_hash": prev}
            if seq == start:
                content["actor"] = "nobody"
            leaf = canonical_bytes(content)
            prev = chain_hash(content["prev_hash"], leaf)
            connection.execute(
                update(audit_entry)
                .where(audit_entry.c.seq == seq)
                .values(
                    actor=content["actor"],
                    prev_hash=content["prev_hash"],
                    leaf=leaf,
                    entry_hash=prev,
                )
            )

    tamper(engine, lambda c: rewrite_from(c, 7))
    result = check(engine)
    assert not result.ok
    assert (result.first_bad_seq, result.bad_head) == (5, 10)  # after head 5, within head 10
    assert "rewritten" in (result.reason or "")


def test_deleting_a_middle_entry_is_caught(engine: Engine) -> None:
    write_log(engine)
    tamper(engine, lambda c: c.execute(delete(audit_entry).where(audit_entry.c.seq == 6)))
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 6 and "missing" in (result.reason or "")


def test_deleting_and_renumbering_is_caught(engine: Engine) -> None:
    write_log(engine)

    def delete_and_close_gap(connection: Connection) -> None:
        connection.execute(delete(audit_entry).where(audit_entry.c.seq == 6))
        renumber(connection, 7, -1)

    tamper(engine, delete_and_close_gap)
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 6


def test_swapping_two_entries_is_caught_at_the_first(engine: Engine) -> None:
    write_log(engine)

    def swap(connection: Connection) -> None:
        connection.execute(update(audit_entry).where(audit_entry.c.seq == 2).values(seq=-1))
        connection.execute(update(audit_entry).where(audit_entry.c.seq == 8).values(seq=2))
        connection.execute(update(audit_entry).where(audit_entry.c.seq == -1).values(seq=8))

    tamper(engine, swap)
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 2


def _forged(connection: Connection, seq: int, prev_hash: str) -> dict:  # type: ignore[type-arg]
    template = row(connection, 0)
    content = json.loads(bytes(template.leaf)) | {
        "seq": seq,
        "prev_hash": prev_hash,
        "actor": "forger",
        "details": {"forged": True},
    }
    leaf = canonical_bytes(content)
    return {
        "seq": seq,
        "recorded_at": template.recorded_at,
        "kind": content["kind"],
        "actor": "forger",
        "actor_role": content["actor_role"],
        "purpose": content["purpose"],
        "subject": content["subject"],
        "details": {"forged": True},
        "leaf": leaf,
        "prev_hash": prev_hash,
        "entry_hash": chain_hash(prev_hash, leaf),
    }


def test_a_well_formed_entry_slipped_into_the_middle_is_named(engine: Engine) -> None:
    write_log(engine)

    def slip_in(connection: Connection) -> None:
        renumber(connection, 4, +1)
        connection.execute(
            insert(audit_entry).values(_forged(connection, 4, row(connection, 3).entry_hash))
        )

    tamper(engine, slip_in)
    result = check(engine)
    assert not result.ok and result.first_bad_seq == 4 and "inserted" in (result.reason or "")


def test_an_entry_added_at_the_end_with_a_wrong_hash_is_caught(engine: Engine) -> None:
    write_log(engine)

    def add(connection: Connection) -> None:
        forged = _forged(connection, ENTRIES, row(connection, ENTRIES - 1).entry_hash)
        connection.execute(insert(audit_entry).values(forged | {"entry_hash": "0" * 64}))

    tamper(engine, add)
    result = check(engine)
    assert not result.ok and result.first_bad_seq == ENTRIES


def test_an_entry_added_with_a_gap_is_caught(engine: Engine) -> None:
    write_log(engine)
    tamper(
        engine,
        lambda c: c.execute(
            insert(audit_entry).values(_forged(c, ENTRIES + 5, row(c, ENTRIES - 1).entry_hash))
        ),
    )
    result = check(engine)
    assert not result.ok and result.first_bad_seq == ENTRIES and "missing" in (result.reason or "")


def test_truncating_entries_a_signed_head_covers_is_caught(engine: Engine) -> None:
    write_log(engine)
    tamper(engine, lambda c: c.execute(delete(audit_entry).where(audit_entry.c.seq >= 8)))
    result = check(engine)
    assert not result.ok
    assert (result.first_bad_seq, result.bad_head) == (8, 10)
    assert "deleted" in (result.reason or "")


def test_truncating_everything_is_caught(engine: Engine) -> None:
    write_log(engine)
    tamper(engine, lambda c: c.execute(delete(audit_entry)))
    result = check(engine)
    assert not result.ok and (result.first_bad_seq, result.bad_head) == (0, 5)


def test_a_replaced_signature_is_caught(engine: Engine) -> None:
    write_log(engine)
    bogus = base64.b64encode(bytes(64)).decode()
    tamper(
        engine,
        lambda c: c.execute(
            update(audit_tree_head).where(audit_tree_head.c.tree_size == 10).values(signature=bogus)
        ),
    )
    result = check(engine)
    assert not result.ok and result.bad_head == 10 and "signature" in (result.reason or "")


def test_a_replaced_root_is_caught(engine: Engine) -> None:
    write_log(engine)
    tamper(
        engine,
        lambda c: c.execute(
            update(audit_tree_head)
            .where(audit_tree_head.c.tree_size == 5)
            .values(root_hash="ab" * 32)
        ),
    )
    result = check(engine)
    assert not result.ok and result.bad_head == 5 and result.first_bad_seq is None


def test_a_head_re_signed_with_another_key_is_caught(engine: Engine) -> None:
    write_log(engine)
    with engine.connect() as connection:
        genuine = heads(connection)[0]
    forger = Signer(Ed25519PrivateKey.generate(), "forger", None)
    forged = forger.sign(genuine.tree_size, "cd" * 32, genuine.signed_at)
    tamper(
        engine,
        lambda c: c.execute(
            update(audit_tree_head)
            .where(audit_tree_head.c.tree_size == genuine.tree_size)
            .values(root_hash=forged.root_hash, key_id=forged.key_id, signature=forged.signature)
        ),
    )
    result = check(engine)
    assert not result.ok and result.bad_head == 5 and "untrusted key" in (result.reason or "")


def test_checkpoint_refuses_to_sign_a_broken_log(engine: Engine) -> None:
    write_log(engine)
    tamper(
        engine,
        lambda c: c.execute(update(audit_entry).where(audit_entry.c.seq == 11).values(actor="x")),
    )
    with pytest.raises(AuditLogBroken, match="entry 11"), engine.begin() as connection:
        checkpoint(connection)


def test_a_failed_periodic_checkpoint_does_not_lose_the_entry(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_log(engine)
    tamper(
        engine,
        lambda c: c.execute(update(audit_entry).where(audit_entry.c.seq == 11).values(actor="x")),
    )
    monkeypatch.setenv("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "13")
    with engine.begin() as connection:
        entry = append(connection, kind="ACCESS", actor="sam", details={})
    assert entry.seq == 12
    with engine.connect() as connection:
        assert [h.tree_size for h in heads(connection)] == [5, 10]
        assert row(connection, 12).actor == "sam"


def test_appends_sign_heads_periodically_and_a_bad_frontier_is_not_trusted(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "4")
    write_log(engine, entries=9, heads_at=())
    with engine.connect() as connection:
        assert [h.tree_size for h in heads(connection)] == [4, 8]
    # A corrupted stored frontier must not poison the next head: it is recomputed instead.
    tamper(engine, lambda c: c.execute(update(audit_tree_head).values(frontier=["00" * 32])))
    write_log(engine, entries=3, heads_at=())
    result = check(engine)
    assert result.ok, result.reason
    assert result.heads_checked == 3 and result.entries == 12


def test_concurrent_appends_stay_contiguous_and_verifiable(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "7")
    errors: list[BaseException] = []

    def worker(name: str) -> None:
        try:
            for i in range(15):
                with engine.begin() as connection:
                    append(connection, kind="ACCESS", actor=name, details={"i": i})
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=worker, args=(f"w{n}",)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    result = check(engine)
    assert result.ok, result.reason
    assert result.entries == 60 and result.heads_checked == 8


def test_deleting_the_newest_head_with_its_entries_is_caught_by_a_copy_kept_outside(
    engine: Engine,
) -> None:
    write_log(engine)
    with engine.connect() as connection:
        copy = heads(connection)[-1]

    def cover_tracks(connection: Connection) -> None:
        connection.execute(delete(audit_tree_head).where(audit_tree_head.c.tree_size == 10))
        connection.execute(delete(audit_entry).where(audit_entry.c.seq >= 5))

    tamper(engine, cover_tracks)
    assert check(engine).ok  # what the database alone can say
    with engine.connect() as connection:
        result = verify_log(connection, trusted_keys(engine.url), head_copies=[copy])
    assert not result.ok and (result.first_bad_seq, result.bad_head) == (5, 10)


def test_a_stored_head_that_differs_from_its_copy_is_caught(engine: Engine) -> None:
    write_log(engine)
    with engine.connect() as connection:
        copy = heads(connection)[0]
    forger = Signer(Ed25519PrivateKey.generate(), "forger", None)
    other = forger.sign(copy.tree_size, copy.root_hash, copy.signed_at)
    with engine.connect() as connection:
        result = verify_log(connection, trusted_keys(engine.url), head_copies=[other])
    assert not result.ok and result.bad_head == 5 and "copy" in (result.reason or "")

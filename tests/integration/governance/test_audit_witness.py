"""The audit log cannot be emptied or rewritten unnoticed (issue 17, finding 7).

Every command (and web request) that appends entries ends with a signed head, and each head
is also appended to a witness file outside the database; ``audit verify`` refuses a log
shorter than the witness remembers, or with another root at a witnessed size. The signing
key lives away from the store, so someone who can rewrite the database cannot re-sign it;
store files are private to their owner. On SQLite and PostgreSQL where the store is
involved.
"""

# ruff: noqa: F811  (pytest fixtures imported from audit_fixtures are test arguments)

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_private_key,
)
from sqlalchemy import Engine, delete, select, update
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.governance.audit.heads import Signer, checkpoint
from joinedup.governance.audit.log import GENESIS, canonical_bytes, chain_hash
from joinedup.store.audit_tables import audit_entry, audit_tree_head
from tests.integration.governance.audit_fixtures import (  # noqa: F401  (fixtures)
    audit_key_dir,
    engine,
    migrated_store,
)

runner = CliRunner()
PASSWORD = "correct horse battery staple"


def cli(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


@pytest.fixture
def store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    """The module's store as the commands' store, and three commands that append."""
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    monkeypatch.setenv("JOINEDUP_NEW_PASSWORD", PASSWORD)
    for name in ("ann", "bob", "cat"):
        code, output = cli("users", "add", name, "--role", "SOCIAL_WORKER", "--agency",
                           "social_care")  # fmt: skip
        assert code == 0, output
    return engine


def verify() -> tuple[int, dict]:
    code, output = cli("audit", "verify", "--json")
    return code, json.loads(output[output.index("{") :])


def test_each_command_that_appends_ends_with_a_signed_head(store: Engine) -> None:
    code, result = verify()
    assert code == 0, result
    assert result["entries"] == 3 and result["unsigned_tail"] == 0
    assert result["heads_checked"] == 3  # one per command


def test_deleting_the_newest_entries_with_their_heads_is_refused(store: Engine) -> None:
    with store.begin() as connection:
        connection.execute(delete(audit_tree_head).where(audit_tree_head.c.tree_size > 1))
        connection.execute(delete(audit_entry).where(audit_entry.c.seq >= 1))
    code, result = verify()
    assert code == 8, result
    assert not result["ok"] and "deleted" in result["reason"]


def test_emptying_the_log_is_refused(store: Engine) -> None:
    with store.begin() as connection:
        connection.execute(delete(audit_tree_head))
        connection.execute(delete(audit_entry))
    code, result = verify()
    assert code == 8, result
    assert result["entries"] == 0 and "deleted" in result["reason"]


def _rewrite_and_resign(engine: Engine, signer: Signer) -> None:
    """What someone who can write the database and holds ``signer`` can do: change an entry,
    recompute every hash after it, drop the heads and sign new ones."""
    with engine.begin() as connection:
        rows = connection.execute(select(audit_entry).order_by(audit_entry.c.seq)).all()
        connection.execute(delete(audit_tree_head))
        prev = GENESIS
        for row in rows:
            content = json.loads(bytes(row.leaf))
            content["prev_hash"] = prev
            if row.seq == 0:
                content["details"] = {**content["details"], "role": "ADMINISTRATOR"}
            leaf = canonical_bytes(content)
            entry_hash = chain_hash(prev, leaf)
            connection.execute(
                update(audit_entry)
                .where(audit_entry.c.seq == row.seq)
                .values(
                    details=content["details"], leaf=leaf, prev_hash=prev, entry_hash=entry_hash
                )
            )
            prev = entry_hash
        checkpoint(connection, signer)


@pytest.fixture
def default_keys(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The key where an installation keeps it by default (not this test module's own)."""
    monkeypatch.delenv("JOINEDUP_AUDIT_KEY_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))


def test_a_rewrite_re_signed_with_a_key_found_beside_the_store_is_refused(
    default_keys: None, store: Engine, tmp_path: Path
) -> None:
    """The key a rewriter finds beside the database (where it used to be generated), or
    one they put there, signs nothing this installation trusts."""
    database = store.url.database
    beside = (
        Path(database).with_name(Path(database).name + ".audit-key.pem")
        if store.dialect.name == "sqlite"
        else tmp_path / "store.audit-key.pem"
    )
    if not beside.exists():
        beside.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
            )
        )
    key = load_pem_private_key(beside.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    _rewrite_and_resign(store, Signer(key, str(beside), beside))
    code, result = verify()
    assert code == 8, result


def test_the_key_is_kept_away_from_the_store_and_never_beside_it(
    default_keys: None, store: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    from joinedup.governance.audit.heads import AuditKeyError, key_file_for, load_signer

    url = store.url.render_as_string(hide_password=False)
    assert key_file_for(url) == tmp_path / "config" / "joinedup" / "audit-signing-key.pem"
    signer = load_signer(url)
    assert signer.key_file is not None
    assert stat.S_IMODE(signer.key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(signer.key_file.parent.stat().st_mode) == 0o700
    if store.dialect.name == "sqlite":
        monkeypatch.setenv("JOINEDUP_AUDIT_KEY_DIR", str(Path(str(store.url.database)).parent))
        with pytest.raises(AuditKeyError, match="beside the database"):
            load_signer(url)


def test_the_witness_is_an_append_only_file_of_json_lines_outside_the_store(
    store: Engine, tmp_path: Path
) -> None:
    witness = Path(os.environ["JOINEDUP_AUDIT_WITNESS"])
    lines = [json.loads(line) for line in witness.read_text().splitlines()]
    assert [line["tree_size"] for line in lines] == [1, 2, 3]
    assert {"store", "root_hash", "signed_at", "key_id", "signature"} <= set(lines[0])
    assert stat.S_IMODE(witness.stat().st_mode) == 0o600
    with store.connect() as connection:
        stored = connection.execute(
            select(audit_tree_head.c.tree_size, audit_tree_head.c.root_hash)
        ).all()
    assert sorted(stored) == [(line["tree_size"], line["root_hash"]) for line in lines]


def test_an_old_key_beside_the_store_moves_away_and_cannot_sign_after_its_last_head(
    engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The migration path for a store whose key was generated beside it: `audit move-key`
    retires it (trusted only for the heads it signed) and deletes it; a copy of it cannot
    sign a rewrite."""
    if engine.dialect.name != "sqlite":
        pytest.skip("a key beside the database is a SQLite store's (PostgreSQL had none)")
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    database = Path(str(engine.url.database))
    legacy = database.with_name(database.name + ".audit-key.pem")
    try:
        legacy.write_bytes(
            Ed25519PrivateKey.generate().private_bytes(
                Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()
            )
        )
        legacy.chmod(0o600)
        copy = legacy.read_bytes()
        old = load_pem_private_key(copy, password=None)
        assert isinstance(old, Ed25519PrivateKey)
        monkeypatch.setenv("JOINEDUP_NEW_PASSWORD", PASSWORD)
        with engine.begin() as connection:  # the store before the upgrade: heads by the old key
            from joinedup.governance.audit import append

            for n in range(3):
                append(connection, kind="ACCESS", actor="w", details={"n": n})
            checkpoint(connection, Signer(old, str(legacy), legacy))
        code, result = verify()
        assert code == 8 and "move-key" in result["reason"], result  # not trusted where it is

        code, output = cli("audit", "move-key")
        assert code == 0, output
        assert not legacy.exists()
        code, result = verify()
        assert code == 0, result

        _rewrite_and_resign(engine, Signer(old, "a copy", None))
        code, result = verify()
        assert code == 8, result
    finally:
        legacy.unlink(missing_ok=True)


def test_store_files_are_private_to_their_owner(tmp_path: Path) -> None:
    from joinedup.services import open_store
    from joinedup.store.database import wait_for_checkpoints

    path = tmp_path / "fresh" / "joinedup.db"
    path.parent.mkdir()
    old_umask = os.umask(0o022)  # the usual default: files world-readable unless made private
    try:
        engine = open_store(f"sqlite:///{path}")
        with engine.begin() as connection:
            from joinedup.governance.audit import append

            append(connection, kind="ACCESS", actor="w", details={})
        modes = {
            p.name: stat.S_IMODE(p.stat().st_mode)
            for p in path.parent.iterdir()
            if p.name.startswith("joinedup.db")
        }
        wait_for_checkpoints()
        engine.dispose()
    finally:
        os.umask(old_umask)
    assert {"joinedup.db", "joinedup.db-wal", "joinedup.db-shm"} <= set(modes), modes
    assert set(modes.values()) == {0o600}, modes


def test_a_demo_ends_with_its_log_signed(
    database_url: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", database_url)
    monkeypatch.setenv("JOINEDUP_AUDIT_WITNESS", str(tmp_path / "witness" / "heads.log"))
    code, output = cli("demo", "--children", "60", "--seed", "3", "--json", "--no-serve")
    assert code == 0, output
    code, result = verify()
    assert code == 0, result
    assert result["heads_checked"] >= 1 and result["unsigned_tail"] == 0, result
    assert result["entries"] > 0

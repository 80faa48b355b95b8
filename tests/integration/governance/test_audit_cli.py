"""``joinedup audit``: verify exits 0 on an intact log and non-zero naming the first bad
entry; proofs printed by the CLI check out offline; search filters."""

# ruff: noqa: F811  (pytest fixtures imported from audit_fixtures are test arguments)

from __future__ import annotations

import base64
import getpass
import json
import stat
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
)
from sqlalchemy import Engine, delete, update
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.governance.audit import append
from joinedup.governance.audit.heads import AuditKeyError, key_file_for, key_id_of, load_signer
from joinedup.services.accounts import add_user
from joinedup.store.audit_tables import audit_entry, audit_tree_head
from tests.integration.governance.audit_fixtures import (  # noqa: F401  (fixtures)
    audit_key_dir,
    engine,
    migrated_store,
)

runner = CliRunner()


@pytest.fixture
def cli_env(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        for n in range(9):
            append(
                connection,
                kind="ACCESS" if n % 3 else "SHARE",
                actor=f"w{n % 2}",
                subject=f"P-{n % 3}",
                details={"n": n},
                recorded_at=datetime(2026, 5, 1 + n, tzinfo=UTC),
            )
    return engine


def privacy_officer(engine: Engine) -> None:
    """Searching the log needs a privacy officer's account (creating it is audited too)."""
    add_user(engine, username="po", role="PRIVACY_OFFICER", agency="social_care",
             display_name="Privacy officer", password=None)  # fmt: skip


def invoke(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args))
    return result.exit_code, result.output


def test_verify_exits_zero_on_an_intact_log_and_eight_naming_the_first_bad_entry(
    cli_env: Engine,
) -> None:
    assert invoke("audit", "checkpoint")[0] == 0
    code, output = invoke("audit", "verify", "--json")
    assert code == 0 and json.loads(output)["ok"] is True
    with cli_env.begin() as connection:
        connection.execute(
            update(audit_entry).where(audit_entry.c.seq == 4).values(details={"n": 40})
        )
    code, output = invoke("audit", "verify")
    assert code == 8 and "first bad entry 4" in output and "details" in output
    code, output = invoke("audit", "verify", "--json")
    assert code == 8 and json.loads(output)["first_bad_seq"] == 4


def test_verify_checks_a_signed_head_saved_outside_the_database(
    cli_env: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    code, output = invoke("audit", "checkpoint", "--json")
    saved = tmp_path / "head.json"
    saved.write_text(output)
    assert code == 0 and invoke("audit", "verify", "--head", str(saved))[0] == 0
    with cli_env.begin() as connection:
        connection.execute(delete(audit_tree_head))
        connection.execute(delete(audit_entry).where(audit_entry.c.seq >= 7))
    assert invoke("audit", "verify")[0] == 8  # the witness remembers the checkpoint's head
    monkeypatch.setenv("JOINEDUP_AUDIT_WITNESS", str(tmp_path / "another-witness.log"))
    assert invoke("audit", "verify")[0] == 0  # without it, the database alone cannot tell
    code, output = invoke("audit", "verify", "--head", str(saved))
    assert code == 8 and "first bad entry 7" in output
    saved.write_text("{}")
    assert invoke("audit", "verify", "--head", str(saved))[0] == 2


def test_a_proof_from_the_cli_checks_out_and_a_tampered_one_does_not(
    cli_env: Engine, tmp_path: Path
) -> None:
    invoke("audit", "checkpoint")
    code, output = invoke("audit", "prove", "3", "--json")
    assert code == 0
    proof = tmp_path / "proof.json"
    proof.write_text(output)
    code, output = invoke("audit", "check-proof", str(proof))
    assert code == 0 and "entry 3 is included" in output
    document = json.loads(proof.read_text())
    document["seq"] = 2
    proof.write_text(json.dumps(document))
    assert invoke("audit", "check-proof", str(proof))[0] == 8


def test_check_proof_can_trust_only_an_exported_public_key(cli_env: Engine, tmp_path: Path) -> None:
    invoke("audit", "checkpoint")
    code, pem = invoke("audit", "public-key")
    assert code == 0 and pem.startswith("-----BEGIN PUBLIC KEY-----")
    key = tmp_path / "dpo.pub"
    key.write_text(pem)
    proof = tmp_path / "proof.json"
    proof.write_text(invoke("audit", "prove", "5", "--json")[1])
    assert invoke("audit", "check-proof", str(proof), "--trusted-key", str(key))[0] == 0
    assert invoke("audit", "verify", "--trusted-key", str(key))[0] == 0


def test_consistency_between_two_heads(cli_env: Engine) -> None:
    invoke("audit", "checkpoint")
    with cli_env.begin() as connection:
        append(connection, kind="ACCESS", actor="w9", details={})
    invoke("audit", "checkpoint")
    code, output = invoke("audit", "consistency", "9", "10", "--json")
    document = json.loads(output)
    assert code == 0 and document["old_signed_head"] and document["new_signed_head"]
    assert invoke("audit", "consistency", "10", "9")[0] == 2


def test_a_rotated_key_keeps_old_heads_verifiable(cli_env: Engine) -> None:
    invoke("audit", "checkpoint")
    old = json.loads(invoke("audit", "public-key", "--json")[1])["key_id"]
    code, output = invoke("audit", "rotate-key", "--actor", "ops")
    new = json.loads(invoke("audit", "public-key", "--json")[1])["key_id"]
    assert code == 0 and old != new
    privacy_officer(cli_env)
    code, output = invoke("audit", "verify", "--json")
    result = json.loads(output)
    assert code == 0 and result["heads_checked"] == 2 and result["latest_head"]["key_id"] == new
    rotated = json.loads(
        invoke("audit", "search", "--kind", "AUDIT_KEY_ROTATED", "--as", "po", "--json")[1]
    )
    details = rotated["entries"][0]["details"]
    assert details["old_key_id"] == old and details["new_key_id"] == new
    # The command line records who ran it (the operating-system user) beside the entry.
    assert details["operator"] == {"channel": "cli", "os_user": getpass.getuser()}


def test_search_filters_by_subject_actor_kind_and_date(cli_env: Engine) -> None:
    privacy_officer(cli_env)

    def seqs(*args: str) -> list[int]:
        code, output = invoke("audit", "search", *args, "--as", "po", "--json")
        assert code == 0, output
        # The fixture's entries (each search and the account's creation are audited too).
        return [e["seq"] for e in json.loads(output)["entries"] if "n" in e["details"]]

    assert seqs("--subject", "P-1") == [1, 4, 7]
    assert seqs("--actor", "w0", "--kind", "SHARE") == [0, 6]
    assert seqs("--since", "2026-05-08") == [7, 8]
    assert invoke("audit", "search", "--since", "May", "--as", "po")[0] == 2
    assert invoke("audit", "search", "--as", "nobody")[0] == 4
    searched = json.loads(invoke("audit", "search", "--kind", "AUDIT_SEARCHED", "--as", "po",
                                 "--json")[1])["entries"]  # fmt: skip
    assert searched and all(e["actor"] == "po" for e in searched)


def test_a_generated_key_sits_in_the_users_config_folder_with_mode_0600(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Away from the store (issue 17): never beside the database file."""
    monkeypatch.delenv("JOINEDUP_AUDIT_KEY_DIR")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    database = tmp_path / "store.db"
    expected = tmp_path / "config" / "joinedup" / "audit-signing-key.pem"
    assert key_file_for(f"sqlite:///{database}") == expected
    signer = load_signer(f"sqlite:///{database}")
    assert signer.key_file == expected
    assert stat.S_IMODE(signer.key_file.stat().st_mode) == 0o600
    assert load_signer(f"sqlite:///{database}").key_id == signer.key_id  # created once
    assert not (tmp_path / "store.db.audit-key.pem").exists()


def test_a_key_from_the_environment_as_pem_file_or_base64(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    key = Ed25519PrivateKey.generate()
    seed = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    expected = key_id_of(key.public_key())
    pem = tmp_path / "signing.pem"
    pem.write_bytes(key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption()))
    for value in (str(pem), base64.b64encode(seed).decode()):
        monkeypatch.setenv("JOINEDUP_AUDIT_SIGNING_KEY", value)
        signer = load_signer("sqlite:///unused.db")
        assert signer.key_id == expected and signer.key_file is None
    monkeypatch.setenv("JOINEDUP_AUDIT_SIGNING_KEY", "not a key")
    with pytest.raises(AuditKeyError):
        load_signer("sqlite:///unused.db")

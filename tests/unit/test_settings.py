"""The one settings object (``joinedup.config``): every variable with its default, a bad value
refused in one line that names it (never a traceback), a value set later seen at the next
read, and the README's tables generated from the declarations."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from joinedup import config
from joinedup.config import ConfigError, settings, variables
from joinedup.config.groups import WebSettings
from joinedup.config.reference import markdown

ROOT = Path(__file__).resolve().parents[2]
# Variables the tests and benchmarks read for themselves, not the platform.
NOT_THE_PLATFORMS = {
    "JOINEDUP_TEST_DATABASE_URL",
    "JOINEDUP_SCREENSHOTS",
    "JOINEDUP_BENCH_DATABASE_URL",
}


@pytest.fixture
def clean(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """No variable of the settings set."""
    for _group, name, _field in variables():
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_the_defaults_are_the_documented_ones(
    clean: pytest.MonkeyPatch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    current = settings()
    assert current.environment == "development"
    assert current.database_url == f"sqlite:///{tmp_path / 'joinedup.db'}"
    assert (current.web.concurrency, current.web.max_body_bytes) == (2, 1024 * 1024)
    assert current.web.secret_key is None and current.web.cookie_secure is True
    assert current.audit.checkpoint_every == 1000
    assert current.audit.key_folder == Path.home() / ".config/joinedup"
    assert current.audit.witness_file == Path.home() / ".local/state/joinedup/audit-witness.log"
    limits = current.limits
    assert (limits.search_notice_per_hour, limits.search_limit_per_hour) == (60, 150)
    assert (limits.break_glass_notice_per_day, limits.break_glass_limit_per_day) == (3, 8)
    assert current.alerts.lease_seconds == 60 and current.alerts.operator_every_seconds == 300
    assert current.alerts.mash_email == "mash@joinedup.example" and not current.alerts.duty_teams
    assert current.ingest.parse_process == "auto"
    assert current.oidc.issuer is None and current.oidc.scope == "openid profile email"


def test_a_value_set_later_is_read_at_the_next_call(clean: pytest.MonkeyPatch) -> None:
    assert settings().web.concurrency == 2
    clean.setenv("JOINEDUP_WEB_CONCURRENCY", "7")
    assert settings().web.concurrency == 7
    clean.setenv("JOINEDUP_WEB_CONCURRENCY", "   ")  # blank counts as unset, as it always did
    assert settings().web.concurrency == 2
    clean.setenv("JOINEDUP_ALERT_DUTY_TEAMS", " police = ppu@example.org ,health=h@example.org")
    assert settings().alerts.duty_teams == {"police": "ppu@example.org", "health": "h@example.org"}
    clean.setenv("JOINEDUP_AUDIT_TRUSTED_KEYS", os.pathsep.join(["/keys/a.pem", "/keys/b.pem"]))
    assert settings().audit.trusted_keys == (Path("/keys/a.pem"), Path("/keys/b.pem"))


def test_a_password_or_secret_key_is_taken_as_given(clean: pytest.MonkeyPatch) -> None:
    """Blanks are part of a password (twelve spaces are refused as a weak one, not taken for
    no password at all)."""
    clean.setenv("JOINEDUP_NEW_PASSWORD", " " * 12)
    assert settings().accounts.new_password == " " * 12
    clean.setenv("JOINEDUP_SECRET_KEY", " key with blanks ")
    assert settings().web.secret_key == " key with blanks "


@pytest.mark.parametrize(
    ("name", "value", "says"),
    [
        ("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "often", "valid integer"),  # was: the default
        ("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "-1", "greater than or equal to 0"),
        ("JOINEDUP_SEARCH_LIMIT_PER_HOUR", "0", "greater than or equal to 1"),  # was: 1
        ("JOINEDUP_BREAK_GLASS_NOTICE_PER_DAY", "three", "valid integer"),  # was: 3
        ("JOINEDUP_ALERT_LEASE_SECONDS", "0", "greater than 0"),
        ("JOINEDUP_ALERT_OPERATOR_EVERY_SECONDS", "soon", "valid number"),  # was: a traceback
        ("JOINEDUP_ALERT_DUTY_TEAMS", "police", "'police' is not agency=email"),  # was: ignored
        ("JOINEDUP_COOKIE_SECURE", "maybe", "valid boolean"),  # was: secure
        ("JOINEDUP_WEB_CONCURRENCY", "many", "valid integer"),
        ("JOINEDUP_INGEST_PARSE_PROCESS", "sometimes", "auto, always or never"),
        ("JOINEDUP_OIDC_ISSUER", "http://idp.example", "https URL"),
        ("JOINEDUP_SPARK_PARTITIONS", "0", "greater than or equal to 1"),
        ("JOINEDUP_ENV", "staging", "'development' or 'production'"),
        ("JOINEDUP_ALERT_WEBHOOK_URL", "ftp://cms.example", "https://"),
    ],
)
def test_a_bad_value_is_one_line_naming_the_variable(
    clean: pytest.MonkeyPatch, name: str, value: str, says: str
) -> None:
    clean.setenv(name, value)
    with pytest.raises(ConfigError) as refused:
        settings()
    message = str(refused.value)
    assert message.startswith(f"{name}: ") and says in message and "\n" not in message
    assert value in message


def test_every_problem_is_named_at_once_and_a_secret_is_never_repeated(
    clean: pytest.MonkeyPatch,
) -> None:
    clean.setenv("JOINEDUP_SMTP_URL", "imap://alerts:hunter2@relay.example")
    clean.setenv("JOINEDUP_WEB_MAX_BODY_BYTES", "0")
    clean.setenv("JOINEDUP_OIDC_ISSUER", "https://idp.example")  # without its client
    with pytest.raises(ConfigError) as refused:
        settings()
    message = str(refused.value)
    assert "JOINEDUP_SMTP_URL: must be an smtps://" in message and "hunter2" not in message
    assert "JOINEDUP_WEB_MAX_BODY_BYTES" in message
    assert "OIDC needs JOINEDUP_OIDC_CLIENT_ID and JOINEDUP_OIDC_CLIENT_SECRET" in message
    assert "\n" not in message
    web = config.read_group(WebSettings, {"JOINEDUP_SECRET_KEY": "a-secret-value"})
    assert web.secret_key == "a-secret-value" and "a-secret-value" not in repr(web)


@pytest.mark.parametrize(
    "command",
    [["joinedup.cli", "db", "status"], ["joinedup.alerts.worker"]],
    ids=["joinedup db status", "python -m joinedup.alerts.worker"],
)
def test_a_command_given_a_bad_value_says_so_in_one_line(
    tmp_path: Path, command: list[str]
) -> None:
    """Not a traceback: one line and the exit code for bad input, from the CLI and from the
    worker's own entry point (what a service manager runs)."""
    env = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": f"sqlite:///{tmp_path / 'store.db'}",
        "JOINEDUP_AUDIT_CHECKPOINT_EVERY": "often",
    }
    done = subprocess.run(
        [sys.executable, "-m", *command], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("error: JOINEDUP_AUDIT_CHECKPOINT_EVERY: input should be a valid")
    assert lines[0].endswith(", not 'often'")


def test_the_readme_tables_are_the_ones_the_settings_generate() -> None:
    """``cog -r README.md`` regenerates them; this fails until it has been run."""
    from cogapp import Cog

    readme = ROOT / "README.md"
    status = Cog().main(["cog", "--check", str(readme)])
    assert status == 0, "README.md's configuration differs from the settings: cog -r README.md"
    text = readme.read_text(encoding="utf-8")
    assert markdown() in text
    for _group, name, field in variables():
        assert f"| `{name}` |" in text and field.description, name


def test_the_docs_mention_no_variable_the_settings_do_not_declare() -> None:
    declared = {name for _group, name, _field in variables()} | NOT_THE_PLATFORMS
    for page in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        named = set(re.findall(r"JOINEDUP_[A-Z_]*[A-Z]", page.read_text(encoding="utf-8")))
        named = {n for n in named if not n.endswith("_") and n != "JOINEDUP_OIDC"}
        assert named <= declared, f"{page.name} names {sorted(named - declared)}"

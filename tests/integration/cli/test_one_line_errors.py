"""Bad input on the command line is one line naming the problem and exit code 2, never a
traceback: the errors are translated once, for every command, by the root command group."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.governance.agreements import EXAMPLES

runner = CliRunner()


@pytest.fixture(autouse=True)
def empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", f"sqlite:///{tmp_path / 'joinedup.db'}")


def one_line_error(*args: str) -> str:
    result = runner.invoke(app, list(args))
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), result.output
    return lines[0]


DECIDE = ["access", "decide", "--user", "u", "--role", "MASH_PRACTITIONER", "--agency", "police",
          "--purpose", "MASH_TRIAGE", "--child", "P-1", "--fields", "police.*"]  # fmt: skip


def test_a_decision_as_of_a_day_that_is_not_a_date() -> None:
    line = one_line_error(*DECIDE, "--agreements", str(EXAMPLES), "--as-of", "next week")
    assert line == "error: --as-of 'next week' is not a date (YYYY-MM-DD)"


def test_households_on_a_day_that_is_not_a_date() -> None:
    line = one_line_error("households", "P-1", "--as", "steward", "--on", "31/12/2025")
    assert line == "error: --on '31/12/2025' is not a date (YYYY-MM-DD)"


def test_an_error_from_a_service_is_one_line_with_its_exit_code() -> None:
    result = runner.invoke(app, ["users", "disable", "nobody"])
    assert result.exit_code == 4, result.output
    assert result.output.strip().splitlines() == ["error: no account 'nobody'"]

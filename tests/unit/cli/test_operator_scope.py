"""The command line records who is at the keyboard (``audit.log.OPERATOR``) for the command it
runs, and only for it: in a process that runs commands in turn (the tests' CliRunner, a shell
embedding the app) what is done after a command is not recorded as the command's. An audit
entry written later once carried ``operator: cli`` from an earlier test's command."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.governance.audit.log import OPERATOR


def test_the_operator_is_set_for_the_command_and_cleared_after_it(tmp_path: Path) -> None:
    assert OPERATOR.get() is None
    result = CliRunner().invoke(
        app,
        ["synth", "--children", "5", "--seed", "3", "--out", str(tmp_path / "p")],
    )
    assert result.exit_code == 0, result.output
    assert OPERATOR.get() is None

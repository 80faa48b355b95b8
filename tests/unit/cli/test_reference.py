"""docs/cli.md is the reference of every command, generated from the Typer app (its help
texts and options) by cog: this fails when the file differs from what the code generates.
Regenerate it with `cog -r docs/cli.md`."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from cogapp import Cog
from typer.core import TyperGroup

from joinedup.cli import app

DOCS = Path(__file__).resolve().parents[3] / "docs" / "cli.md"


def test_docs_cli_md_is_what_the_code_generates(capsys: pytest.CaptureFixture[str]) -> None:
    status = Cog().main(["cog", "--check", "--diff", "--verbosity=0", str(DOCS)])
    assert status == 0, f"docs/cli.md is out of date: `cog -r docs/cli.md`\n{capsys.readouterr()}"


def test_the_reference_documents_every_command_and_option() -> None:
    text = DOCS.read_text(encoding="utf-8")

    def walk(group: TyperGroup, path: str) -> None:
        for name, command in group.commands.items():
            if isinstance(command, TyperGroup):
                walk(command, f"{path} {name}")
                continue
            assert f"## `{path} {name}`" in text, f"{path} {name} is not in docs/cli.md"
            for param in command.params:
                for flag in getattr(param, "opts", []):
                    if flag.startswith("-"):
                        assert f"`{flag}" in text, f"{path} {name} {flag} is not in docs/cli.md"

    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    walk(root, "joinedup")

"""The command line's layout (issue 18, "a flat CLI"): every command is a plain function at
the top of a module, a group's commands sit in the module named after the group, and every
module stays small enough to read. Checked on the commands Typer builds, so a new command is
covered without registering it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperGroup

from joinedup.cli import app

CLI = Path(__file__).resolve().parents[3] / "src" / "joinedup" / "cli"
MODULE_LINES = 400


def commands(group: TyperGroup, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            yield from commands(command, (*path, name))
        else:
            yield (*path, name)


def callback(path: tuple[str, ...]) -> Callable[..., Any]:
    command: Any = typer.main.get_command(app)
    for name in path:
        assert isinstance(command, TyperGroup)
        command = command.commands[name]
    assert command.callback is not None
    return getattr(command.callback, "__wrapped__", command.callback)


ROOT = typer.main.get_command(app)
assert isinstance(ROOT, TyperGroup)
EVERY_COMMAND = sorted(commands(ROOT))


def test_the_walk_finds_every_command() -> None:
    assert len(EVERY_COMMAND) >= 64
    assert ("audit", "rotate-key") in EVERY_COMMAND and ("ingest",) in EVERY_COMMAND


def test_every_command_is_a_module_level_function() -> None:
    closures = [" ".join(p) for p in EVERY_COMMAND if "<locals>" in callback(p).__qualname__]
    assert not closures, f"commands defined inside another function: {closures}"


def test_a_groups_commands_live_in_the_module_named_after_it() -> None:
    misplaced = {
        " ".join(path): callback(path).__module__
        for path in EVERY_COMMAND
        if len(path) > 1
        and callback(path).__module__ != f"joinedup.cli.{path[0].replace('-', '_')}"
    }
    assert not misplaced, f"group commands outside their group's module: {misplaced}"


def test_every_cli_module_stays_under_the_house_limit() -> None:
    long = {
        path.name: n
        for path in sorted(CLI.glob("*.py"))
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MODULE_LINES
    }
    assert not long, f"modules over {MODULE_LINES} lines: {long}"

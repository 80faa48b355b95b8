"""docs/cli.md, the reference of every command, generated from the Typer app: each command's
help text, usage, arguments and options, as the code declares them. cog runs ``markdown()``
inside docs/cli.md (`cog -r docs/cli.md`); tests/unit/cli/test_reference.py fails when the
file differs from what this generates."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

SHORT_HELP = 95  # characters of a command's help in the table of commands
# Value placeholders by the Python type an option is declared with.
PLACEHOLDERS = {int: "INTEGER", float: "NUMBER", str: "TEXT", Path: "PATH"}


def markdown() -> str:
    """The reference: a table of the commands, then each group and command in the order
    `joinedup --help` lists them."""
    from joinedup.cli import app

    root = typer.main.get_command(app)
    assert isinstance(root, TyperGroup)
    context = typer.Context(root, info_name="joinedup")
    entries = list(_walk(root, context))
    lines = ["| command | what it does |", "| --- | --- |"]
    for command, ctx in entries:
        if ctx.parent is not None:
            summary = _escape(command.get_short_help_str(limit=SHORT_HELP)).replace("|", "\\|")
            lines.append(f"| [`{ctx.command_path}`](#{_anchor(ctx.command_path)}) | {summary} |")
    sections = [_section(command, ctx) for command, ctx in entries if ctx.parent is not None]
    return "\n".join(lines) + "\n\n" + "\n".join(sections)


def _walk(command: Any, ctx: typer.Context) -> Iterator[tuple[Any, typer.Context]]:
    yield command, ctx
    if isinstance(command, TyperGroup):
        for name in command.list_commands(ctx):
            sub = command.commands[name]
            yield from _walk(sub, typer.Context(sub, info_name=name, parent=ctx))


def _section(command: Any, ctx: typer.Context) -> str:
    depth = ctx.command_path.count(" ")  # `joinedup audit` 1, `joinedup audit verify` 2
    is_group = isinstance(command, TyperGroup)
    heading = "#" * (depth + 1)
    parts = [f"{heading} `{ctx.command_path}`", _paragraphs(command.help or "")]
    if is_group:
        parts.append("Commands: " + ", ".join(
            f"[`{name}`](#{_anchor(f'{ctx.command_path} {name}')})"
            for name in command.list_commands(ctx)
        ) + ".")  # fmt: skip
        return "\n\n".join(parts) + "\n"
    parts.append(f"```\n{_usage(command, ctx)}\n```")
    arguments = [p for p in command.params if isinstance(p, TyperArgument)]
    options = [p for p in command.params if isinstance(p, TyperOption)]
    if arguments:
        parts.append("Arguments:\n\n" + "\n".join(_argument(p) for p in arguments))
    if options:
        hints = _hints(command)
        parts.append("Options:\n\n" + "\n".join(_option(p, hints.get(p.name)) for p in options))
    return "\n\n".join(parts) + "\n"


def _usage(command: Any, ctx: typer.Context) -> str:
    pieces = [ctx.command_path]
    if any(isinstance(p, TyperOption) for p in command.params):
        pieces.append("[OPTIONS]")
    for p in command.params:
        if isinstance(p, TyperArgument):
            name = _argument_name(p)
            pieces.append(name if p.required else f"[{name}]")
    return " ".join(pieces)


def _argument_name(param: TyperArgument) -> str:
    name = (param.metavar or param.name or "").upper()
    return f"{name}..." if param.nargs == -1 else name


def _argument(param: TyperArgument) -> str:
    state = "required" if param.required else "optional"
    return _item(f"`{_argument_name(param)}` ({state})", param.help)


def _option(param: TyperOption, hint: Any) -> str:
    value, repeatable = _placeholder(hint)
    if param.metavar:
        value = param.metavar
    names = [f"`{flag}`" if param.is_flag else f"`{flag} {value}`" for flag in param.opts]
    names += [f"`{flag}`" for flag in param.secondary_opts]
    notes = []
    if param.required:
        notes.append("required")
    if repeatable or param.multiple:
        notes.append("repeatable")
    if param.secondary_opts and param.is_flag:
        notes.append(f"default `{(param.opts if param.default else param.secondary_opts)[0]}`")
    elif not param.is_flag and param.default not in (None, "", [], ()):
        notes.append(f"default `{param.default}`")
    bounds = [getattr(param, "min", None), getattr(param, "max", None)]
    if bounds[0] is not None and bounds[1] is not None:
        notes.append(f"{bounds[0]} to {bounds[1]}")
    elif bounds[0] is not None:
        notes.append(f"at least {bounds[0]}")
    elif bounds[1] is not None:
        notes.append(f"at most {bounds[1]}")
    label = " or ".join(names) + (f" ({'; '.join(notes)})" if notes else "")
    return _item(label, param.help)


def _item(label: str, help_text: str | None) -> str:
    return f"- {label}" + (f": {_escape(' '.join(help_text.split()))}" if help_text else "")


def _hints(command: Any) -> dict[str, Any]:
    callback = getattr(command.callback, "__wrapped__", command.callback)
    return typing.get_type_hints(callback) if callback else {}


def _placeholder(hint: Any) -> tuple[str, bool]:
    """The value an option takes (TEXT, INTEGER, PATH...) and whether it repeats."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if isinstance(hint, types.UnionType) or typing.get_origin(hint) is typing.Union:
        return _placeholder(args[0]) if args else ("TEXT", False)
    if typing.get_origin(hint) is list:
        return PLACEHOLDERS.get(args[0], "TEXT") if args else "TEXT", True
    return PLACEHOLDERS.get(hint, "TEXT"), False


def _paragraphs(text: str) -> str:
    """A docstring's paragraphs, each on one line: wrapped for the source, a line could
    start with something Markdown reads as a list or a heading."""
    return "\n\n".join(_escape(" ".join(p.split())) for p in text.strip().split("\n\n"))


def _escape(text: str) -> str:
    """Help text as Markdown: code spans (in backticks) kept; elsewhere the characters
    Markdown would take as emphasis or HTML are escaped."""
    pieces = re.split(r"(`[^`]*`)", text)
    return "".join(
        piece if piece.startswith("`") else re.sub(r"([\\*<])", r"\\\1", piece) for piece in pieces
    )


def _anchor(command_path: str) -> str:
    """The anchor GitHub gives the heading `` `joinedup audit verify` ``."""
    return re.sub(r"[^a-z0-9 -]", "", command_path.lower()).replace(" ", "-")

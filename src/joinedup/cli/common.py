"""What every command shares: the root command group (one place that seals the audit log and
turns a ``JoinedUpError`` into a one-line reason), output as text or ``--json``, the progress
bar, dates given as options, and the options many commands take."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, NoReturn, TypeVar

import typer
from rich.console import Console, RenderableType
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from typer.core import TyperGroup

from joinedup.errors import BadInput, JoinedUpError
from joinedup.governance.audit.seal import sealing

console = Console(stderr=True)
out = Console()
T = TypeVar("T")

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object for scripts.")

# Commands that show personal data name their caller: an account in the store, whose role is
# checked and whose access is audited, exactly as for a signed-in user of the web app.
AS_OPTION = typer.Option(
    ...,
    "--as",
    metavar="USERNAME",
    help="Your account (`joinedup users list`): the access is checked against its role and "
    "recorded in the audit log.",
)


class Commands(TyperGroup):
    """The ``joinedup`` command group. Every command runs inside it, so this is the one place
    that (a) seals the audit log: a command that appended entries ends with a signed head over
    them, witnessed (``governance/audit/seal.py``), also when it fails; and (b) turns a
    ``JoinedUpError`` into its one-line reason on stderr and its exit code, no traceback."""

    def invoke(self, ctx: Any) -> Any:
        with sealing():
            try:
                return super().invoke(ctx)
            except JoinedUpError as error:
                fail(error)


def fail(error: JoinedUpError) -> NoReturn:
    # escaped: a reason may hold square brackets ("pip install 'joinedup[synth]'") that rich
    # would otherwise take for markup and drop
    console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
    raise typer.Exit(error.exit_code) from None


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


def emit(
    result: T,
    as_json: bool,
    text: Callable[[T], RenderableType | None] | None = None,
    *,
    data: Callable[[T], Any] | None = None,
) -> None:
    """A command's result: one JSON object (``data(result)``, or the result itself) with
    ``--json``; otherwise ``text(result)``, which prints it or returns what to print."""
    if as_json:
        print_json(data(result) if data else result)
        return
    shown = text(result) if text else result
    if shown is not None:
        out.print(shown)


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A rich progress bar on stderr; yields ``update(stage, done, total)``."""
    if not enabled:
        yield lambda _stage, _done, _total: None
        return
    columns = (
        TextColumn("{task.description:<34}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=False) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=max(total, 1))
            bar.update(tasks[stage], completed=done, total=max(total, done, 1))

        yield update


def parse_date(value: str | None, option: str) -> date | None:
    """An option's YYYY-MM-DD as a date (None when not given); a bad one is ``BadInput``
    naming the option, not a traceback."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None


def parse_moment(value: str | None, option: str, expected: str) -> datetime | None:
    """An option's ISO 8601 date or date-time as an aware moment (UTC when it names no
    offset); None when not given; ``BadInput`` saying what was ``expected`` otherwise."""
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadInput(f"{option} {value!r} is not {expected}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

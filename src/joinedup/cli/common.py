"""What every command shares: one-line errors without tracebacks, JSON output, progress."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from joinedup.errors import JoinedUpError
from joinedup.governance.audit.seal import sealing

console = Console(stderr=True)
out = Console()
T = TypeVar("T")

JSON_OPTION = typer.Option(False, "--json", help="Print one JSON object for scripts.")


def run(action: Callable[[], T]) -> T:
    """Run a command body; a JoinedUpError becomes a one-line reason and its exit code. A
    command that wrote to the audit log ends with a signed head over it (``sealing``)."""
    with sealing():
        try:
            return action()
        except JoinedUpError as error:
            # escaped: a reason may hold brackets (`joinedup[synth]`) that are not markup
            console.print(
                f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True
            )
            raise typer.Exit(error.exit_code) from None


def print_json(value: Any) -> None:
    sys.stdout.write(json.dumps(value, indent=2, sort_keys=True, default=str) + "\n")


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


# Commands that show personal data name their caller: an account in the store, whose role is
# checked and whose access is audited, exactly as for a signed-in user of the web app.
AS_OPTION = typer.Option(
    ...,
    "--as",
    metavar="USERNAME",
    help="Your account (`joinedup users list`): the access is checked against its role and "
    "recorded in the audit log.",
)

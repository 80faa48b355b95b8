"""What every command shares: the root command group (one place that seals the audit log,
turns a ``JoinedUpError`` into a one-line reason and any other exception into a one-line
"internal error"), output as text or ``--json``, the progress bar, dates given as options,
and the options many commands take."""

from __future__ import annotations

import json
import sys
import tempfile
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, NoReturn, TypeVar, cast

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
from sqlalchemy.exc import InterfaceError, OperationalError
from typer.core import TyperGroup

from joinedup.errors import BadInput, JoinedUpError, StoreUnavailable
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


# The root option that shows an internal error's traceback on stderr (``joinedup --debug ...``)
# sets this in the root context's meta, which every command's context shares.
DEBUG = "joinedup.debug"
INTERNAL_ERROR_EXIT = 70  # EX_SOFTWARE (sysexits.h): a fault of joinedup's, not of the input
# What typer (its own click) raises to end a command on purpose: an exit code, ^C, a usage error.
CLICK_OUTCOMES = (typer.Exit, typer.Abort, typer.TyperException)


class Commands(TyperGroup):
    """The ``joinedup`` command group. Every command runs inside it, so this is the one place
    that (a) seals the audit log: a command that appended entries ends with a signed head over
    them, witnessed (``governance/audit/seal.py``), also when it fails; (b) turns a
    ``JoinedUpError`` into its one-line reason on stderr and its exit code, no traceback; and
    (c) turns any other exception (a bug) into one line naming the command and the error's
    kind, exit code 70, with the traceback kept in a log file (or shown with ``--debug``)."""

    def invoke(self, ctx: Any) -> Any:
        command = self.command_named(ctx)
        try:
            with sealing():
                try:
                    return super().invoke(ctx)
                except JoinedUpError as error:
                    fail(error)
        except CLICK_OUTCOMES:
            raise
        except JoinedUpError as error:  # from sealing the log
            fail(error)
        except (OperationalError, InterfaceError) as error:
            if error.statement is not None:  # a statement failed: a fault of joinedup's
                internal_error(command, error, shown=bool(ctx.meta.get(DEBUG)))
            # opening a connection failed: the server, the file, the URL's credentials
            reason = str(error.orig).strip().splitlines()[0] if error.orig else type(error).__name__
            fail(StoreUnavailable(f"cannot open the store (JOINEDUP_DATABASE_URL): {reason}"))
        except Exception as error:  # noqa: BLE001 - the one place a bug is caught, see above
            internal_error(command, error, shown=bool(ctx.meta.get(DEBUG)))

    def command_named(self, ctx: Any) -> str:
        """``joinedup audit verify``: the command the arguments name (before they are parsed
        further), for the one line an internal error prints."""
        words, group = ["joinedup"], cast(Any, self)  # a group, then a command of it
        for word in [*getattr(ctx, "_protected_args", []), *ctx.args]:
            command = group.get_command(ctx, word) if isinstance(group, TyperGroup) else None
            if command is None:
                break
            words.append(word)
            group = command
        return " ".join(words)


def internal_error(command: str, error: Exception, *, shown: bool) -> NoReturn:
    """One line for a bug: the command and the error's kind, never its message (which may hold
    a delivered value); the traceback goes to stderr with ``--debug``, else to a private log
    file (mode 0600) that the line names."""
    kind = type(error).__name__
    if shown:
        traceback.print_exception(error, file=sys.stderr)
        where = "the traceback is above"
    else:
        handle, path = tempfile.mkstemp(prefix="joinedup-error-", suffix=".log")
        with open(handle, "w", encoding="utf-8") as log:
            log.write(f"{command}\n")
            traceback.print_exception(error, file=log)
        where = f"details in {path} or with --debug"
    console.print(
        f"[bold red]{escape(command)}:[/] internal error ({escape(kind)}) — {escape(where)}",
        highlight=False,
        soft_wrap=True,
    )
    raise typer.Exit(INTERNAL_ERROR_EXIT) from None


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

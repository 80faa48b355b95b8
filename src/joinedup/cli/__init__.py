"""The ``joinedup`` command, composed here from one module per command group: ``joinedup
audit ...`` is cli/audit.py's ``app``, ``joinedup break-glass ...`` cli/break_glass.py's. A
command with no group sits in the module of its capability (``link``, ``explain-link``,
``evaluate-linkage`` and ``households`` in cli/linkage.py), whose ``app`` is merged in at the
top level.

Each command is a plain function: it parses its options, calls a service and hands the result
to ``emit`` (text, or one JSON object with ``--json``). The root group (``common.Commands``)
seals the audit log after every command, turns a ``JoinedUpError`` into its one-line
reason and exit code, and any other exception into one line naming the command and the
error's kind (exit 70; the traceback in a log file, or on stderr with ``--debug``).
docs/cli.md is generated from these modules: `cog -r docs/cli.md`.
"""

from __future__ import annotations

import os

import typer

from joinedup.cli import (
    access,
    agreements,
    alerts,
    audit,
    break_glass,
    db,
    demo,
    exchange,
    ingest,
    interventions,
    linkage,
    network,
    quality,
    quarantine,
    receive,
    replay,
    retention,
    review,
    risk,
    serve,
    synth,
    transparency,
    triage,
    users,
)
from joinedup.cli.common import DEBUG, Commands

app = typer.Typer(
    name="joinedup",
    cls=Commands,
    help=(
        "joinedup joins up what each safeguarding partner records about a child: it takes "
        "each agency's deliveries, keeps every row, explains every data problem, and (in "
        "later capabilities) links people across agencies for the MASH."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="markdown",
)

# The commands without a group first, then the groups, in the order `joinedup --help` lists
# them. A module of top-level commands is merged in as it is; a group is added by its name.
for module in (synth, ingest, demo, quality, linkage, triage, network, transparency, serve,
               replay):  # fmt: skip
    app.add_typer(module.app)
app.add_typer(receive.deliver_app)
app.add_typer(db.app, name="db")
app.add_typer(agreements.app, name="agreements")
app.add_typer(access.app, name="access")
app.add_typer(break_glass.app, name="break-glass")
app.add_typer(quarantine.app, name="quarantine")
app.add_typer(audit.app, name="audit")
app.add_typer(review.app, name="review")
app.add_typer(risk.app, name="risk")
app.add_typer(retention.app, name="retention")
app.add_typer(users.app, name="users")
app.add_typer(alerts.app, name="alerts")
app.add_typer(interventions.app, name="interventions")
app.add_typer(receive.app, name="receive")
app.add_typer(exchange.app, name="exchange")


@app.callback()
def operator(
    ctx: typer.Context,
    debug: bool = typer.Option(
        False,
        "--debug",
        help="Show the traceback of an internal error (a fault of joinedup's) on stderr, "
        "rather than in the log file its one-line message names.",
    ),
) -> None:
    """Every command runs with the platform's event flow (``joinedup.bootstrap``), and every
    audit entry it writes records that it came from the command line and which
    operating-system user ran it, beside the account named with ``--as``."""
    import getpass

    ctx.meta[DEBUG] = debug

    from joinedup import bootstrap
    from joinedup.governance.audit.log import OPERATOR

    bootstrap.wire()

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME (a bare container)
        user = f"uid {os.getuid()}"
    # For this command only: a process that runs commands in turn (the tests' CliRunner, a
    # shell embedding the app) must not record later work as this command's.
    token = OPERATOR.set({"channel": "cli", "os_user": user})
    ctx.call_on_close(lambda: OPERATOR.reset(token))


def main() -> None:  # pragma: no cover - console entry point
    app()

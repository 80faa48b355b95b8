"""The ``joinedup`` command. Each capability registers its commands from its own module."""

from __future__ import annotations

import os

import typer

from joinedup.cli import access, agreements, db, demo, ingest, linkage, quality, quarantine, synth
from joinedup.cli import alerts as alerts_cli
from joinedup.cli import audit as audit_cli
from joinedup.cli import interventions as interventions_cli
from joinedup.cli import retention as retention_cli
from joinedup.cli import risk as risk_cli
from joinedup.cli import transparency as transparency_cli
from joinedup.cli import web as web_cli

app = typer.Typer(
    name="joinedup",
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
db.register(app)
synth.register(app)
ingest.register(app)
agreements.register(app)
access.register(app)
demo.register(app)
quarantine.register(app)
quality.register(app)
audit_cli.register(app)
linkage.register(app)
risk_cli.register(app)
retention_cli.register(app)
transparency_cli.register(app)
web_cli.register(app)
alerts_cli.register(app)
interventions_cli.register(app)


@app.callback()
def operator() -> None:
    """Every command runs with the platform's event flow (``joinedup.bootstrap``), and every
    audit entry it writes records that it came from the command line and which
    operating-system user ran it, beside the account named with ``--as``."""
    import getpass

    from joinedup import bootstrap
    from joinedup.governance.audit.log import OPERATOR

    bootstrap.wire()

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no passwd entry and no LOGNAME (a bare container)
        user = f"uid {os.getuid()}"
    OPERATOR.set({"channel": "cli", "os_user": user})


def main() -> None:  # pragma: no cover - console entry point
    app()

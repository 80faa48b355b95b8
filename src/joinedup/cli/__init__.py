"""The ``joinedup`` command. Each capability registers its commands from its own module."""

from __future__ import annotations

import typer

from joinedup.cli import db, demo, ingest, synth

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
demo.register(app)


def main() -> None:  # pragma: no cover - console entry point
    app()

"""``joinedup transparency PERSON``: what was shared about a person, in plain language, with
the DPA 2018 Sch 3 exemptions applied and each withholding recorded in the audit log."""

from __future__ import annotations

from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import JSON_OPTION, emit, out
from joinedup.errors import BadInput
from joinedup.governance.transparency import CHILD_ABUSE, SERIOUS_HARM
from joinedup.services import stewardship

app = typer.Typer()


@app.command("transparency")
def transparency_command(
    person: str = typer.Argument(..., help="The person (the audit log's subject id)."),
    requester: str = typer.Option(
        "self",
        help="Who asks: `self` (the person) or `parent` (someone with parental responsibility).",
    ),
    output_format: str = typer.Option("md", "--format", help="md or html."),
    actor: str = typer.Option(
        ...,
        "--as",
        "--actor",
        metavar="USERNAME",
        help="Your account (a privacy officer): recorded in the audit log.",
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """A report of who looked at or shared information about PERSON, when, why and under
    which law, in plain language. Entries exempt under DPA 2018 Sch 3 are left out and each
    withholding is recorded in the audit log; `--json` (for the DPO) lists them."""
    if output_format not in ("md", "html"):
        raise BadInput("--format must be md or html")
    engine = services.open_store()
    who = stewardship.account_named(engine, actor)
    report = stewardship.transparency_report(engine, who, person, requester=requester)
    emit(report, json_output, lambda r: show_report(r, output_format), data=lambda r: r.to_dict())


def show_report(report: Any, output_format: str) -> None:
    text = report.to_html() if output_format == "html" else report.to_markdown()
    out.print(text, end="", markup=False, highlight=False, soft_wrap=True)


@app.command("transparency-exempt")
def exempt_command(
    seq: int = typer.Argument(..., help="The audit entry to withhold from reports."),
    exemption: str = typer.Option(
        ...,
        help=f"{SERIOUS_HARM} (from anyone) or {CHILD_ABUSE} (from a person with parental "
        "responsibility).",
    ),
    actor: str = typer.Option(
        ...,
        "--as",
        "--actor",
        metavar="USERNAME",
        help="Your account (a privacy officer deciding it).",
    ),
    note: str = typer.Option("", help="Why (kept in the audit log)."),
) -> None:
    """Record that an audit entry is exempt from transparency reports (DPA 2018 Sch 3).
    The entry itself is never edited: the decision is a new audit entry."""
    engine = services.open_store()
    who = stewardship.account_named(engine, actor)
    entry = stewardship.mark_exempt(engine, who, seq, exemption, note)
    out.print(f"entry {seq} marked {exemption} (audit entry {entry.seq})")

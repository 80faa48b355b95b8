"""``joinedup agreements``: data sharing agreements as data (load, list, show, diff) and the
documents generated from them (DSA, DPIA draft)."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import RenderableType
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, console, emit, out
from joinedup.errors import BadInput
from joinedup.services import agreements

if TYPE_CHECKING:
    from joinedup.governance.agreements import Agreement
    from joinedup.governance.conflicts import Conflict

FORMAT_OPTION = typer.Option("md", "--format", help="md (Markdown) or pdf.")
OUT_OPTION = typer.Option(None, "--out", help="File to write; Markdown goes to stdout if unset.")


app = typer.Typer(
    help="Data sharing agreements as data: load YAML, list, show, compare, and generate "
    "the DSA and DPIA documents.",
    no_args_is_help=True,
)


@app.command("load")
def load_command(
    paths: list[Path] = typer.Argument(..., help="Agreement YAML files or folders."),
    check: bool = typer.Option(False, "--check", help="Validate only; store nothing."),
    by: str = typer.Option(None, "--by", help="Who is loading (default: the OS user)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Validate agreements (every problem is named by file and field) and store them. A new
    version supersedes the old, which is kept; conflicts with other active agreements are
    shown side by side."""
    if check:
        loaded = agreements.check(paths)
    else:
        engine = services.open_store()
        loaded = agreements.load(engine, paths, loaded_by=by or getpass.getuser())
    emit(loaded, json_output, show_loaded, data=lambda r: r.to_dict())


def show_loaded(loaded: agreements.Loaded) -> None:
    for agreement in loaded.checked:
        out.print(f"[green]valid[/] {agreement.key}: {agreement.title}")
    for outcome in loaded.outcomes:
        extra = f" (supersedes v{outcome.superseded})" if outcome.superseded else ""
        out.print(f"{outcome.agreement}: {outcome.status}{extra}")
    show_conflicts(loaded.conflicts)


@app.command("list")
def list_command(
    history: bool = typer.Option(False, "--history", help="Every stored version."),
    json_output: bool = JSON_OPTION,
) -> None:
    """The agreements in the store (current versions; --history for all)."""
    rows = agreements.stored(services.open_store(), history=history)
    emit({"agreements": rows}, json_output, lambda r: agreement_table(r["agreements"]))


def agreement_table(rows: list[dict[str, Any]]) -> RenderableType:
    if not rows:
        return "no agreements loaded (see `joinedup agreements load`)"
    table = Table(
        "id", "version", "status", "in force", "review by", "title", "superseded",
        box=None, pad_edge=False,
    )  # fmt: skip
    today = date.today()
    for r in rows:
        in_force = (
            r["status"] == "active"
            and r["effective_from"] <= today
            and (r["expires_on"] is None or today <= r["expires_on"])
        )
        review = r["review_by"].isoformat() + (" (overdue)" if r["review_by"] < today else "")
        table.add_row(
            r["agreement_id"],
            str(r["version"]),
            r["status"],
            "yes" if in_force else "no",
            review,
            r["title"],
            str(r["superseded_at"] or ""),
        )
    return table


@app.command("show")
def show_command(
    reference: str = typer.Argument(..., help="ID or ID@VERSION"),
    json_output: bool = JSON_OPTION,
) -> None:
    """One agreement: its parties, and each flow's items, recipients, purposes and terms."""
    agreement = agreements.get(services.open_store(), reference)
    emit(agreement, json_output, show_agreement, data=lambda a: a.to_document())


def show_agreement(agreement: Agreement) -> None:
    out.print(f"[bold]{agreement.key}[/] {agreement.title} ({agreement.status.value})")
    out.print(
        f"in force {agreement.effective_from} to {agreement.expires_on or '-'}, "
        f"review by {agreement.review_by}, {agreement.security_classification}"
    )
    out.print(
        "parties: "
        + "; ".join(
            f"{p.organisation} ({p.agency.value}, {p.controller_role.value})"
            for p in agreement.parties
        )
    )
    table = Table(
        "flow", "from", "to", "roles", "purposes", "items", "basis", "retention",
        box=None, pad_edge=False,
    )  # fmt: skip
    for f in agreement.flows:
        table.add_row(
            f.id,
            f.source.value,
            ", ".join(a.value for a in f.recipients),
            ", ".join(r.value for r in f.recipient_roles),
            ", ".join(p.value for p in f.purposes),
            ", ".join(f.items),
            f.lawful_basis.value,
            f.retention.period,
        )
    out.print(table)


@app.command("diff")
def diff_command(
    left: str = typer.Argument(None, help="ID or ID@VERSION (omit both: all conflicts)"),
    right: str = typer.Argument(None, help="ID or ID@VERSION"),
    json_output: bool = JSON_OPTION,
) -> None:
    """Two agreements (or two versions of one) side by side; with no arguments, every
    conflict between the active agreements in the store."""
    if left is None:
        found = agreements.conflicts(services.open_store())
        emit(
            found,
            json_output,
            lambda c: show_conflicts(c, none_message=True),
            data=lambda c: {"conflicts": [conflict.to_dict() for conflict in c]},
        )
        return
    if right is None:
        raise BadInput("give two agreements to compare (ID or ID@VERSION), or none")
    rows = agreements.compare(services.open_store(), left, right)
    emit(
        rows,
        json_output,
        side_by_side_table,
        data=lambda r: {"rows": [{"what": w, "left": a, "right": b} for w, a, b in r]},
    )


def side_by_side_table(rows: list[tuple[str, str, str]]) -> RenderableType:
    if len(rows) == 1:
        return f"{rows[0][1]} and {rows[0][2]} are the same"
    table = Table("", rows[0][1], rows[0][2], box=None, pad_edge=False)
    for what, a, b in rows[1:]:
        table.add_row(what, a, b)
    return table


@app.command("document")
def document_command(
    reference: str = typer.Argument(..., help="ID or ID@VERSION"),
    fmt: str = FORMAT_OPTION,
    out_file: Path = OUT_OPTION,
) -> None:
    """The data sharing agreement document of an agreement (Markdown or PDF)."""
    write_document("document", reference, fmt, out_file)


@app.command("dpia")
def dpia_command(
    reference: str = typer.Argument(..., help="ID or ID@VERSION"),
    fmt: str = FORMAT_OPTION,
    out_file: Path = OUT_OPTION,
) -> None:
    """A DPIA draft from an agreement's data, for the DPO to complete."""
    write_document("dpia", reference, fmt, out_file)


def write_document(
    kind: agreements.DocumentKind, reference: str, fmt: str, out_file: Path | None
) -> None:
    """Markdown to stdout, or to ``--out``; a PDF only to ``--out``."""
    document = agreements.document(services.open_store(), reference, kind)
    if fmt not in ("md", "pdf"):
        raise BadInput(f"unknown format {fmt!r}: use md or pdf")
    if fmt == "pdf":
        if out_file is None:
            raise BadInput("a PDF needs --out FILE")
        out_file.write_bytes(document.pdf())
    elif out_file is None:
        typer.echo(document.markdown, nl=False)
        return
    else:
        out_file.write_text(document.markdown, encoding="utf-8")
    console.print(f"wrote {out_file}")


def show_conflicts(conflicts: list[Conflict], *, none_message: bool = False) -> None:
    """Each conflict as a small side-by-side table."""
    if not conflicts:
        if none_message:
            out.print("no conflicts between the active agreements")
        return
    console.print(
        f"[bold yellow]{len(conflicts)} conflicting share(s)[/] between active "
        "agreements: the DPOs must settle them"
    )
    for c in conflicts:
        table = Table(
            f"{c.field} to {c.recipient}",
            c.left,
            c.right,
            box=None,
            pad_edge=False,
            title=f"for {', '.join(c.purposes)} ({', '.join(c.roles)})",
            title_justify="left",
        )
        for term, a, b in c.differences:
            table.add_row(term, a, b)
        out.print(table)

"""``joinedup agreements``: data sharing agreements as data (load, list, show, diff) and the
documents generated from them (DSA, DPIA draft)."""

from __future__ import annotations

import getpass
from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, console, out, print_json, run
from joinedup.errors import BadInput
from joinedup.governance import agreement_store
from joinedup.governance.agreements import Agreement, load_with_sources
from joinedup.governance.conflicts import Conflict, find_conflicts, side_by_side
from joinedup.store import UnitOfWork

FORMAT_OPTION = typer.Option("md", "--format", help="md (Markdown) or pdf.")
OUT_OPTION = typer.Option(None, "--out", help="File to write; Markdown goes to stdout if unset.")


def register(app: typer.Typer) -> None:
    agreements_app = typer.Typer(
        help="Data sharing agreements as data: load YAML, list, show, compare, and generate "
        "the DSA and DPIA documents.",
        no_args_is_help=True,
    )

    @agreements_app.command("load")
    def load_command(
        paths: list[Path] = typer.Argument(..., help="Agreement YAML files or folders."),
        check: bool = typer.Option(False, "--check", help="Validate only; store nothing."),
        by: str = typer.Option(None, "--by", help="Who is loading (default: the OS user)."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Validate agreements (every problem is named by file and field) and store them. A new
        version supersedes the old, which is kept; conflicts with other active agreements are
        shown side by side."""

        def body() -> None:
            loaded = load_with_sources(paths)
            agreements = [a for a, _ in loaded]
            outcomes = []
            if not check:
                engine = services.open_store()
                with UnitOfWork(engine) as uow:
                    for agreement, source in loaded:
                        outcomes.append(
                            agreement_store.save(
                                uow.connection,
                                agreement,
                                source=source,
                                loaded_by=by or getpass.getuser(),
                            )
                        )
                    current = agreement_store.current_agreements(uow.connection)
                    uow.commit()
            else:
                current = agreements
            conflicts = find_conflicts(current)
            if json_output:
                print_json(
                    {
                        "checked": [a.key for a in agreements],
                        "loaded": [o.to_dict() for o in outcomes],
                        "conflicts": [c.to_dict() for c in conflicts],
                    }
                )
                return
            for agreement in agreements:
                out.print(f"[green]valid[/] {agreement.key}: {agreement.title}")
            for outcome in outcomes:
                extra = f" (supersedes v{outcome.superseded})" if outcome.superseded else ""
                out.print(f"{outcome.agreement}: {outcome.status}{extra}")
            show_conflicts(conflicts)

        run(body)

    @agreements_app.command("list")
    def list_command(
        history: bool = typer.Option(False, "--history", help="Every stored version."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """The agreements in the store (current versions; --history for all)."""

        def body() -> None:
            with UnitOfWork(services.open_store()) as uow:
                rows = agreement_store.history(uow.connection)
            if not history:
                rows = [r for r in rows if r["superseded_at"] is None]
            if json_output:
                print_json({"agreements": rows})
                return
            table = Table(
                "id",
                "version",
                "status",
                "in force",
                "review by",
                "title",
                "superseded",
                box=None,
                pad_edge=False,
            )
            today = date.today()
            for r in rows:
                in_force = (
                    r["status"] == "active"
                    and r["effective_from"] <= today
                    and (r["expires_on"] is None or today <= r["expires_on"])
                )
                review = r["review_by"].isoformat() + (
                    " (overdue)" if r["review_by"] < today else ""
                )
                table.add_row(
                    r["agreement_id"],
                    str(r["version"]),
                    r["status"],
                    "yes" if in_force else "no",
                    review,
                    r["title"],
                    str(r["superseded_at"] or ""),
                )
            out.print(table if rows else "no agreements loaded (see `joinedup agreements load`)")

        run(body)

    @agreements_app.command("show")
    def show_command(
        reference: str = typer.Argument(..., help="ID or ID@VERSION"),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """One agreement: its parties, and each flow's items, recipients, purposes and terms."""

        def body() -> None:
            agreement = _get(reference)
            if json_output:
                print_json(agreement.to_document())
                return
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
                "flow",
                "from",
                "to",
                "roles",
                "purposes",
                "items",
                "basis",
                "retention",
                box=None,
                pad_edge=False,
            )
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

        run(body)

    @agreements_app.command("diff")
    def diff_command(
        left: str = typer.Argument(None, help="ID or ID@VERSION (omit both: all conflicts)"),
        right: str = typer.Argument(None, help="ID or ID@VERSION"),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Two agreements (or two versions of one) side by side; with no arguments, every
        conflict between the active agreements in the store."""

        def body() -> None:
            if left is None:
                with UnitOfWork(services.open_store()) as uow:
                    conflicts = find_conflicts(agreement_store.current_agreements(uow.connection))
                if json_output:
                    print_json({"conflicts": [c.to_dict() for c in conflicts]})
                else:
                    show_conflicts(conflicts, none_message=True)
                return
            if right is None:
                raise BadInput("give two agreements to compare (ID or ID@VERSION), or none")
            rows = side_by_side(_get(left), _get(right))
            if json_output:
                print_json({"rows": [{"what": w, "left": a, "right": b} for w, a, b in rows]})
                return
            table = Table("", rows[0][1], rows[0][2], box=None, pad_edge=False)
            for what, a, b in rows[1:]:
                table.add_row(what, a, b)
            out.print(table if len(rows) > 1 else f"{rows[0][1]} and {rows[0][2]} are the same")

        run(body)

    def _document_command(kind: str) -> None:
        def command(
            reference: str = typer.Argument(..., help="ID or ID@VERSION"),
            fmt: str = FORMAT_OPTION,
            out_file: Path = OUT_OPTION,
        ) -> None:
            def body() -> None:
                from joinedup.governance.documents import dpia_markdown, dsa_markdown
                from joinedup.governance.pdf import markdown_to_pdf

                agreement = _get(reference)
                markdown = (dsa_markdown if kind == "document" else dpia_markdown)(agreement)
                if fmt not in ("md", "pdf"):
                    raise BadInput(f"unknown format {fmt!r}: use md or pdf")
                if fmt == "pdf":
                    if out_file is None:
                        raise BadInput("a PDF needs --out FILE")
                    title = (
                        agreement.title if kind == "document" else f"DPIA draft: {agreement.title}"
                    )
                    out_file.write_bytes(markdown_to_pdf(markdown, title))
                elif out_file is None:
                    typer.echo(markdown, nl=False)
                    return
                else:
                    out_file.write_text(markdown, encoding="utf-8")
                console.print(f"wrote {out_file}")

            run(body)

        command.__doc__ = (
            "The data sharing agreement document of an agreement (Markdown or PDF)."
            if kind == "document"
            else "A DPIA draft from an agreement's data, for the DPO to complete."
        )
        agreements_app.command(kind)(command)

    _document_command("document")
    _document_command("dpia")
    app.add_typer(agreements_app, name="agreements")


def _get(reference: str) -> Agreement:
    agreement_id, version = agreement_store.parse_reference(reference)
    with UnitOfWork(services.open_store()) as uow:
        return agreement_store.get(uow.connection, agreement_id, version)


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

"""``joinedup quarantine``: the rows an ingest refused: list them, show one, reprocess."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, console, emit, out
from joinedup.cli.quality import text_bar
from joinedup.ingest.quality_rules import plural
from joinedup.services import data_quality, stewardship

AGENCY_OPTION = typer.Option(None, "--agency", help="Only this agency's rows.")


app = typer.Typer(
    help="The rows an ingest refused, each kept whole with its reasons: list them, show "
    "one, or re-validate them against what the store now knows.",
    no_args_is_help=True,
)


@app.command("list")
def list_command(
    agency: str | None = AGENCY_OPTION,
    status: str = typer.Option("open", "--status", help="open, resolved or all."),
    code: str | None = typer.Option(None, "--code", help="Only rows with this reason code."),
    limit: int = typer.Option(50, "--limit", min=0, help="Show at most this many rows."),
    as_user: str = AS_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """List quarantined rows, newest delivery first, after a count by reason code. The
    messages can quote the delivered value that was refused."""
    engine = services.open_store()
    result = stewardship.quarantined_rows(
        engine,
        stewardship.account_named(engine, as_user),
        agency_id=agency,
        status=status,
        code=code,
        limit=limit,
    )
    emit(result, json_output, lambda r: show_list(r, status))


@app.command("show")
def show_command(
    row_id: int = typer.Argument(..., help="The quarantined row's id (from `list`)."),
    as_user: str = AS_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Show one quarantined row whole: the row as delivered, every finding the ingest
    recorded for it, its delivery, and how (or whether) it was resolved. This shows
    personal data as delivered: data stewards and the privacy officer only, audited."""
    engine = services.open_store()
    result = stewardship.quarantined_row(engine, stewardship.account_named(engine, as_user), row_id)
    emit(result, json_output, show_row)


@app.command("reprocess")
def reprocess_command(
    agency: str | None = AGENCY_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Re-validate open quarantined rows against what the store now knows (a reference
    that a later delivery supplied, a person accepted since). Rows that now pass are
    accepted into the store and marked resolved; the rest stay open with refreshed
    reasons. All or nothing: one transaction."""
    report = data_quality.reprocess_quarantine(services.open_store(), agency)
    emit(report.to_dict(), json_output, show_reprocess)


def show_list(result: dict[str, Any], status: str) -> None:
    scope = "" if status == "all" else f"{status} "
    out.print(f"[bold]{plural(result['total'], scope + 'quarantined row')}[/]")
    if result["by_code"]:
        top = max(result["by_code"].values())
        codes = Table("reason code", "rows", "", box=None, pad_edge=False)
        for code, n in result["by_code"].items():
            codes.add_row(code, f"{n:,}", text_bar(100 * n / top, 20))
        out.print(codes)
    if not result["rows"]:
        return
    table = Table("id", "agency", "delivery", "file", "row", "reasons", "message", box=None)
    for r in result["rows"]:
        table.add_row(
            str(r["id"]),
            r["agency"],
            str(r["delivery_id"]),
            r["file"],
            str(r["row_number"]),
            ", ".join(r["reason_codes"]),
            r["message"],
        )
    out.print(table)
    if result["shown"] < result["total"]:
        console.print(f"showing {result['shown']} of {result['total']:,}: use --limit for more")


def show_row(row: dict[str, Any]) -> None:
    d = row["delivery"]
    out.print(f"[bold]Quarantined row {row['id']}[/]: {row['status']} ({row['resolution']})")
    out.print(
        f"{row['agency']} delivery {d['id']} ({d['feed_format']}, extracted "
        f"{d['extracted_at']}, received {d['received_at']}), {row['file']} row "
        f"{row['row_number']}; folder {d['source_path']}",
        highlight=False,
    )
    out.print(f"reasons: {', '.join(row['reason_codes'])}\n{row['message']}", highlight=False)
    if row["values"] is not None:
        values = Table(
            "column", "value as delivered", box=None, title="\nAs delivered", title_justify="left"
        )
        for column, value in row["values"].items():
            values.add_row(str(column), str(value))
        out.print(values)
    else:
        out.print(f"\n[bold]As delivered[/] ({row['values_note']}):")
        out.print(row["raw"], markup=False, highlight=False)
    findings = Table(
        "severity", "code", "field", "message", box=None, title="\nFindings", title_justify="left"
    )
    for f in row["findings"]:
        findings.add_row(f["severity"], f["code"], f["field"] or "", f["message"])
    out.print(findings)


def show_reprocess(report: dict[str, Any]) -> None:
    out.print(
        f"[bold]Reprocessed {plural(report['examined'], 'open quarantined row')}[/]: "
        f"{report['accepted']:,} accepted ({report['inserted']:,} new records, "
        f"{report['updated']:,} changed, {report['unchanged']:,} already identical), "
        f"{report['still_open']:,} still open, {report['not_reprocessable']:,} not "
        f"reprocessable, {report['superseded']:,} superseded by a later delivery"
    )
    if report["results"]:
        table = Table(
            "id", "agency", "delivery", "file", "row", "outcome", "reasons", "note", box=None
        )
        for r in report["results"]:
            table.add_row(
                str(r["id"]),
                r["agency"],
                str(r["delivery_id"]),
                r["file"],
                str(r["row_number"]),
                r["outcome"],
                ", ".join(r["reason_codes"]),
                r["note"],
            )
        out.print(table)
    console.print("[bold]limits[/]:")
    for limit in report["limits"]:
        console.print(f"  - {limit}", highlight=False)

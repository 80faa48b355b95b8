"""``joinedup ingest``: take agency deliveries into the store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, console, emit, out, progress_bar
from joinedup.ingest import IngestReport

app = typer.Typer()


@app.command("ingest")
def ingest_command(
    path: Path = typer.Argument(
        ...,
        help="An agency delivery folder (with manifest.json), "
        "or a partnership folder holding one per agency.",
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Ingest agency deliveries: check each manifest, validate every row, keep every row
    (accepted, accepted with warnings, or quarantined with its reasons). Exits 0 when the
    deliveries were taken, even with quarantined rows; non-zero with a one-line reason
    when a delivery is rejected whole (nothing of it is stored)."""
    engine = services.open_store()
    reports = []
    with progress_bar(enabled=not json_output) as update:
        for folder in services.deliveries_in(path):
            reports.append(services.ingest(engine, folder, progress=update))
    # a delivery folder gives its report; a partnership folder, every delivery's
    one_delivery = len(reports) == 1 and (path / "manifest.json").exists()
    emit(
        reports,
        json_output,
        show_reports,
        data=lambda rs: (
            rs[0].to_dict() if one_delivery else {"deliveries": [r.to_dict() for r in rs]}
        ),
    )


def show_reports(reports: list[IngestReport]) -> None:
    for report in reports:
        show_report(report)


def show_report(report: IngestReport) -> None:
    verb = "ingested as" if report.status == "ingested" else "already ingested as"
    out.print(
        f"[bold]{report.agency}[/] ({report.feed_format}) {verb} delivery "
        f"{report.delivery_id}: {report.total('rows'):,} rows, "
        f"{report.total('accepted'):,} accepted ({report.total('warnings'):,} with "
        f"warnings), {report.total('quarantined'):,} quarantined"
    )
    table = Table(
        "file",
        "rows",
        "accepted",
        "warnings",
        "quarantined",
        "new",
        "changed",
        "top findings",
        box=None,
        pad_edge=False,
    )
    for f in report.files:
        top = ", ".join(f"{code} {n:,}" for code, n in f.findings.most_common(3))
        table.add_row(
            f.path,
            f"{f.rows:,}",
            f"{f.accepted:,}",
            f"{f.warnings:,}",
            f"{f.quarantined:,}",
            f"{f.inserted:,}",
            f"{f.updated:,}",
            top,
        )
    out.print(table)
    for path, columns in report.ignored_columns.items():
        console.print(f"  note: {path} has columns this feed does not use: {', '.join(columns)}")
    if report.linking and report.linking.get("status") == "linked":
        link = report.linking
        out.print(
            f"  linked {link['records']:,} new or changed people at once: "
            f"{link['joined_existing_persons']:,} to people already known, "
            f"{link['new_persons']:,} new, {link['queued_for_review']:,} pairs for review"
            + (
                f", {link['persons_merged']:,} persons merged into others they bridged"
                if link.get("persons_merged")
                else ""
            )
        )
    elif report.linking:
        console.print(f"  people not linked yet: {report.linking['reason']}")
    if report.unlisted_files:
        console.print(
            f"  note: files not in manifest.json were not read: {', '.join(report.unlisted_files)}"
        )

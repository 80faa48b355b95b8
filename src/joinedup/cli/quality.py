"""``joinedup quality``: data-quality reports per agency, worst problems first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, console, emit, out, parse_moment
from joinedup.errors import BadInput
from joinedup.ingest.quality_html import render_agency_html, render_all_html
from joinedup.ingest.quality_rules import plural
from joinedup.services import data_quality

BAR_WIDTH = 20


def text_bar(value: float | None, width: int = BAR_WIDTH) -> str:
    """A percentage as a bar of block characters ('' when there is no value)."""
    if value is None:
        return ""
    filled = round(max(0.0, min(value, 100.0)) / 100 * width)
    return "█" * filled + "░" * (width - filled)


def shown(value: float | None, suffix: str = "%") -> str:
    return "–" if value is None else f"{value:g}{suffix}"


app = typer.Typer()


@app.command("quality")
def quality_command(
    agency: str | None = typer.Argument(
        None, help="The agency id (police, health, social_care, education, ...)."
    ),
    all_agencies: bool = typer.Option(
        False, "--all", help="Every agency side by side, one summary row each."
    ),
    html: Path | None = typer.Option(
        None, "--html", help="Also write a self-contained HTML page to this file."
    ),
    as_of: str | None = typer.Option(
        None,
        "--as-of",
        help="Report as at this moment (ISO 8601, e.g. 2026-11-21T06:00:00Z): timeliness "
        "is measured to it. Default: now.",
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Data quality of an agency's deliveries, worst problems first: completeness and
    validity of the identifying fields, duplicates within the agency, timeliness,
    quarantine, the trend across deliveries and the top finding codes. Counts and codes
    only: the report shows no names or other delivered values."""
    if all_agencies == (agency is not None):
        raise BadInput("give one agency id, or --all for every agency")
    now = parse_moment(
        as_of, "--as-of", "an ISO 8601 date or date-time (e.g. 2026-11-21T06:00:00Z)"
    )
    report = data_quality.quality_report(services.open_store(), agency, now)
    if html:
        page = render_all_html(report) if all_agencies else render_agency_html(report)
        html.write_text(page, encoding="utf-8")
    emit(report, json_output, show_all if all_agencies else show_agency)
    if html and not json_output:
        console.print(f"wrote {html}")


def show_agency(report: dict[str, Any]) -> None:
    out.print(
        f"[bold]Data quality: {report['agency_name']}[/] ({report['agency']}, "
        f"{report['feed_format']}): {plural(report['deliveries'], 'delivery', 'deliveries')}, "
        f"{report['person_records']:,} person records, {report['rows_delivered']:,} rows"
    )
    out.print("\n[bold]Worst problems[/]")
    if not report["worst_problems"]:
        out.print("  none found")
    for number, problem in enumerate(report["worst_problems"], start=1):
        out.print(f"  {number}. {problem['sentence']}", highlight=False)

    table = Table(
        "field",
        "complete",
        "",
        "invalid",
        "validity",
        title_justify="left",
        title="\nCompleteness and validity (current person records)",
        box=None,
    )
    for f in report["completeness"]:
        if f["expected"]:
            table.add_row(
                f["label"],
                shown(f["completeness_percent"]),
                text_bar(f["completeness_percent"]),
                f"{f['invalid']:,}",
                shown(f["validity_percent"]),
            )
        else:
            table.add_row(f"[dim]{f['label']}[/]", "[dim]not in this feed[/]", "", "", "")
    out.print(table)

    table = Table("duplicates within the agency", "groups", "records", "share", box=None)
    for key, label in (
        ("same_name_and_dob", "same name and date of birth"),
        ("same_nhs_number", "same NHS number"),
        ("same_upn", "same UPN"),
    ):
        d = report["duplicates"][key]
        table.add_row(label, f"{d['groups']:,}", f"{d['records']:,}", shown(d["percent"]))
    out.print(table)

    t, q, w = report["timeliness"], report["quarantine"], report["warnings"]
    out.print(
        f"\n[bold]Timeliness[/]: newest delivery {t['newest_delivery_id'] or '–'} extracted "
        f"{shown(t['newest_age_days'], ' days')} ago; received {shown(t['mean_lag_hours'], ' h')}"
        f" after extraction on average (longest {shown(t['max_lag_hours'], ' h')})"
    )
    out.print(
        f"[bold]Quarantine[/]: {q['quarantined_at_ingest']:,} of {q['rows_delivered']:,} rows "
        f"({shown(q['quarantined_percent'])}) at ingest; {q['open']:,} still open, "
        f"{q['resolved']:,} resolved. [bold]Warnings[/]: {w['rows_with_warnings']:,} rows "
        f"({shown(w['percent'])})"
    )

    table = Table(
        "delivery",
        "extracted",
        "rows",
        "quarantined",
        "",
        "warnings",
        "",
        "open",
        box=None,
        title="\nTrend across deliveries",
        title_justify="left",
    )
    for d in report["trend"]:
        table.add_row(
            str(d["delivery_id"]),
            d["extracted_at"][:10],
            f"{d['rows']:,}",
            shown(d["quarantined_percent"]),
            text_bar(d["quarantined_percent"], 10),
            shown(d["warning_percent"]),
            text_bar(d["warning_percent"], 10),
            f"{d['open_quarantined']:,}",
        )
    out.print(table)

    table = Table(
        "code",
        "severity",
        "rows",
        "share",
        "example",
        box=None,
        title="\nTop findings",
        title_justify="left",
    )
    for f in report["findings"][:10]:
        table.add_row(f["code"], f["severity"], f"{f['rows']:,}", shown(f["percent"]), f["example"])
    out.print(table)


def show_all(report: dict[str, Any]) -> None:
    out.print("[bold]Data quality: every agency[/] (–: not in that feed, or nothing delivered)")
    table = Table(box=None, pad_edge=False)
    table.add_column("agency", no_wrap=True)
    for header in ("people", "quar.", "NHS", "UPN", "DOB", "pcode", "dups", "days"):
        table.add_column(header, justify="right", no_wrap=True)
    for a in report["agencies"]:
        c = a["completeness"]
        table.add_row(
            a["agency"],
            f"{a['person_records']:,}",
            shown(a["quarantined_percent"]),
            shown(c["nhs_number"]),
            shown(c["upn"]),
            shown(c["date_of_birth"]),
            shown(c["postcode"]),
            shown(a["same_name_and_dob_percent"]),
            shown(a["newest_age_days"], ""),
        )
    out.print(table)
    out.print(
        "quar.: rows quarantined at ingest; dups: person records sharing a name and date of "
        "birth; days: age of the newest extract"
    )
    out.print("\n[bold]Worst problem of each agency[/]")
    for a in report["agencies"]:
        if a["worst_problem"]:
            out.print(f"  {a['agency']}: {a['worst_problem']}", highlight=False)

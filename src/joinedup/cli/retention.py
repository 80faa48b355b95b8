"""``joinedup retention``: delete or pseudonymise what each agreement's retention says has
expired, recorded in the audit log; a dry run shows what would happen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, emit, out, parse_date
from joinedup.services import retention

if TYPE_CHECKING:
    from joinedup.governance.retention import RetentionReport, RetentionRule

AS_OF_OPTION = typer.Option(
    None, "--as-of", help="Apply retention as on this date (YYYY-MM-DD; default today)."
)
RULES_OPTION = typer.Option(
    None,
    "--rules",
    help="A YAML rules file instead of the "
    "agreements in the store (also JOINEDUP_RETENTION_RULES).",
)


def _as_of(value: str | None) -> date:
    return parse_date(value, "--as-of") or datetime.now(UTC).date()


app = typer.Typer(help="Retention: delete or pseudonymise expired data.", no_args_is_help=True)


@app.command("run")
def run_command(
    dry_run: bool = typer.Option(
        False, "--dry-run", help="Show what would be done; change nothing."
    ),
    as_of: str | None = AS_OF_OPTION,
    rules: Path | None = RULES_OPTION,
    actor: str = typer.Option("retention", help="Who runs it (recorded in the audit log)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Apply each agreement's retention: expired rows are deleted or pseudonymised, one
    audit entry per table and one for the run. Rows no rule covers are kept and listed."""
    engine = services.open_store()
    report = retention.apply_retention(
        engine, as_of=_as_of(as_of), rules_file=rules, dry_run=dry_run, actor=actor
    )
    emit(report, json_output, show, data=lambda r: r.to_dict())


@app.command("rules")
def rules_command(
    as_of: str | None = AS_OF_OPTION,
    rules: Path | None = RULES_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """List the retention rules that apply and where they come from."""
    engine = services.open_store()
    applicable, source = retention.retention_rules(engine, as_of=_as_of(as_of), rules_file=rules)
    emit(
        applicable,
        json_output,
        lambda found: show_rules(found, source),
        data=lambda found: {"source": source, "rules": [rule.to_dict() for rule in found]},
    )


def show_rules(rules: list[RetentionRule], source: str) -> None:
    out.print(f"retention rules from {source}:")
    for rule in rules:
        out.print(f"  {rule.describe()}", highlight=False)


def show(report: RetentionReport) -> None:
    verb = "would" if report.dry_run else "did"
    out.print(
        f"retention as on {report.as_of.isoformat()} ({report.rules_source}): "
        f"{'dry run, nothing changed' if report.dry_run else 'applied'}"
    )
    if not report.outcomes:
        out.print("  nothing has expired")
    table = Table(
        "agency",
        "table",
        f"{verb}",
        "records",
        "quarantined",
        "rows touched",
        "audit",
        box=None,
        pad_edge=False,
    )
    for o in report.outcomes:
        touched = ", ".join(f"{name} {n:,}" for name, n in sorted(o.affected.items()))
        table.add_row(
            o.agency,
            o.source_table,
            o.action,
            f"{o.source_records:,}",
            f"{o.quarantined_rows:,}",
            touched,
            "" if o.audit_seq is None else f"#{o.audit_seq}",
        )
    if report.outcomes:
        out.print(table)
    for name, n in report.ungoverned.items():
        out.print(f"  no retention rule covers {name} ({n:,} rows kept)", highlight=False)

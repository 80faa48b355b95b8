"""``joinedup retention``: delete or pseudonymise what each agreement's retention says has
expired, recorded in the audit log; a dry run shows what would happen."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import JSON_OPTION, out, print_json, run
from joinedup.errors import BadInput
from joinedup.governance.retention import RetentionReport, load_rules, run_retention

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
    if value is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--as-of {value!r} is not a date (YYYY-MM-DD)") from None


def register(app: typer.Typer) -> None:
    retention_app = typer.Typer(
        help="Retention: delete or pseudonymise expired data.", no_args_is_help=True
    )

    @retention_app.command("run")
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

        def body() -> None:
            engine = services.open_store()
            on = _as_of(as_of)
            with engine.connect() as connection:
                applicable, source = load_rules(connection, on, rules)
                report = run_retention(
                    connection,
                    as_of=on,
                    rules=applicable,
                    rules_source=source,
                    dry_run=dry_run,
                    actor=actor,
                )
                if not dry_run:  # a dry run's transaction is rolled back when it closes
                    connection.commit()
            if json_output:
                print_json(report.to_dict())
            else:
                show(report)

        run(body)

    @retention_app.command("rules")
    def rules_command(
        as_of: str | None = AS_OF_OPTION,
        rules: Path | None = RULES_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """List the retention rules that apply and where they come from."""

        def body() -> None:
            engine = services.open_store()
            with engine.connect() as connection:
                applicable, source = load_rules(connection, _as_of(as_of), rules)
            if json_output:
                print_json({"source": source, "rules": [r.to_dict() for r in applicable]})
                return
            out.print(f"retention rules from {source}:")
            for rule in applicable:
                out.print(f"  {rule.describe()}", highlight=False)

        run(body)

    app.add_typer(retention_app, name="retention")


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

"""``joinedup interventions``: record interventions, estimate beforehand, evaluate afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from joinedup.cli.common import AS_OPTION, JSON_OPTION, emit, out, progress_bar
from joinedup.services import open_store
from joinedup.services.stewardship import account_named, reader_named

app = typer.Typer(
    help="Interventions: what was done for a child, its likely impact beforehand (from "
    "comparable past cases) and its impact afterwards (against a comparison group).",
    no_args_is_help=True,
)


def intervention_services() -> Any:
    """Imported when a command runs: the evaluation loads statsmodels and pandas, which
    would slow every other `joinedup` command."""
    from joinedup.services import interventions

    return interventions


@app.command("types")
def types_command(json_output: bool = JSON_OPTION) -> None:
    """List the catalogue of intervention types."""
    rows = intervention_services().list_types(open_store())
    emit(rows, json_output, show_types)


def show_types(rows: list[dict[str, Any]]) -> None:
    for r in rows:
        out.print(f"{r['code']:<38} {r['title']} (ages {r['min_age']}-{r['max_age']})")


@app.command("add-type")
def add_type_command(
    code: str = typer.Argument(..., help="Code, e.g. FAMILY_GROUP_CONFERENCE."),
    title: str = typer.Option(..., "--title", help="What it is called."),
    description: str = typer.Option("", "--description"),
    min_age: int = typer.Option(0, "--min-age"),
    max_age: int = typer.Option(18, "--max-age"),
    as_user: str = AS_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Add a type to the partnership's catalogue (or retitle one); audited."""
    engine = open_store()
    who = account_named(engine, as_user)
    row = intervention_services().add_type(engine, who, code, title, description, min_age, max_age)
    emit(row, json_output, lambda r: f"{r['code']}: {r['title']}")


@app.command("import")
def import_command(
    path: Path = typer.Argument(..., help="An interventions-csv/1 file (or its folder)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Load intervention records (providers' or commissioners' lists). Idempotent."""
    counts = intervention_services().import_interventions(open_store(), path)
    emit(
        counts,
        json_output,
        lambda c: (
            f"{c['rows']:,} records: {c['inserted']:,} new, "
            f"{c['updated']:,} changed, {c['unchanged']:,} unchanged"
        ),
    )


@app.command("evaluate")
def evaluate_command(
    intervention_type: str = typer.Argument(..., help="Type code (see `types`)."),
    period: str = typer.Option("", "--period", help="YYYY or YYYY-MM-DD..YYYY-MM-DD."),
    report: Path | None = typer.Option(
        None, "--report", help="Write a board report here (.md or .html) with plots."
    ),
    bootstrap: int = typer.Option(200, "--bootstrap", min=0, help="Bootstrap samples."),
    seed: int = typer.Option(0, "--seed"),
    json_output: bool = JSON_OPTION,
) -> None:
    """Evaluate an intervention type against a weighted comparison group."""
    svc = intervention_services()
    with progress_bar(enabled=not json_output) as update:
        result = svc.evaluate(
            open_store(),
            intervention_type,
            period or None,
            bootstrap=bootstrap,
            seed=seed,
            progress=update,
        )
    if report is not None:
        result["report_files"] = svc.export_evaluation(result, report)
    emit(result, json_output, lambda r: show_evaluation(r, report))


def show_evaluation(result: dict[str, Any], report: Path | None) -> None:
    out.print(result.get("summary") or result.get("message"), highlight=False)
    if report is not None:
        out.print(f"report: {report}")


@app.command("estimate")
def estimate_command(
    person_id: str = typer.Argument(..., help="The linked person id of the child."),
    intervention_type: str = typer.Argument(..., help="Type code (see `types`)."),
    as_user: str = AS_OPTION,
    purpose: str = typer.Option(
        ..., "--purpose", help="Your purpose, e.g. LEAD_PRACTITIONER_CASEWORK."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Before: the likely change for this child, from comparable past cases (governed:
    your account's role and relationships, the purpose you declare; audited)."""
    engine = open_store()
    reader = reader_named(engine, as_user, purpose)
    result = intervention_services().estimate_for(
        engine, person_id, intervention_type, reader=reader
    )
    emit(result, json_output, lambda r: out.print(r["message"], highlight=False))

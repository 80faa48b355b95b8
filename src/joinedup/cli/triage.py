"""``joinedup triage`` (the MASH's triage list), ``validate-risk`` and ``fairness`` (the checks
on the model behind it): advisory only, a practitioner decides."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, emit, out, progress_bar
from joinedup.cli.risk import risk_services, triage_services
from joinedup.services import stewardship

app = typer.Typer()


@app.command("triage")
def triage_command(
    team: str | None = typer.Option(None, "--team"),
    school: str | None = typer.Option(None, "--school", help="School URN."),
    min_age: int | None = typer.Option(None, "--min-age"),
    max_age: int | None = typer.Option(None, "--max-age"),
    factor: str | None = typer.Option(None, "--factor", help="Only children with this factor."),
    order: str = typer.Option("score", "--order", help="score or change."),
    limit: int = typer.Option(20, "--limit", min=1),
    as_user: str = AS_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """The MASH's triage list: children at or above the threshold, ranked by risk score
    (advisory), with the factors you may see in words and their evidence event ids."""
    engine = services.open_store()
    result = (
        triage_services()
        .triage_list(
            engine,
            stewardship.reader_named(engine, as_user, "MASH_TRIAGE"),
            team=team,
            school_urn=school,
            min_age=min_age,
            max_age=max_age,
            factor=factor,
            order=order,
            limit=limit,
        )
        .as_dict()
    )
    emit(result, json_output, show_triage_list)


def show_triage_list(result: dict[str, Any]) -> None:
    out.print(f"triage list on {result['as_of']} ({result['advisory']})")
    for c in result["children"]:
        words = "; ".join(f["label"] for f in c["top_factors"][:3])
        status = f" [open: {c['open_to_social_care']}]" if c["open_to_social_care"] else ""
        chance = "" if c["probability_12m"] is None else f"{c['probability_12m']:.1%}"
        out.print(f"{c['rank']:>4} {c['person_id']}  {chance:>6}  age {c['age']}{status}  {words}")
    if result["terms_withheld"]:
        out.print(
            f"ranked by the score from what you may see ({result['terms_withheld']} "
            "part(s) of the score draw on information you may not see)"
        )


@app.command("validate-risk")
def validate_command(
    truth: Path | None = typer.Option(None, "--truth", help="A partnership's truth/ folder."),
    report_dir: Path | None = typer.Option(
        None, "--report", help="Write charts and Markdown here."
    ),
    folds: int = typer.Option(3, "--folds", min=2),
    json_output: bool = JSON_OPTION,
) -> None:
    """AUC, average precision, precision/recall at top 1% and 5%, calibration, lead time,
    and a rule-based baseline, on the held-out final year."""
    with progress_bar(enabled=not json_output) as update:
        result = risk_services().validate_risk(
            services.open_store(), truth=truth, out=report_dir, folds=folds, progress=update
        )
    emit(result, json_output, show_validation, data=without_lead_times)


def without_lead_times(result: dict[str, Any]) -> dict[str, Any]:
    """The JSON leaves out each child's lead time (the median stays)."""
    lead_time = {k: v for k, v in result["lead_time"].items() if k != "lead_times"}
    return {**result, "lead_time": lead_time}


def show_validation(result: dict[str, Any]) -> None:
    out.print(
        f"AUC {result['auc']:.3f} (baseline {result['baseline_auc']:.3f}); average "
        f"precision {result['average_precision']:.3f}; calibration error "
        f"{result['calibration_error']:.4f}; lead time median "
        f"{result['lead_time_months_median']} months"
    )
    if result.get("report"):
        out.print(f"report: {result['report']}")


@app.command("fairness")
def fairness_command(
    truth: Path | None = typer.Option(None, "--truth", help="A partnership's truth/ folder."),
    folds: int = typer.Option(3, "--folds", min=2),
    json_output: bool = JSON_OPTION,
) -> None:
    """Calibration, error and selection rates by ethnicity, sex, disability and deprivation
    at the triage threshold, and the police recording-bias test, in words."""
    with progress_bar(enabled=not json_output) as update:
        result = risk_services().fairness_audit(
            services.open_store(), truth=truth, folds=folds, progress=update
        )
    emit(result, json_output, show_findings)


def show_findings(result: dict[str, Any]) -> None:
    for line in result["findings"]:
        out.print(line)

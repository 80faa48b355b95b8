"""``joinedup risk``: train the risk model, score children, explain a score and record the
practitioners' decisions (advisory only: a practitioner decides). The triage list and the
model's validation and fairness audit are ``joinedup triage``, ``validate-risk`` and
``fairness`` (cli/triage.py)."""

from __future__ import annotations

from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, emit, out, parse_date, progress_bar
from joinedup.services import stewardship

app = typer.Typer(help="Train the risk model, score children, explain and record decisions.")

AS_OF = typer.Option(None, "--as-of", help="Date the scores speak for (default: the data's).")
PURPOSE_OPTION = typer.Option(
    "MASH_TRIAGE", "--purpose", help="The purpose you declare (checked against your role)."
)


def risk_services() -> Any:
    """The risk services, imported when a command runs: they load scikit-learn and the
    glass-box model, which would slow every other `joinedup` command."""
    from joinedup.services import risk

    return risk


def triage_services() -> Any:
    from joinedup.services import triage

    return triage


@app.command("train")
def train_command(
    seed: int = typer.Option(7, "--seed"),
    as_of: str | None = AS_OF,
    json_output: bool = JSON_OPTION,
) -> None:
    """Train the 6- and 12-month models (seeded) on past snapshots; becomes the active model."""
    with progress_bar(enabled=not json_output) as update:
        result = risk_services().train_risk_model(
            services.open_store(), as_of=parse_date(as_of, "--as-of"), seed=seed, progress=update
        )
    emit(
        result,
        json_output,
        lambda r: (
            f"model {r['model_id']} trained on {r['snapshots']:,} snapshots of "
            f"{r['children']:,} children ({r['positives_12m']} outcomes in 12 months); "
            f"triage threshold {r['threshold']:.3f}"
        ),
    )


@app.command("score")
def score_command(as_of: str | None = AS_OF, json_output: bool = JSON_OPTION) -> None:
    """Score every child with the active model and store the triage list."""
    with progress_bar(enabled=not json_output) as update:
        result = risk_services().score_children(
            services.open_store(), as_of=parse_date(as_of, "--as-of"), progress=update
        )
    emit(
        result,
        json_output,
        lambda r: (
            f"{r['children_scored']:,} children scored on {r['as_of']}; "
            f"{r['flagged']:,} at or above the triage threshold"
        ),
    )


@app.command("rescore")
def rescore_command(
    person_ids: list[str] = typer.Argument(..., help="Linked person ids."),
    as_of: str | None = AS_OF,
    json_output: bool = JSON_OPTION,
) -> None:
    """Re-score children after new events and show what changed."""
    changes = risk_services().rescore_children(
        services.open_store(), person_ids, as_of=parse_date(as_of, "--as-of")
    )
    emit({"changes": changes}, json_output, lambda r: show_changes(r["changes"]))


def show_changes(changes: list[dict[str, Any]]) -> None:
    for c in changes:
        out.print(
            f"{c['person_id']}: {c['old_probability_12m']} -> {c['new_probability_12m']:.3f}"
            + ("  CROSSED THRESHOLD" if c["crossed_threshold"] else "")
        )


@app.command("explain")
def explain_command(
    person_id: str,
    as_user: str = AS_OPTION,
    purpose: str = PURPOSE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Why a child's score is what it is, and what changed since the last review (the
    factors your purpose lets you see)."""
    engine = services.open_store()
    reader = stewardship.reader_named(engine, as_user, purpose)
    result = triage_services().explain_child(engine, reader, person_id).as_dict()
    emit(result, json_output, lambda r: show_explanation(person_id, r))


def show_explanation(person_id: str, result: dict[str, Any]) -> None:
    standing = {True: "on the triage list", False: "below the threshold"}.get(
        result["flagged"], "the score from the information you may see"
    )
    out.print(f"{person_id}: {result['probability_12m']:.1%} within 12 months ({standing})")
    for c in result["contributions"][:10]:
        out.print(f"  {c['log_odds']:+.2f}  {c['label']}")
    if result["terms_withheld"]:
        out.print(
            f"  ({result['terms_withheld']} part(s) of the score draw on information "
            "you may not see for this purpose and are left out)"
        )
    if result["withheld_note"]:
        out.print(f"  {result['withheld_note']}")
    change = result["changes_since_last_review"]
    if change:
        out.print(f"since the last review: {change['probability_12m_change']:+.3f}")
        for f in change["new_factors"]:
            out.print(f"  new: {f['label']}")


@app.command("decide")
def decide_command(
    person_id: str,
    decision: str = typer.Option(..., "--decision", help="DISCUSS, NO_FURTHER_ACTION or REFER."),
    reason: str = typer.Option(..., "--reason"),
    by: str = typer.Option(
        ..., "--as", "--by", metavar="USERNAME", help="Your account (a MASH practitioner)."
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Record a practitioner's triage decision about a child, with the reason."""
    engine = services.open_store()
    reader = stewardship.reader_named(engine, by, "MASH_TRIAGE")
    result = triage_services().record_triage_decision(
        engine, reader, person_id, decision, reason=reason
    )
    emit(
        result,
        json_output,
        lambda r: (
            f"recorded {r['decision']} for {person_id}"
            + (" (an override of the ranking)" if r["override"] else "")
        ),
    )


@app.command("decisions")
def decisions_command(
    overrides: bool = typer.Option(False, "--overrides", help="Only overrides."),
    as_user: str = AS_OPTION,
    purpose: str = PURPOSE_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Triage decisions taken, and overrides of the ranking."""
    engine = services.open_store()
    reader = stewardship.reader_named(engine, as_user, purpose)
    result = triage_services().triage_decisions(engine, reader, overrides_only=overrides)
    emit(
        result,
        json_output,
        lambda r: (
            f"{r['decisions']} decisions {r['by_decision']}; "
            f"{r['overrides']} overrides of the ranking"
        ),
    )


@app.command("exploitation")
def exploitation_command(
    folds: int = typer.Option(3, "--folds", min=2, max=10),
    seed: int = typer.Option(7, "--seed"),
    json_output: bool = JSON_OPTION,
) -> None:
    """Validate the exploitation early warning (referred for exploitation within 12 months:
    NRM referral, assessment finding CSE/CCE, or police CSE/CCE incident as victim) on the
    held-out year: AUC, precision at the top 1% and 5%, children later referred flagged 3+
    months ahead and the median lead time, against a rule on missing episodes alone."""
    from joinedup.services import exploitation

    with progress_bar(enabled=not json_output) as update:
        result = exploitation.validate_exploitation(
            services.open_store(), folds=folds, seed=seed, progress=update
        )
    emit(result, json_output, show_exploitation)


@app.command("exploitation-score")
def exploitation_score_command(
    seed: int = typer.Option(7, "--seed"), json_output: bool = JSON_OPTION
) -> None:
    """Train the exploitation early warning and score every child aged 10-17 at the data's
    date: the triage list's exploitation view ranks by these scores."""
    from joinedup.services import exploitation

    with progress_bar(enabled=not json_output) as update:
        result = exploitation.score_exploitation(services.open_store(), seed=seed, progress=update)
    emit(
        result,
        json_output,
        lambda r: (
            f"scored {r['children_scored']:,} children aged 10-17 on {r['as_of']}; "
            f"{r['flagged']:,} at or above the exploitation threshold {r['threshold']:.3g}"
        ),
    )


def show_exploitation(r: dict[str, Any]) -> None:
    def pct(v: float | None) -> str:
        return "n/a" if v is None else f"{100 * v:.0f}%"

    def auc(v: float | None) -> str:
        return "n/a" if v is None else f"{v:.3f}"

    rule, ahead = r["missing_rule"], r["lead_time_any_outcome"]
    out.print(
        f"Exploitation early warning, evaluated on {r['evaluated_on']} "
        f"({r['children']:,} children aged 10-17, {r['outcomes_12m']} referred or flagged "
        f"within 12 months):\n"
        f"  model: AUC {auc(r['auc'])}, precision at the top 1% "
        f"{pct(r['top_1_percent']['precision'])}, top 5% {pct(r['top_5_percent']['precision'])}\n"
        f"  missing episodes alone: AUC {auc(rule['auc'])}, top 1% "
        f"{pct(rule['top_1_percent']['precision'])}, top 5% "
        f"{pct(rule['top_5_percent']['precision'])}\n"
        f"  flagged 3+ months ahead: {ahead['flagged_3_months_ahead']} of {ahead['children']} "
        f"({pct(ahead['share_flagged_3_months_ahead'])}); median lead time "
        f"{ahead['lead_time_months_median']} months",
        highlight=False,
    )

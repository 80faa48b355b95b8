"""``joinedup risk ...``, ``joinedup triage``, ``joinedup fairness``, ``joinedup validate-risk``:
the risk summary and triage list (advisory only: a practitioner decides)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import typer

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, out, print_json, progress_bar, run
from joinedup.errors import BadInput
from joinedup.services import stewardship

AS_OF = typer.Option(None, "--as-of", help="Date the scores speak for (default: the data's).")


def _date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise BadInput(f"--as-of {value!r} is not a date (YYYY-MM-DD)") from None


def _risk() -> Any:
    """The risk services, imported when a command runs: they load scikit-learn and the
    glass-box model, which would slow every other `joinedup` command."""
    from joinedup.services import risk

    return risk


def _triage() -> Any:
    from joinedup.services import triage

    return triage


PURPOSE_OPTION = typer.Option(
    "MASH_TRIAGE", "--purpose", help="The purpose you declare (checked against your role)."
)


def register(app: typer.Typer) -> None:
    risk_app = typer.Typer(
        help="Train the risk model, score children, explain and record decisions."
    )
    app.add_typer(risk_app, name="risk")

    @risk_app.command("train")
    def train_command(
        seed: int = typer.Option(7, "--seed"),
        as_of: str | None = AS_OF,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Train the 6- and 12-month models (seeded) on past snapshots; becomes the active model."""

        def body() -> None:
            with progress_bar(enabled=not json_output) as update:
                result = _risk().train_risk_model(
                    services.open_store(), as_of=_date(as_of), seed=seed, progress=update
                )
            if json_output:
                print_json(result)
            else:
                out.print(
                    f"model {result['model_id']} trained on {result['snapshots']:,} snapshots of "
                    f"{result['children']:,} children ({result['positives_12m']} outcomes in "
                    "12 months); "
                    f"triage threshold {result['threshold']:.3f}"
                )

        run(body)

    @risk_app.command("score")
    def score_command(as_of: str | None = AS_OF, json_output: bool = JSON_OPTION) -> None:
        """Score every child with the active model and store the triage list."""

        def body() -> None:
            with progress_bar(enabled=not json_output) as update:
                result = _risk().score_children(
                    services.open_store(), as_of=_date(as_of), progress=update
                )
            if json_output:
                print_json(result)
            else:
                out.print(
                    f"{result['children_scored']:,} children scored on {result['as_of']}; "
                    f"{result['flagged']:,} at or above the triage threshold"
                )

        run(body)

    @risk_app.command("rescore")
    def rescore_command(
        person_ids: list[str] = typer.Argument(..., help="Linked person ids."),
        as_of: str | None = AS_OF,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Re-score children after new events and show what changed."""

        def body() -> None:
            changes = _risk().rescore_children(
                services.open_store(), person_ids, as_of=_date(as_of)
            )
            if json_output:
                print_json({"changes": changes})
                return
            for c in changes:
                out.print(
                    f"{c['person_id']}: {c['old_probability_12m']} -> "
                    f"{c['new_probability_12m']:.3f}"
                    + ("  CROSSED THRESHOLD" if c["crossed_threshold"] else "")
                )

        run(body)

    @risk_app.command("explain")
    def explain_command(
        person_id: str,
        as_user: str = AS_OPTION,
        purpose: str = PURPOSE_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Why a child's score is what it is, and what changed since the last review (the
        factors your purpose lets you see)."""

        def body() -> None:
            engine = services.open_store()
            reader = stewardship.reader_named(engine, as_user, purpose)
            result = _triage().explain_child(engine, reader, person_id).as_dict()
            if json_output:
                print_json(result)
                return
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

        run(body)

    @risk_app.command("decide")
    def decide_command(
        person_id: str,
        decision: str = typer.Option(
            ..., "--decision", help="DISCUSS, NO_FURTHER_ACTION or REFER."
        ),
        reason: str = typer.Option(..., "--reason"),
        by: str = typer.Option(
            ..., "--as", "--by", metavar="USERNAME", help="Your account (a MASH practitioner)."
        ),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Record a practitioner's triage decision about a child, with the reason."""

        def body() -> None:
            engine = services.open_store()
            reader = stewardship.reader_named(engine, by, "MASH_TRIAGE")
            result = _triage().record_triage_decision(
                engine, reader, person_id, decision, reason=reason
            )
            if json_output:
                print_json(result)
            else:
                note = " (an override of the ranking)" if result["override"] else ""
                out.print(f"recorded {result['decision']} for {person_id}{note}")

        run(body)

    @risk_app.command("decisions")
    def decisions_command(
        overrides: bool = typer.Option(False, "--overrides", help="Only overrides."),
        as_user: str = AS_OPTION,
        purpose: str = PURPOSE_OPTION,
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Triage decisions taken, and overrides of the ranking."""

        def body() -> None:
            engine = services.open_store()
            reader = stewardship.reader_named(engine, as_user, purpose)
            result = _triage().triage_decisions(engine, reader, overrides_only=overrides)
            if json_output:
                print_json(result)
                return
            out.print(
                f"{result['decisions']} decisions {result['by_decision']}; "
                f"{result['overrides']} overrides of the ranking"
            )

        run(body)

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

        def body() -> None:
            engine = services.open_store()
            result = (
                _triage()
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
            if json_output:
                print_json(result)
                return
            out.print(f"triage list on {result['as_of']} ({result['advisory']})")
            for c in result["children"]:
                words = "; ".join(f["label"] for f in c["top_factors"][:3])
                status = f" [open: {c['open_to_social_care']}]" if c["open_to_social_care"] else ""
                chance = "" if c["probability_12m"] is None else f"{c['probability_12m']:.1%}"
                out.print(
                    f"{c['rank']:>4} {c['person_id']}  {chance:>6}  age {c['age']}{status}  {words}"
                )
            if result["terms_withheld"]:
                out.print(
                    f"ranked by the score from what you may see ({result['terms_withheld']} "
                    "part(s) of the score draw on information you may not see)"
                )

        run(body)

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

        def body() -> None:
            with progress_bar(enabled=not json_output) as update:
                result = _risk().validate_risk(
                    services.open_store(), truth=truth, out=report_dir, folds=folds, progress=update
                )
            if json_output:
                result["lead_time"].pop("lead_times", None)
                print_json(result)
                return
            out.print(
                f"AUC {result['auc']:.3f} (baseline {result['baseline_auc']:.3f}); average "
                f"precision {result['average_precision']:.3f}; calibration error "
                f"{result['calibration_error']:.4f}; lead time median "
                f"{result['lead_time_months_median']} months"
            )
            if result.get("report"):
                out.print(f"report: {result['report']}")

        run(body)

    @app.command("fairness")
    def fairness_command(
        truth: Path | None = typer.Option(None, "--truth", help="A partnership's truth/ folder."),
        folds: int = typer.Option(3, "--folds", min=2),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Calibration, error and selection rates by ethnicity, sex, disability and deprivation
        at the triage threshold, and the police recording-bias test, in words."""

        def body() -> None:
            with progress_bar(enabled=not json_output) as update:
                result = _risk().fairness_audit(
                    services.open_store(), truth=truth, folds=folds, progress=update
                )
            if json_output:
                print_json(result)
                return
            for line in result["findings"]:
                out.print(line)

        run(body)

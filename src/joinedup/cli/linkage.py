"""``joinedup link``, ``review``, ``explain-link``, ``evaluate-linkage``, ``households``."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, out, print_json, progress_bar, run
from joinedup.services import oversight, stewardship


def register(app: typer.Typer) -> None:
    @app.command("link")
    def link_command(
        backend: str = typer.Option("duckdb", "--backend", help="duckdb (default) or spark."),
        retrain: bool = typer.Option(
            False, "--retrain", help="Train a new model instead of reusing the saved one."
        ),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Link every person record into persons (Splink), keeping person ids stable: a
        re-run renumbers nobody, and every merge or split is recorded as a change."""

        def body() -> None:
            engine = services.open_store()
            with progress_bar(not json_output) as update:
                report = services.link_people(
                    engine, backend=backend, retrain=retrain, progress=update
                )
            if json_output:
                print_json(report)
                return
            out.print(
                f"linked {report['records']:,} records into {report['persons']:,} persons "
                f"({report['comparisons']:,} scored pairs, backend {report['backend']}); "
                f"changes {report['changes']}; review queue {report['review']}"
            )

        run(body)

    review_app = typer.Typer(
        help="The clerical review queue of uncertain matches.", no_args_is_help=True
    )
    app.add_typer(review_app, name="review")

    @review_app.command("list")
    def review_list(
        as_user: str = AS_OPTION,
        limit: int = typer.Option(50, "--limit"),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Open pairs, strongest first (for data stewards)."""

        def body() -> None:
            engine = services.open_store()
            items = oversight.review_queue(
                engine, stewardship.account_named(engine, as_user), limit
            )
            if json_output:
                print_json(items)
                return
            table = Table("id", "weight", "record", "record")
            for item in items:
                table.add_row(
                    str(item["id"]),
                    f"{item['match_weight']:+.1f}",
                    item["record_key_l"],
                    item["record_key_r"],
                )
            out.print(table)

        run(body)

    @review_app.command("show")
    def review_show(
        review_id: int, as_user: str = AS_OPTION, json_output: bool = JSON_OPTION
    ) -> None:
        """One pair with the evidence for and against (each comparison's level and weight)."""

        def body() -> None:
            engine = services.open_store()
            item = oversight.review_item(
                engine, stewardship.account_named(engine, as_user), review_id
            )
            if json_output:
                print_json(item)
                return
            out.print(
                f"review {item['id']} ({item['status']}): {item['record_key_l']} vs "
                f"{item['record_key_r']}, weight {item['match_weight']:+.1f}"
            )
            for ev in item["evidence"]:
                side = "for" if ev["weight"] > 0 else "against" if ev["weight"] < 0 else "neutral"
                out.print(
                    f"  {ev['comparison']:<11} {ev['level']:<44} {ev['weight']:+6.1f}  {side}"
                )

        run(body)

    @review_app.command("decide")
    def review_decide(
        review_id: int,
        decision: str = typer.Argument(..., help="MATCH or NON_MATCH"),
        reviewer: str = typer.Option(
            ..., "--as", "--reviewer", metavar="USERNAME", help="Your account (a data steward)."
        ),
        reason: str = typer.Option("", "--reason"),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Record a decision; every later link run respects it."""

        def body() -> None:
            engine = services.open_store()
            who = stewardship.account_named(engine, reviewer)
            item = oversight.decide_review(engine, who, review_id, decision, reason)
            if json_output:
                print_json(item)
            else:
                out.print(f"review {review_id}: {item['decision']} by {item['decided_by']}")

        run(body)

    @app.command("explain-link")
    def explain_command(
        person: str,
        as_user: str = AS_OPTION,
        chart: Path | None = typer.Option(None, "--chart", help="Write a waterfall chart (HTML)."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Why each record of PERSON joined: match weights per comparison."""
        from joinedup.linkage.explain import as_text, waterfall_html

        def body() -> None:
            engine = services.open_store()
            who = stewardship.account_named(engine, as_user)
            explanation = stewardship.explain_link(engine, who, person)
            if chart:
                chart.write_text(waterfall_html(explanation), encoding="utf-8")
            if json_output:
                print_json(explanation.to_dict())
            else:
                out.print(as_text(explanation), highlight=False)

        run(body)

    @app.command("evaluate-linkage")
    def evaluate_command(
        truth: Path = typer.Option(..., "--truth", help="The partnership's truth/ folder."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """Pairwise and person-level precision, recall and F1 against synthetic truth, per
        agency pair, with the worst false merges and missed links and two baselines."""

        def body() -> None:
            report = services.evaluate_linkage(services.open_store(), truth)
            if json_output:
                print_json(report)
                return
            table = Table("", "precision", "recall", "F1")
            for name, part in (("pairwise", report["pairwise"]), ("person", report["person"])):
                table.add_row(
                    name, f"{part['precision']:.4f}", f"{part['recall']:.4f}", f"{part['f1']:.4f}"
                )
            for name, base in report["baselines"].items():
                for level in ("pairwise", "person"):
                    part = base[level]
                    table.add_row(
                        f"baseline {name} ({level})",
                        f"{part['precision']:.4f}",
                        f"{part['recall']:.4f}",
                        f"{part['f1']:.4f}",
                    )
            out.print(table)
            out.print(
                f"false merges: {report['person']['false_merges']}, split persons: "
                f"{report['person']['split_persons']}"
            )

        run(body)

    @app.command("households")
    def households_command(
        person: str,
        as_user: str = AS_OPTION,
        on: str | None = typer.Option(None, "--on", help="The date (YYYY-MM-DD) of interest."),
        json_output: bool = JSON_OPTION,
    ) -> None:
        """PERSON's households and family (parents/carers, siblings, other adults)."""

        def body() -> None:
            when = date.fromisoformat(on) if on else None
            engine = services.open_store()
            who = stewardship.account_named(engine, as_user)
            result = stewardship.household_of(engine, who, person, when)
            if json_output:
                print_json(result)
                return
            out.print(f"{person}: households {', '.join(result['households']) or 'none'}")
            for member in result["family"]:
                out.print(
                    f"  {member['person_id']}  {member['role']:<17} {', '.join(member['evidence'])}"
                )

        run(body)

"""``joinedup link``, ``explain-link``, ``evaluate-linkage`` and ``households``: linking
records into people, and what the links say (the review queue is ``joinedup review``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, emit, out, parse_date, progress_bar
from joinedup.services import stewardship

app = typer.Typer()


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
    from joinedup.services.demo import quietly

    engine = services.open_store()
    with progress_bar(not json_output) as update, quietly() as quieted:
        report = services.link_people(engine, backend=backend, retrain=retrain, progress=update)
    emit(report, json_output, lambda r: _linked_in_words(r, quieted.summary()))


def _counts(counts: dict[str, int]) -> str:
    return ", ".join(f"{n:,} {kind.replace('_', ' ').lower()}" for kind, n in counts.items() if n)


def _linked_in_words(report: dict[str, Any], kept_off: str | None) -> str:
    """The link run in a sentence or two: no Python notation (the changes were a dict)."""
    changes = _counts(report["changes"])
    review = _counts(report["review"])
    text = (
        f"Linked {report['records']:,} records into {report['persons']:,} people "
        f"({report['comparisons']:,} pairs scored, backend {report['backend']}). "
        f"Changes to people: {changes or 'none'}. "
        f"Clerical review queue: {review or 'unchanged'}."
    )
    return f"{text}\n{kept_off}." if kept_off else text


@app.command("explain-link")
def explain_command(
    person: str,
    as_user: str = AS_OPTION,
    chart: Path | None = typer.Option(None, "--chart", help="Write a waterfall chart (HTML)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Why each record of PERSON joined: match weights per comparison."""
    from joinedup.linkage.explain import as_text, waterfall_html

    engine = services.open_store()
    who = stewardship.account_named(engine, as_user)
    explanation = stewardship.explain_link(engine, who, person)
    if chart:
        chart.write_text(waterfall_html(explanation), encoding="utf-8")
    emit(
        explanation,
        json_output,
        lambda e: out.print(as_text(e), highlight=False),
        data=lambda e: e.to_dict(),
    )


@app.command("evaluate-linkage")
def evaluate_command(
    truth: Path = typer.Option(..., "--truth", help="The partnership's truth/ folder."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Pairwise and person-level precision, recall and F1 against synthetic truth, per
    agency pair, for children and adults apart, the missed pairs (splits) by agency pair
    and by error kind, the worst false merges and missed links, and two baselines."""
    report = services.evaluate_linkage(services.open_store(), truth)
    emit(report, json_output, show_evaluation)


def show_evaluation(report: dict[str, Any]) -> None:
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
    show_splits(report)


def show_splits(report: dict[str, Any]) -> None:
    """Children and adults apart, then where the missed pairs are."""
    if report.get("by_role"):
        table = Table(
            "people",
            "pairwise precision",
            "pairwise recall",
            "F1",
            "person precision",
            "person recall",
            "exactly resolved",
            title="children and adults",
        )
        for group, part in report["by_role"].items():
            pair, person = part["pairwise"], part["person"]
            table.add_row(
                f"{group} ({part['people']:,})",
                f"{pair['precision']:.4f}",
                f"{pair['recall']:.4f}",
                f"{pair['f1']:.4f}",
                f"{person['precision']:.4f}",
                f"{person['recall']:.4f}",
                f"{person['exactly_resolved']:.2%}",
            )
        out.print(table)
    missed = report.get("missed_pairs")
    if not missed:
        return
    out.print(
        f"missed pairs: {missed['total']:,} "
        f"(adults {missed['adults']:,}, children {missed['children']:,})"
    )
    table = Table(
        "agencies", "missed", "adults", "children", "of true pairs", title="missed by agency pair"
    )
    for row in missed["by_agency_pair"]:
        table.add_row(
            row["agencies"],
            f"{row['missed']:,}",
            f"{row['missed_adults']:,}",
            f"{row['missed_children']:,}",
            f"{row['share_missed']:.2%} of {row['true_pairs']:,}",
        )
    out.print(table)
    if missed["by_error_kind"] is not None:
        table = Table("error kind", "missed", "of true pairs", title="missed by error kind")
        for row in missed["by_error_kind"]:
            table.add_row(
                row["kind"],
                f"{row['missed']:,}",
                f"{row['share_missed']:.2%} of {row['true_pairs']:,}",
            )
        out.print(table)


@app.command("households")
def households_command(
    person: str,
    as_user: str = AS_OPTION,
    on: str | None = typer.Option(None, "--on", help="The date (YYYY-MM-DD) of interest."),
    json_output: bool = JSON_OPTION,
) -> None:
    """PERSON's households and family (parents/carers, siblings, other adults)."""
    when = parse_date(on, "--on")
    engine = services.open_store()
    who = stewardship.account_named(engine, as_user)
    result = stewardship.household_of(engine, who, person, when)
    emit(result, json_output, lambda r: show_household(person, r))


def show_household(person: str, result: dict[str, Any]) -> None:
    out.print(f"{person}: households {', '.join(result['households']) or 'none'}")
    for member in result["family"]:
        out.print(f"  {member['person_id']}  {member['role']:<17} {', '.join(member['evidence'])}")

"""``joinedup review``: the clerical review queue of uncertain matches (data stewards)."""

from __future__ import annotations

from typing import Any

import typer
from rich.table import Table

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, emit, out
from joinedup.services import oversight, stewardship

app = typer.Typer(help="The clerical review queue of uncertain matches.", no_args_is_help=True)


@app.command("list")
def review_list(
    as_user: str = AS_OPTION,
    limit: int = typer.Option(50, "--limit"),
    json_output: bool = JSON_OPTION,
) -> None:
    """Open pairs, those that change a child's view first (for data stewards)."""
    engine = services.open_store()
    items = oversight.review_queue(engine, stewardship.account_named(engine, as_user), limit)
    emit(items, json_output, queue_table)


def queue_table(items: list[dict[str, Any]]) -> Table:
    table = Table("id", "tier", "weight", "record", "record")
    for item in items:
        table.add_row(
            str(item["id"]),
            item.get("tier") or "",
            f"{item['match_weight']:+.1f}",
            item["record_key_l"],
            item["record_key_r"],
        )
    return table


@app.command("size")
def review_size(as_user: str = AS_OPTION, json_output: bool = JSON_OPTION) -> None:
    """How big the open queue is: pairs by whose view they change, the share of records they
    touch, and the steward-weeks to clear it."""
    engine = services.open_store()
    found = oversight.review_queue_size(engine, stewardship.account_named(engine, as_user))
    emit(found, json_output, lambda s: s["line"])


@app.command("show")
def review_show(review_id: int, as_user: str = AS_OPTION, json_output: bool = JSON_OPTION) -> None:
    """One pair with the evidence for and against (each comparison's level and weight)."""
    engine = services.open_store()
    item = oversight.review_item(engine, stewardship.account_named(engine, as_user), review_id)
    emit(item, json_output, show_item)


def show_item(item: dict[str, Any]) -> None:
    out.print(
        f"review {item['id']} ({item['status']}): {item['record_key_l']} vs "
        f"{item['record_key_r']}, weight {item['match_weight']:+.1f}"
    )
    for ev in item["evidence"]:
        side = "for" if ev["weight"] > 0 else "against" if ev["weight"] < 0 else "neutral"
        out.print(f"  {ev['comparison']:<11} {ev['level']:<44} {ev['weight']:+6.1f}  {side}")


@app.command("decide")
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
    engine = services.open_store()
    who = stewardship.account_named(engine, reviewer)
    item = oversight.decide_review(engine, who, review_id, decision, reason)
    emit(item, json_output, lambda i: f"review {review_id}: {i['decision']} by {i['decided_by']}")

"""``joinedup break-glass``: emergency access, and the privacy officer's review of it."""

from __future__ import annotations

from typing import Any

import typer
from rich.console import RenderableType
from rich.table import Table

from joinedup import services
from joinedup.cli.common import AS_OPTION, JSON_OPTION, console, emit
from joinedup.governance.emergency import DEFAULT_MINUTES
from joinedup.services import oversight, stewardship

app = typer.Typer(help="Emergency access (break glass) and its review.", no_args_is_help=True)


@app.command("open")
def open_command(
    child: str = typer.Option(..., "--child", help="The child's id."),
    as_user: str = AS_OPTION,
    purpose: str = typer.Option(
        ..., "--purpose", help="The safeguarding purpose, e.g. CHILD_PROTECTION_ENQUIRY."
    ),
    justification: str = typer.Option(
        ..., "--justification", help="Why this cannot wait, in your words."
    ),
    minutes: int = typer.Option(DEFAULT_MINUTES, "--minutes", help="How long (max 240)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Break the glass: immediate, time-limited access for a safeguarding purpose without
    a known relationship, for your account (its role and agency) and the purpose you
    declare. Always granted once the checks pass; flagged, audited with your
    operating-system user, counted against your account's volume, and reviewed by a
    privacy officer."""
    from joinedup.services import casework_actions

    engine = services.open_store()
    reader = stewardship.reader_named(engine, as_user, purpose)
    grant = casework_actions.break_glass(engine, reader, child, justification, minutes=minutes)
    emit(
        {"grant": grant},
        json_output,
        lambda g: console.print(
            f"[bold red]EMERGENCY ACCESS[/] granted to {reader.user_id} until "
            f"{g['grant']['expires_at']}; review task {g['grant']['review_task_id']} opened "
            "for the privacy officer"
        ),
    )


@app.command("review")
def review_command(
    task: int = typer.Argument(..., help="The review task id."),
    reviewer: str = typer.Option(
        ..., "--as", "--reviewer", metavar="USERNAME", help="Your account (a privacy officer)."
    ),
    outcome: str = typer.Option(
        ..., "--outcome", help="APPROPRIATE, INAPPROPRIATE or NEEDS_FOLLOW_UP."
    ),
    note: str = typer.Option("", "--note", help="Why (required unless APPROPRIATE)."),
    json_output: bool = JSON_OPTION,
) -> None:
    """Record a privacy officer's review of a break-glass access."""
    engine = services.open_store()
    who = stewardship.reader_named(engine, reviewer, "AUDIT")
    result = oversight.review_break_glass(engine, who, task, outcome, note)
    emit(result, json_output, lambda r: f"review task {task}: {r['outcome']} (by {reviewer})")


@app.command("tasks")
def tasks_command(
    all_tasks: bool = typer.Option(False, "--all", help="Reviewed ones too."),
    as_user: str = AS_OPTION,
    json_output: bool = JSON_OPTION,
) -> None:
    """Break-glass review tasks (open ones unless --all)."""
    engine = services.open_store()
    who = stewardship.reader_named(engine, as_user, "AUDIT")
    rows = oversight.break_glass_tasks(engine, who, None if all_tasks else "OPEN")
    emit({"tasks": rows}, json_output, lambda r: task_table(r["tasks"]))


def task_table(rows: list[dict[str, Any]]) -> RenderableType:
    if not rows:
        return "no break-glass reviews waiting"
    table = Table(
        "task", "status", "user", "role", "purpose", "child", "granted", "justification",
        "outcome", box=None, pad_edge=False,
    )  # fmt: skip
    for r in rows:
        table.add_row(
            str(r["task_id"]),
            r["status"],
            r["user_id"],
            r["role"],
            r["purpose"],
            r["child_id"],
            f"{r['granted_at']:%Y-%m-%d %H:%M}",
            r["justification"],
            r["outcome"] or "",
        )
    return table

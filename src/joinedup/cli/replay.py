"""``joinedup replay``: a partnership's history replayed as if it arrived live, so alerts
fire as they would have."""

from __future__ import annotations

from pathlib import Path

import typer

from joinedup.cli.common import JSON_OPTION, emit, progress_bar
from joinedup.replay import replay
from joinedup.services import open_store

app = typer.Typer()


@app.command("replay")
def replay_command(
    partnership: Path = typer.Argument(..., help="A partnership folder (feeds/README.md)."),
    start: str = typer.Option(
        ...,
        "--from",
        help="YYYY-MM-DD: history up to it is the initial state; later events arrive as if live.",
    ),
    speed: float = typer.Option(
        0.0, "--speed", min=0.0, help="Simulated days per real second (0: as fast as possible)."
    ),
    slice_days: int = typer.Option(
        1, "--slice-days", min=1, max=7, help="Days per delivery slice (1: day by day)."
    ),
    until: str | None = typer.Option(
        None, "--until", help="YYYY-MM-DD: stop before this day (default: the data's end)."
    ),
    work: Path | None = typer.Option(
        None,
        "--work",
        help="Where the day-by-day deliveries are written (default: a temporary folder).",
    ),
    rescore_days: int = typer.Option(
        0,
        "--rescore-days",
        min=0,
        help="Train the risk model on the history and re-score the children whose "
        "records changed every N simulated days, raising RISK_ESCALATION (0: no risk).",
    ),
    json_output: bool = JSON_OPTION,
) -> None:
    """Replay a partnership: load its history up to --from without alerts, link it,
    then feed every later event day by day in time order, so alerts fire as they would
    have; reports alerts per rule, lead time before statutory outcomes, workload."""
    with progress_bar(not json_output) as progress:
        result = replay(
            open_store(),
            partnership,
            start,
            speed=speed,
            slice_days=slice_days,
            until=until,
            work=work,
            progress=progress,
            rescore_days=rescore_days,
        )
    emit(result, json_output)

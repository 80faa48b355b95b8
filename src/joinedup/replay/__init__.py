"""Replay: a synthetic partnership's history fed to the platform as if it arrived live, to
measure how early alerts would have reached practitioners (``joinedup replay``).

Above the services it drives (ingest, link, train and score): the one package that runs the
platform's own use cases in simulated time. ``history`` loads the state up to a date without
alerts, then feeds each later slice as deliveries (``slices``) through the same ingest, with
the alerts worker's cycle at each slice's simulated time; ``risk`` re-scores on its own
schedule when asked.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from joinedup.errors import BadInput
from joinedup.replay.history import replay as run_replay


def replay(
    engine: Engine,
    partnership: Path,
    start: str,
    *,
    speed: float = 0.0,
    slice_days: int = 1,
    until: str | None = None,
    work: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    rescore_days: int = 0,
) -> dict[str, Any]:
    """Load a partnership's history up to ``start`` without alerts, then feed every later
    event in time order as if it arrived live (``history.replay``); dates as YYYY-MM-DD."""

    def day_of(value: str, option: str) -> Any:
        try:
            return datetime.strptime(value, "%Y-%m-%d").date()
        except ValueError:
            raise BadInput(f"{option} {value!r} is not a date (YYYY-MM-DD)") from None

    return run_replay(
        engine,
        Path(partnership),
        day_of(start, "--from"),
        speed=speed,
        slice_days=slice_days,
        until=day_of(until, "--until") if until else None,
        work=work,
        progress=progress,
        rescore_days=rescore_days,
    )

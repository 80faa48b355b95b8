"""Interventions: record them (``services.intervention_records``: the catalogue of types
and the imported records), estimate their impact beforehand, evaluate it afterwards.

Each function is one unit of work and returns plain dicts (the CLI prints them; the web pages
render them). ``estimate_for`` reads one child's records, so it goes through the gate with a
``Reader``; ``evaluate`` reads no one child's record for display (it reports group figures
only) and is a partnership analytics purpose.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine

from joinedup.errors import BadInput, NotFound
from joinedup.governance import gate
from joinedup.governance.reader import Reader
from joinedup.interventions import cohort, covariates, estimate, index_dates, report

# (re-exported: recording interventions, as the CLI, web pages and API take them from here)
from joinedup.services.intervention_records import add_type as add_type
from joinedup.services.intervention_records import (
    import_interventions as import_interventions,
)
from joinedup.services.intervention_records import list_types as list_types
from joinedup.services.intervention_records import type_of

Progress = Callable[[str, int, int], None]
MAX_COMPARISON = 20_000  # a random sample of comparison children is enough, and keeps it fast
MIN_TREATED = 20  # fewer treated children than this: the evidence is too thin
NEIGHBOURS = 60  # comparable past cases considered for one child
BINARY = {name for name, (_, kind) in covariates.OUTCOMES.items() if kind == "any"}


def parse_period(period: str | tuple[date, date] | None) -> tuple[date, date] | None:
    """``None``/"" (all), ``"2024"``, ``"2023..2025"``, ``"2024-01-01..2024-06-30"`` or dates."""
    if period is None or period == "":
        return None
    if isinstance(period, tuple):
        return period
    text = period.strip()
    try:
        a, _, b = text.partition("..")
        a, b = a.strip(), (b or a).strip()
        first = date(int(a), 1, 1) if len(a) == 4 else date.fromisoformat(a)
        last = date(int(b), 12, 31) if len(b) == 4 else date.fromisoformat(b)
        if last < first:
            raise ValueError
        return first, last
    except ValueError:
        raise BadInput(
            "Period must be a year (2024), years (2024..2025) or dates (2024-01-01..2024-06-30)",
            field="period",
        ) from None


def _cohort(
    connection: Connection,
    code: str,
    period: tuple[date, date] | None,
    *,
    seed: int,
    max_comparison: int,
    progress: Progress,
    draws: int = 1,
) -> tuple[pd.DataFrame, dict[str, Any], dict[str, pd.DataFrame]]:
    """Treated children (start in the period, 12 months of follow-up in the data) and a
    sample of children, each at ``draws`` index dates drawn from the treated children's start
    dates by stable keys and kept where no intervention of theirs had started by that date
    (``index_dates.cohort_units``; the same store and seed give the same cohort). Returns
    the analysis frame (a ``draw`` column: -1 for the treated), counts and the raw frames."""
    progress("reading linked people", 0, 3)
    persons = cohort.person_map(connection)
    people = cohort.people(connection)
    progress("reading events", 1, 3)
    events = cohort.events(connection, persons)
    ivs = cohort.interventions(connection, persons)
    end_day = cohort.to_day(cohort.data_end(connection))
    progress("building the cohort", 2, 3)
    window = None if period is None else (cohort.to_day(period[0]), cohort.to_day(period[1]))
    units, counts = index_dates.cohort_units(
        ivs,
        people,
        code,
        window=window,
        end_day=end_day,
        seed=seed,
        draws=draws,
        limit=max_comparison,
    )
    info: dict[str, Any] = dict(counts)
    frames = {"people": people, "events": events}
    if units.empty:
        return pd.DataFrame(), info | {"treated": 0}, frames
    units["unit"] = np.arange(len(units))
    frame = covariates.build(units[["unit", "person_id", "day"]], people, events).merge(
        units[["unit", "treated", "draw"]], on="unit"
    )
    t_age = frame["age"]
    frame = frame[(t_age >= 0) & (t_age < 18)]
    progress("building the cohort", 3, 3)
    return frame, info, frames


def evaluate(
    engine: Engine,
    intervention_type: str,
    period: str | tuple[date, date] | None = None,
    *,
    bootstrap: int = 200,
    seed: int = 0,
    max_comparison: int = MAX_COMPARISON,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """The effect of one intervention type on the children who received it in ``period``."""
    progress = progress or (lambda _s, _d, _t: None)
    window = parse_period(period)
    with engine.connect() as connection:
        kind = type_of(connection, intervention_type)
        frame, info, _ = _cohort(
            connection,
            kind["code"],
            window,
            seed=seed,
            max_comparison=max_comparison,
            progress=progress,
            draws=index_dates.DRAWS,
        )
        connection.rollback()
    result: dict[str, Any] = {
        "intervention_type": kind["code"],
        "title": kind["title"],
        "period": [d.isoformat() for d in window] if window else None,
        "primary_outcome": "statutory",
        "outcome_labels": covariates.OUTCOME_LABELS,
        "covariate_labels": covariates.LABELS,
        "method": "doubly robust effect on the treated (augmented inverse probability "
        "weighting, cross-fitted gradient boosting models, weights entropy-balanced on every "
        "covariate, influence-function 95% intervals), difference-in-differences where "
        "measured before, E-value sensitivity",
        "records": info,
    }
    n_treated = int(frame["treated"].sum()) if len(frame) else 0
    if n_treated < MIN_TREATED:
        return result | {
            "treated": n_treated,
            "too_thin": True,
            "message": f"Only {n_treated} children received this intervention in the period "
            f"with 12 months of follow-up; at least {MIN_TREATED} are needed to say anything.",
        }
    progress("estimating", 0, 1)
    stats = estimate.evaluate_frame(
        frame,
        covariates.COVARIATES,
        list(covariates.OUTCOMES),
        binary=BINARY,
        bootstrap=bootstrap,
        seed=seed,
    )
    progress("estimating", 1, 1)
    result |= stats | {"too_thin": False, "trajectory": _trajectory(frame)}
    result["summary"] = report.headline(result)
    return result


def _trajectory(frame: pd.DataFrame) -> dict[str, list[float]]:
    """Monthly share with a statutory outcome, treated vs weighted comparison."""
    treated = frame["treated"].to_numpy(dtype=int)
    x = frame[covariates.COVARIATES].to_numpy(dtype=float)
    w = estimate.balanced_weights(x, treated)
    cols = [f"m{m}" for m in covariates.MONTHS]
    y = frame[cols].to_numpy(dtype=float)
    t = treated == 1
    with_ = np.average(y[t], axis=0, weights=w[t])
    without = np.average(y[~t], axis=0, weights=w[~t])
    return {
        "months": list(covariates.MONTHS),
        "treated": [round(float(v), 4) for v in with_],
        "comparison": [round(float(v), 4) for v in without],
    }


def export_evaluation(result: dict[str, Any], out: Path) -> list[str]:
    """Write the board report (Markdown or HTML, by the file's suffix) and its plots."""
    return report.write(result, Path(out))


def estimate_for(
    engine: Engine,
    person_id: str,
    intervention_type: str,
    *,
    reader: Reader,
    bootstrap: int = 300,
    seed: int = 0,
    now: datetime | None = None,
) -> dict[str, Any]:
    """Before an intervention: for this child, the change in the 12-month risk of a statutory
    outcome that comparable past cases suggest, with an interval and how comparable they were.

    The child's records are read through the gate (decided and audited); the child is matched
    only on covariates whose catalogue fields the reader may see."""
    from joinedup.governance import uses
    from joinedup.interventions.beforehand import comparable_cases

    uses.INTERVENTION_ESTIMATE.check(reader)
    fields = frozenset(covariates.FIELDS.values())
    with engine.begin() as connection:
        opened = gate.open_person(connection, reader, person_id, fields, now=now)
        allowed = [c for c in covariates.COVARIATES if opened.allows(covariates.FIELDS[c])]
        kind = type_of(connection, intervention_type)
        frame, _info, raw = _cohort(
            connection,
            kind["code"],
            None,
            seed=seed,
            max_comparison=MAX_COMPARISON,
            progress=lambda _s, _d, _t: None,
        )
        on = cohort.data_end(connection)
    withheld = sorted(opened.decision.withheld_categories)
    base = {
        "person_id": person_id,
        "intervention_type": kind["code"],
        "title": kind["title"],
        "as_of": on.isoformat(),
        "outcome": covariates.OUTCOME_LABELS["statutory"],
        "matched_on": [covariates.LABELS[c] for c in allowed],
        "withheld": withheld,
    }
    if not opened.decision.allowed or not allowed:
        return base | {
            "too_thin": True,
            "message": "You may not see enough of this child's "
            "records to compare them with past cases.",
        }
    unit = pd.DataFrame({"unit": [0], "person_id": [person_id], "day": [cohort.to_day(on)]})
    child = covariates.build(unit, raw["people"], raw["events"])
    if child["age"].isna().all():
        raise NotFound(f"no date of birth is known for person {person_id!r}")
    return base | comparable_cases(
        frame,
        child.iloc[0],
        allowed,
        min_treated=MIN_TREATED,
        neighbours=NEIGHBOURS,
        bootstrap=bootstrap,
        seed=seed,
    )


# --- an evaluation kept for a board report's page and its charts ------------------------------
# Evaluations take seconds (bootstrap intervals over the whole partnership), and a board
# report is read several times (its page, then its charts): the result is kept for a few
# minutes per store, type and period. It holds group figures only.
# A few minutes of reuse: hand-written (a dict and a lock) because no caching library is a
# dependency and this needs only expiry by age.
KEEP_SECONDS = 600
_kept: dict[tuple[int, str, str], tuple[float, dict[str, Any]]] = {}
_lock = threading.Lock()


def evaluation_kept(engine: Engine, intervention_type: str, period: str = "") -> dict[str, Any]:
    """``evaluate``, reused for ``KEEP_SECONDS`` per store, type and
    period (unknown types and bad periods raise as the service does)."""
    key = (id(engine), intervention_type.strip().upper(), period.strip())
    now = time.monotonic()
    with _lock:
        for k in [k for k, (at, _) in _kept.items() if now - at > KEEP_SECONDS]:
            del _kept[k]
        if key in _kept:
            return _kept[key][1]
    result = evaluate(engine, key[1], key[2] or None)
    with _lock:
        _kept[key] = (time.monotonic(), result)
    return result

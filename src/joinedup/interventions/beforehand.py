"""Before an intervention: what happened to comparable past cases, with and without it.

Pure (numpy/pandas). In: the evaluation frame of one intervention type (past treated children
at their start, comparison children at their index date, covariates and 12-month outcomes),
one child's covariates today and which covariates may be used. Out: the 12-month risk of a
statutory outcome among the most similar past children who received the intervention and
among the most similar who did not, the change, a bootstrap interval, how many cases and how
similar they were, and a plain "too thin" verdict when the evidence cannot support a figure.

Similarity is the root-mean-square difference over the standardised covariates (0 = the same
history); a case counts as comparable within ``RADIUS`` standard deviations.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

RADIUS = 0.5
MAX_CI_WIDTH = 0.40  # an interval wider than 40 points is not a usable estimate


def comparable_cases(
    frame: pd.DataFrame,
    child: pd.Series,
    columns: list[str],
    *,
    min_treated: int,
    neighbours: int,
    bootstrap: int,
    seed: int,
    outcome: str = "statutory",
) -> dict[str, Any]:
    if frame.empty:
        return {
            "too_thin": True,
            "comparable": {"treated": 0, "untreated": 0},
            "message": "No past cases of this intervention with 12 months of follow-up.",
        }
    x = frame[columns].to_numpy(dtype=float)
    mean, sd = x.mean(axis=0), x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - mean) / sd
    target = (child[columns].to_numpy(dtype=float) - mean) / sd
    rms = np.sqrt(np.nanmean((z - np.nan_to_num(target)) ** 2, axis=1))
    treated = frame["treated"].to_numpy(dtype=int) == 1
    y = frame[outcome].to_numpy(dtype=float)
    near_t = _nearest(rms, treated, neighbours)
    near_c = _nearest(rms, ~treated, neighbours * 5)
    found = {
        "treated": int(near_t.size),
        "untreated": int(near_c.size),
        "median_distance_sd": _r(float(np.median(rms[near_t]))) if near_t.size else None,
        "similarity_percent": _r(100 * math.exp(-float(np.median(rms[near_t]))), 1)
        if near_t.size
        else None,
    }
    if near_t.size < min_treated or near_c.size < min_treated:
        return {
            "too_thin": True,
            "comparable": found,
            "message": f"The evidence is too thin: only {near_t.size} children with a history "
            f"like this one received the intervention (at least {min_treated} are needed).",
        }
    rng = np.random.default_rng(seed)
    draws = []
    for _ in range(bootstrap):
        bt = rng.choice(near_t, near_t.size)
        bc = rng.choice(near_c, near_c.size)
        draws.append(y[bt].mean() - y[bc].mean())
    with_, without = float(y[near_t].mean()), float(y[near_c].mean())
    lo, hi = np.percentile(draws, [2.5, 97.5]) if draws else (np.nan, np.nan)
    thin = bool(hi - lo > MAX_CI_WIDTH)
    change = with_ - without
    result = {
        "too_thin": thin,
        "comparable": found,
        "risk_without": _r(without),
        "risk_with": _r(with_),
        "change": _r(change),
        "change_ci": [_r(float(lo)), _r(float(hi))],
        "relative_change": _r(with_ / without - 1) if without > 0 else None,
    }
    if thin:
        result["message"] = (
            "The evidence is too thin to rely on: the comparable cases disagree too much "
            f"(the interval spans {100 * (hi - lo):.0f} percentage points)."
        )
    else:
        result["message"] = (
            f"Of {near_t.size} past children with a similar history who received it, "
            f"{100 * with_:.0f}% had a statutory outcome within 12 months, against "
            f"{100 * without:.0f}% of {near_c.size} similar children who did not: a change of "
            f"{100 * change:+.0f} points (95% interval {100 * lo:+.0f} to {100 * hi:+.0f})."
        )
    return result


def _nearest(rms: np.ndarray, mask: np.ndarray, k: int) -> np.ndarray:
    idx = np.flatnonzero(mask & (rms <= RADIUS))
    return idx[np.argsort(rms[idx], kind="stable")[:k]]


def _r(value: float, digits: int = 4) -> float | None:
    return round(value, digits) if math.isfinite(value) else None

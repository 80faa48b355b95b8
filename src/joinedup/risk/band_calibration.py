"""Calibration within deprivation bands (pure numpy; issue 22).

The score was over-predicted in the least deprived bands and under-predicted in the most
deprived ones, though deprivation is an input: one additive term per decile, fitted across the
partnership, does not make each band's mean predicted chance match its observed rate. From the
partnership's own held-out year (out-of-fold predictions), each band of two deciles with enough
outcomes gets a shift on the log-odds scale that makes its mean predicted chance equal its
observed rate; a band with fewer than ``MIN_OUTCOMES`` outcomes (or none, or all) keeps no
shift, and the reason is recorded. The shifts are added to the model's deprivation term (per
bin of the decile), so the score and its explanation still add up and the deprivation
contribution shows the correction. The fairness audit applies the shifts cross-fitted (a
child's band shift estimated from the other folds) and shows calibration per band after it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

MIN_OUTCOMES = 20
BANDS = ("1-2", "3-4", "5-6", "7-8", "9-10")


def band_of(decile: float | None) -> str | None:
    """The band of two deciles (1 = most deprived); None when the decile is not known."""
    if decile is None or not np.isfinite(decile) or decile != int(decile) or not 1 <= decile <= 10:
        return None
    return BANDS[(int(decile) - 1) // 2]


def _logit(p: np.ndarray) -> np.ndarray:
    p = np.clip(p, 1e-9, 1 - 1e-9)
    return np.log(p / (1 - p))


def _shift_to(rate: float, p: np.ndarray) -> float:
    """The log-odds shift that makes the mean of ``p`` equal ``rate`` (bisection)."""
    z = _logit(p)
    lo, hi = -10.0, 10.0
    for _ in range(60):
        mid = (lo + hi) / 2
        if float(np.mean(1 / (1 + np.exp(-(z + mid))))) < rate:
            lo = mid
        else:
            hi = mid
    return (lo + hi) / 2


def fit(
    y: np.ndarray, p: np.ndarray, deciles: np.ndarray, min_outcomes: int = MIN_OUTCOMES
) -> dict[str, dict[str, Any]]:
    """Per band: the children, outcomes, mean predicted and observed, and the ``shift`` (None
    with a ``reason`` when the band has too few outcomes to estimate one)."""
    bands = np.asarray([band_of(d) for d in deciles], dtype=object)
    out: dict[str, dict[str, Any]] = {}
    for band in BANDS:
        idx = bands == band
        n, events = int(idx.sum()), int(np.asarray(y)[idx].sum())
        entry: dict[str, Any] = {"children": n, "outcomes": events}
        if n:
            entry["mean_predicted"] = round(float(np.mean(p[idx])), 5)
            entry["observed_rate"] = round(events / n, 5)
        if events < min_outcomes or events == n:
            entry["shift"] = None
            entry["reason"] = (
                f"too few outcomes in the band to calibrate it ({events}; "
                f"at least {min_outcomes} are needed)"
            )
        else:
            entry["shift"] = round(_shift_to(events / n, p[idx]), 4)
        out[band] = entry
    return out


def apply(p: np.ndarray, deciles: np.ndarray, shifts: dict[str, dict[str, Any]]) -> np.ndarray:
    """``p`` with each band's shift added on the log-odds scale."""
    delta = np.asarray(
        [(shifts.get(band_of(d) or "", {}).get("shift") or 0.0) for d in deciles], dtype=float
    )
    return np.asarray(1 / (1 + np.exp(-(_logit(np.asarray(p, dtype=float)) + delta))))


def cross_fitted(
    y: np.ndarray, p: np.ndarray, deciles: np.ndarray, folds: np.ndarray
) -> np.ndarray:
    """``p`` recalibrated per band with shifts fitted on the other folds only; a band needs
    the other folds' share of ``MIN_OUTCOMES`` (the stored model's rule, on less data)."""
    out = np.asarray(p, dtype=float).copy()
    for k in np.unique(folds):
        rows = folds == k
        least = max(1, round(MIN_OUTCOMES * float((~rows).mean())))
        shifts = fit(y[~rows], p[~rows], deciles[~rows], least)
        out[rows] = apply(p[rows], deciles[rows], shifts)
    return out


def add_to_term(ebm: Any, feature: int, shifts: dict[str, dict[str, Any]]) -> None:
    """Add the band shifts to the EBM's term of the deprivation decile (``feature``): each
    bin gets the mean shift of the deciles 1-10 that fall in it."""
    term = next(j for j, t in enumerate(ebm.term_features_) if tuple(t) == (feature,))
    edges = np.asarray(ebm.bins_[feature][0], dtype=float)
    scores = np.asarray(ebm.term_scores_[term], dtype=float).copy()
    by_bin: dict[int, list[float]] = {}
    for decile in range(1, 11):
        b = int(np.searchsorted(edges, decile, side="right")) + 1
        shift = shifts.get(band_of(decile) or "", {}).get("shift") or 0.0
        by_bin.setdefault(b, []).append(float(shift))
    for b, values in by_bin.items():
        scores[b] += float(np.mean(values))
    ebm.term_scores_[term] = scores

"""The statistics of an evaluation: who would have been comparable, and what changed.

Pure functions over numpy/pandas (no ORM, no web). The estimand is the effect on the children
who received the intervention (ATT). Method:

1. Propensity score: cross-fitted gradient boosting (``robust.propensity``), capped at 0.99
   (the number capped is reported as trimming).
2. Weights that balance every covariate: the comparison children's odds e/(1-e), calibrated
   by entropy balancing so every covariate's weighted comparison mean equals the treated mean
   (``robust.calibrated_weights``).
3. Effects for each binary outcome: doubly robust (augmented IPW with a cross-fitted gradient
   boosting outcome model, ``robust.aipw_att``): risk with (treated) and without, the relative
   change (risk ratio - 1) and the difference, with influence-function 95% intervals; the
   weighting-only estimate and its bootstrap interval are kept beside it, and a weighted
   log-risk-ratio fit (statsmodels GLM, Poisson, robust errors: the "modified Poisson"
   estimator) gives an analytic interval. A mean outcome (school absence) is weighted only.
4. Difference-in-differences where the outcome was also measured in the 12 months before:
   (treated after - before) - (weighted comparison after - before).
5. Bootstrap intervals (weighting-only figures, the difference in differences, a mean
   outcome): children resampled within each group, the weights recomputed every time
   (logistic propensity odds, entropy-balanced), so their uncertainty is included. When the
   comparison children were given several index dates (a ``draw`` column: one row per child
   and draw), the point estimate uses every draw (stacked) and each replicate takes one draw
   at random, so the interval carries the variation of the index dates as well.
6. Balance: standardised mean differences before and after weighting (|SMD| < 0.1 is good;
   a report refuses to headline an estimate above it, ``verdict``).
7. Sensitivity to unmeasured confounding: the E-value (VanderWeele and Ding, 2017): how strong
   an unmeasured confounder would need to be, with both the intervention and the outcome, on
   the risk-ratio scale, to explain the estimate away. Hand-written because it is a closed
   formula and no library we depend on provides it.

Beside them, two naive figures a board often sees: treated vs everyone else (no adjustment),
and the treated children's own before/after change (no comparison group).
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from joinedup.interventions import robust

MAX_PROPENSITY = 0.99


def propensity(x: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """P(intervention | covariates) for every row."""
    model = make_pipeline(
        StandardScaler(), LogisticRegression(C=10.0, solver="newton-cholesky", max_iter=200)
    )
    model.fit(x, treated)
    return np.asarray(model.predict_proba(x)[:, 1])


def att_weights(score: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Treated 1; comparison e/(1-e), rescaled to sum to the number treated."""
    e = np.clip(score, 1e-6, MAX_PROPENSITY)
    w = np.where(treated == 1, 1.0, e / (1.0 - e))
    control = treated == 0
    total = w[control].sum()
    if total > 0:
        w[control] *= treated.sum() / total
    return w


def balanced_weights(x: np.ndarray, treated: np.ndarray) -> np.ndarray:
    """Logistic propensity odds calibrated by entropy balancing (quick: for resamples)."""
    return robust.calibrated_weights(x, treated, propensity(x, treated)).weights


def _wmean(y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Column-wise weighted means, ignoring missing values."""
    present = ~np.isnan(y)
    ww = w[:, None] * present
    total = ww.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(total > 0, (np.nan_to_num(y) * ww).sum(axis=0) / total, np.nan)


def smd(x: np.ndarray, treated: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Standardised mean differences (weighted means, unweighted pooled SD)."""
    t, c = treated == 1, treated == 0
    sd = np.sqrt((x[t].var(axis=0) + x[c].var(axis=0)) / 2)
    diff = _wmean(x[t], w[t]) - _wmean(x[c], w[c])
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(sd > 0, diff / sd, 0.0)


def e_value(rr: float, lo: float, hi: float) -> tuple[float, float]:
    """E-values of a risk ratio and of its interval limit nearer 1 (1 when it spans 1)."""

    def one(r: float) -> float:
        if not math.isfinite(r) or r <= 0:
            return float("nan")
        r = 1 / r if r < 1 else r
        return r + math.sqrt(r * (r - 1))

    limit = 1.0 if lo <= 1 <= hi else (hi if rr < 1 else lo)
    return one(rr), one(limit)


def _effects(
    y_after: np.ndarray, y_before: np.ndarray, treated: np.ndarray, w: np.ndarray
) -> np.ndarray:
    """Per outcome: [risk treated, risk comparison, ratio - 1, difference, did]."""
    t, c = treated == 1, treated == 0
    rt, rc = _wmean(y_after[t], w[t]), _wmean(y_after[c], w[c])
    bt, bc = _wmean(y_before[t], w[t]), _wmean(y_before[c], w[c])
    with np.errstate(invalid="ignore", divide="ignore"):
        rel = np.where(rc > 0, rt / rc - 1.0, np.nan)
    return np.vstack([rt, rc, rel, rt - rc, (rt - bt) - (rc - bc)])


def _glm_ratio(y: np.ndarray, treated: np.ndarray, w: np.ndarray) -> tuple[float, float]:
    """Analytic 95% interval of the risk ratio (weighted modified Poisson, robust SE)."""
    keep = ~np.isnan(y)
    if keep.sum() < 10 or y[keep].sum() == 0:
        return float("nan"), float("nan")
    design = sm.add_constant(treated[keep].astype(float))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fit = sm.GLM(y[keep], design, family=sm.families.Poisson(), var_weights=w[keep]).fit(
            cov_type="HC0"
        )
    lo, hi = fit.conf_int()[1]
    return math.exp(lo) - 1.0, math.exp(hi) - 1.0


def evaluate_frame(
    frame: pd.DataFrame,
    covariates: list[str],
    outcomes: list[str],
    *,
    binary: set[str],
    bootstrap: int = 200,
    seed: int = 0,
) -> dict[str, Any]:
    """The full evaluation of one intervention type on ``frame`` (one row per child; a
    ``treated`` column, the covariates, ``<outcome>`` and ``<outcome>_before``)."""
    treated = frame["treated"].to_numpy(dtype=int)
    x = frame[covariates].to_numpy(dtype=float)
    y_after = frame[outcomes].to_numpy(dtype=float)
    y_before = frame[[f"{o}_before" for o in outcomes]].to_numpy(dtype=float)
    score = robust.propensity(x, treated, seed)
    calibration = robust.calibrated_weights(x, treated, score)
    w = calibration.weights
    point = _effects(y_after, y_before, treated, w)
    naive = _effects(y_after, y_before, treated, np.ones_like(w))
    rng = np.random.default_rng(seed)
    t_idx = np.flatnonzero(treated == 1)
    draw_of = frame["draw"].to_numpy(dtype=int) if "draw" in frame else np.zeros(len(frame), int)
    by_draw = [np.flatnonzero((treated == 0) & (draw_of == d)) for d in _draws(draw_of, treated)]
    by_draw = [c for c in by_draw if c.size] or [np.flatnonzero(treated == 0)]
    draws = []
    for _ in range(bootstrap):
        c_idx = by_draw[int(rng.integers(len(by_draw)))]
        idx = np.concatenate([rng.choice(t_idx, t_idx.size), rng.choice(c_idx, c_idx.size)])
        tb, xb = treated[idx], x[idx]
        wb = balanced_weights(xb, tb)
        draws.append(_effects(y_after[idx], y_before[idx], tb, wb))
    stack = np.array(draws) if draws else np.full((1, *point.shape), np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lo = np.nanpercentile(stack, 2.5, axis=0)
        hi = np.nanpercentile(stack, 97.5, axis=0)
    t_mask = treated == 1
    results = {}
    for j, name in enumerate(outcomes):
        is_binary = name in binary
        before_measured = bool(np.isfinite(y_before[t_mask, j]).mean() > 0.8)
        entry: dict[str, Any] = {
            "measure": "risk" if is_binary else "mean",
            "treated_with": _f(point[0, j]),
            "comparison_without": _f(point[1, j]),
            "difference": _f(point[3, j]),
            "difference_ci": [_f(lo[3, j]), _f(hi[3, j])],
            "naive_difference_vs_everyone": _f(naive[3, j]),
            "treated_before": _f(_wmean(y_before[t_mask, j : j + 1], w[t_mask])[0]),
            "measured_on_treated": int(np.isfinite(y_after[t_mask, j]).sum()),
        }
        if is_binary:
            dr = robust.aipw_att_over_draws(x, y_after[:, j], treated, w, draw_of, seed)
            rel_lo, rel_hi = dr.relative_change_ci
            ev, ev_ci = e_value(dr.relative_change + 1.0, rel_lo + 1.0, rel_hi + 1.0)
            glm_lo, glm_hi = _glm_ratio(y_after[:, j], treated, w)
            entry.update(
                {
                    "comparison_without": _f(dr.risk_without),
                    "difference": _f(dr.difference),
                    "difference_ci": [_f(v) for v in dr.difference_ci],
                    "relative_change": _f(dr.relative_change),
                    "relative_change_ci": [_f(rel_lo), _f(rel_hi)],
                    "relative_change_weighting": _f(point[2, j]),
                    "relative_change_weighting_ci": [_f(lo[2, j]), _f(hi[2, j])],
                    "relative_change_ci_analytic": [_f(glm_lo), _f(glm_hi)],
                    "naive_relative_vs_everyone": _f(naive[2, j]),
                    "e_value": _f(ev),
                    "e_value_ci": _f(ev_ci),
                }
            )
        if before_measured:
            entry["did"] = _f(point[4, j])
            entry["did_ci"] = [_f(lo[4, j]), _f(hi[4, j])]
            before = float(_wmean(y_before[t_mask, j : j + 1], np.ones(t_mask.sum()))[0])
            after = float(point[0, j])
            entry["naive_before_after"] = _f(after - before)
            if is_binary and before > 0:
                entry["naive_before_after_relative"] = _f(after / before - 1.0)
        results[name] = entry
    before_smd = smd(x, treated, np.ones_like(w))
    after_smd = smd(x, treated, w)
    n_draws = len(by_draw)
    return {
        "treated": int(t_mask.sum()),
        "comparison": int(round((~t_mask).sum() / n_draws)),
        "comparison_index_dates": n_draws,
        "effective_comparison": _f(_ess(w[~t_mask]) / n_draws),
        "bootstrap": bootstrap,
        "outcomes": results,
        "balance": [
            {"covariate": c, "smd_before": _f(b), "smd_after": _f(a)}
            for c, b, a in zip(covariates, before_smd, after_smd, strict=True)
        ],
        "max_abs_smd_after": _f(float(np.max(np.abs(after_smd))) if len(covariates) else 0.0),
        "balance_exact": calibration.converged,
        "trimmed": calibration.capped,
        "propensity_overlap": {
            "treated_median": _f(float(np.median(score[t_mask]))),
            "comparison_median": _f(float(np.median(score[~t_mask]))),
            "comparison_weight_max_share": _f(
                float(w[~t_mask].max() / w[~t_mask].sum()) if (~t_mask).any() else 0.0
            ),
        },
    }


def _draws(draw_of: np.ndarray, treated: np.ndarray) -> list[int]:
    """The comparison children's draws of index dates (one, 0, when there was no draw)."""
    return sorted({int(d) for d in np.unique(draw_of[treated == 0])}) or [0]


def _ess(w: np.ndarray) -> float:
    """Kish's effective sample size of weighted comparison children."""
    return float(w.sum() ** 2 / (w**2).sum()) if w.size and (w**2).sum() > 0 else 0.0


def _f(value: float) -> float | None:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None

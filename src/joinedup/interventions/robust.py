"""A doubly robust estimate of an intervention's effect on the children who received it.

Pure numpy/scikit-learn (no ORM, no web). The estimand is the effect on the treated (ATT) on a
binary outcome, as a relative change in risk (risk ratio - 1). Method:

1. **Propensity**, cross-fitted: gradient boosting (scikit-learn's histogram gradient boosting,
   shallow and regularised) of receiving the intervention on the covariates; every child's
   score comes from a model fitted on the other folds. A score above ``MAX_PROPENSITY`` is
   capped there (weight trimming), and the number capped is reported.
2. **Weights that balance every covariate**: the comparison children's odds e/(1-e) are
   calibrated by entropy balancing (Hainmueller 2012): the weights nearest to the odds (in
   Kullback-Leibler divergence) whose weighted comparison mean of every covariate equals the
   treated children's mean exactly. Where no such weights exist (a covariate no comparison
   child shares with the treated) the calibration stops, and the balance reported says so.
3. **Outcome model**, cross-fitted: gradient boosting of the outcome on the covariates among
   the comparison children, m0(x) = P(outcome | x, not treated).
4. **Augmented IPW for the ATT**: risk with = the treated children's mean outcome; risk
   without = (sum over treated of m0 + sum over comparison of w (y - m0)) / treated. Either
   model being right is enough for the estimate to be consistent ("doubly robust").
5. **Interval**: from the influence function of log(risk with / risk without), 95% normal on
   the log scale (no bootstrap needed: the cross-fitting keeps the models' overfitting out).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits

MAX_PROPENSITY = 0.99
FOLDS = 2
Z95 = 1.959963984540054
_EPS = 1e-4
# Largest gap (in standard deviations) between weighted comparison and treated means that
# counts as exact balance.
BALANCED = 1e-4


def _booster(seed: int) -> HistGradientBoostingClassifier:
    return HistGradientBoostingClassifier(
        max_depth=3,
        learning_rate=0.05,
        max_iter=120,
        min_samples_leaf=20,
        l2_regularization=1.0,
        early_stopping=False,
        random_state=seed,
    )


def _folds(labels: np.ndarray, seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    if labels.size < 2 * FOLDS or np.bincount(labels.astype(int)).max() > labels.size - FOLDS:
        index = np.arange(labels.size)
        return [(index, index)]
    kfold = StratifiedKFold(n_splits=FOLDS, shuffle=True, random_state=seed)
    return list(kfold.split(np.zeros(labels.size), labels))


def _cross_fit(
    x: np.ndarray, label: np.ndarray, fit_rows: np.ndarray, strata: np.ndarray, seed: int
) -> np.ndarray:
    """P(label | x) for every row, each from a model fitted on the other folds' ``fit_rows``."""
    out = np.full(label.size, float(label[fit_rows].mean()) if fit_rows.any() else 0.0)
    for k, (train, test) in enumerate(_folds(strata, seed)):
        rows = train[fit_rows[train]]
        if np.unique(label[rows]).size < 2:
            out[test] = float(label[rows].mean()) if rows.size else out[test]
            continue
        # one thread: OpenMP's spinning threads make it 20 times slower on a busy machine
        with threadpool_limits(1):
            model = _booster(seed + k).fit(x[rows], label[rows])
            out[test] = model.predict_proba(x[test])[:, 1]
    return out


def propensity(x: np.ndarray, treated: np.ndarray, seed: int = 0) -> np.ndarray:
    """Cross-fitted P(intervention | covariates) for every row."""
    return _cross_fit(x, treated, np.ones(treated.size, dtype=bool), treated, seed)


@dataclass(frozen=True)
class Calibration:
    weights: np.ndarray  # every row: treated 1, comparison calibrated (sum = treated count)
    converged: bool  # every covariate's weighted comparison mean equals the treated mean
    capped: int  # comparison children whose propensity was capped at MAX_PROPENSITY


def balancing_weights(
    x: np.ndarray, treated: np.ndarray, base: np.ndarray | None = None, *, capped: int = 0
) -> Calibration:
    """Entropy balancing of the comparison rows towards the treated covariate means, starting
    from ``base`` weights (the propensity odds; uniform when None)."""
    t, c = treated == 1, treated == 0
    n_treated = int(t.sum())
    q = np.ones(int(c.sum())) if base is None else np.asarray(base, dtype=float)[c]
    q = q / q.sum() if q.sum() > 0 else np.full(q.size, 1.0 / max(q.size, 1))
    sd = x.std(axis=0)
    keep = sd > 0
    z = (x[c][:, keep] - x[t][:, keep].mean(axis=0)) / sd[keep]
    log_q = np.log(np.maximum(q, 1e-300))
    p = _solve(log_q, z, 0.0)
    converged = bool(np.max(np.abs(p @ z), initial=0.0) < BALANCED)
    if not converged:
        # exact balance cannot be had (a covariate value no comparison child shares): the
        # nearest balance a penalty on the weights' tilt allows, or the odds if those are nearer
        candidates = [p, _solve(log_q, z, 1e-2), q]
        p = min(candidates, key=lambda v: float(np.max(np.abs(v @ z), initial=0.0)))
    w = np.ones(treated.size)
    w[c] = p * n_treated
    return Calibration(w, converged, capped)


def _solve(log_q: np.ndarray, z: np.ndarray, penalty: float) -> np.ndarray:
    """Newton's method on the entropy-balancing dual, log-sum-exp(log q + z l) +
    penalty/2 |l|^2, with a backtracking line search; the weights it ends at."""
    lam = np.zeros(z.shape[1])
    ridge = (penalty + 1e-8) * np.eye(lam.size)
    p = _softmax(log_q)
    for _ in range(100):
        p = _softmax(log_q + z @ lam)
        gap = p @ z
        gradient = gap + penalty * lam
        if np.max(np.abs(gradient), initial=0.0) < 1e-7:
            break
        hessian = (z * p[:, None]).T @ z - np.outer(gap, gap) + ridge
        step = np.linalg.solve(hessian, gradient)
        value, rate = _objective(log_q, z, lam, penalty), 1.0
        while rate > 1e-6 and _objective(log_q, z, lam - rate * step, penalty) > (
            value - 1e-4 * rate * (gradient @ step)
        ):
            rate /= 2
        lam = lam - rate * step
    return p


def _softmax(v: np.ndarray) -> np.ndarray:
    e = np.exp(v - v.max())
    return np.asarray(e / e.sum())


def _objective(log_q: np.ndarray, z: np.ndarray, lam: np.ndarray, penalty: float) -> float:
    v = log_q + z @ lam
    top = float(v.max())
    return top + math.log(float(np.exp(v - top).sum())) + penalty / 2 * float(lam @ lam)


def calibrated_weights(x: np.ndarray, treated: np.ndarray, score: np.ndarray) -> Calibration:
    """The propensity odds (capped), calibrated to balance every covariate exactly."""
    capped = int(((score > MAX_PROPENSITY) & (treated == 0)).sum())
    e = np.clip(score, _EPS, MAX_PROPENSITY)
    return balancing_weights(x, treated, e / (1.0 - e), capped=capped)


@dataclass(frozen=True)
class DoublyRobust:
    risk_with: float
    risk_without: float
    relative_change: float
    relative_change_ci: tuple[float, float]
    difference: float
    difference_ci: tuple[float, float]


def aipw_att(
    x: np.ndarray, y: np.ndarray, treated: np.ndarray, weights: np.ndarray, seed: int = 0
) -> DoublyRobust:
    """Augmented IPW estimate of the ATT of a binary outcome ``y`` (rows with a missing
    outcome are left out), with influence-function intervals."""
    keep = np.isfinite(y)
    x, y, treated, w = x[keep], y[keep], treated[keep], weights[keep]
    t, c = treated == 1, treated == 0
    n, n_treated = y.size, int(t.sum())
    w = np.where(c, w * n_treated / max(float(w[c].sum()), 1e-12), 1.0)
    m0 = np.clip(_cross_fit(x, y, c, treated, seed), _EPS, 1 - _EPS)
    mu1 = float(y[t].mean())
    mu0 = float((m0[t].sum() + (w[c] * (y[c] - m0[c])).sum()) / n_treated)
    share = n_treated / n
    psi1 = np.where(t, y - mu1, 0.0) / share
    psi0 = np.where(t, m0 - mu0, w * (y - m0)) / share
    se_diff = float(np.sqrt(np.mean((psi1 - psi0) ** 2) / n))
    diff = mu1 - mu0
    if mu1 <= 0 or mu0 <= 0:
        nan = float("nan")
        return DoublyRobust(
            mu1, mu0, nan, (nan, nan), diff, (diff - Z95 * se_diff, diff + Z95 * se_diff)
        )
    se_log = float(np.sqrt(np.mean((psi1 / mu1 - psi0 / mu0) ** 2) / n))
    log_rr = math.log(mu1 / mu0)
    return DoublyRobust(
        mu1,
        mu0,
        mu1 / mu0 - 1.0,
        (math.exp(log_rr - Z95 * se_log) - 1.0, math.exp(log_rr + Z95 * se_log) - 1.0),
        diff,
        (diff - Z95 * se_diff, diff + Z95 * se_diff),
    )


def aipw_att_over_draws(
    x: np.ndarray,
    y: np.ndarray,
    treated: np.ndarray,
    weights: np.ndarray,
    draw_of: np.ndarray,
    seed: int = 0,
) -> DoublyRobust:
    """``aipw_att`` when the comparison children were given several index dates (one row
    per child and draw): estimated on each draw apart (each child once, so the influence
    function's rows are independent) and combined as multiple imputations are (Rubin's
    rules: the mean of the draws; within-draw variance plus (1 + 1/m) times the between-draw
    variance), so the interval carries the variation of the index dates. Stacking the draws
    into one estimate counted each comparison child m times and gave an interval too narrow
    (a null outcome came out 'significant')."""
    draws = sorted({int(d) for d in np.unique(draw_of[treated == 0])})
    if len(draws) <= 1:
        return aipw_att(x, y, treated, weights, seed)
    fits = []
    for d in draws:
        rows = (treated == 1) | (draw_of == d)
        fits.append(aipw_att(x[rows], y[rows], treated[rows], weights[rows], seed))
    return combine_draws(fits)


def combine_draws(fits: list[DoublyRobust]) -> DoublyRobust:
    """Rubin's rules over the draws' estimates (``aipw_att_over_draws``). A draw whose
    interval reaches -100% (its lower limit rounds to it: a very wide interval on the log
    scale) makes the combined interval reach it too, which a report reads as "too few to
    say"; before, it raised a math domain error (issue 22's simulation study, seed 1002)."""
    m = len(fits)

    def combined(points: list[float], cis: list[tuple[float, float]]) -> tuple[float, float, float]:
        point = float(np.mean(points))
        within = float(np.mean([((hi - lo) / (2 * Z95)) ** 2 for lo, hi in cis]))
        between = float(np.var(points, ddof=1))
        se = math.sqrt(within + (1 + 1 / m) * between)
        return point, point - Z95 * se, point + Z95 * se

    diff, diff_lo, diff_hi = combined([f.difference for f in fits], [f.difference_ci for f in fits])
    mu1 = float(np.mean([f.risk_with for f in fits]))
    mu0 = float(np.mean([f.risk_without for f in fits]))
    logs = [f for f in fits if math.isfinite(f.relative_change) and f.relative_change > -1]
    if len(logs) < m:
        nan = float("nan")
        return DoublyRobust(mu1, mu0, nan, (nan, nan), diff, (diff_lo, diff_hi))
    log_rr, log_lo, log_hi = combined(
        [math.log1p(f.relative_change) for f in fits],
        [(_log_ratio(f.relative_change_ci[0]), _log_ratio(f.relative_change_ci[1])) for f in fits],
    )
    return DoublyRobust(
        mu1,
        mu0,
        math.expm1(log_rr),
        (math.expm1(log_lo), math.expm1(log_hi)),
        diff,
        (diff_lo, diff_hi),
    )


def _log_ratio(change: float) -> float:
    """log(1 + change), -inf for a change of -100% (an interval limit that underflowed)."""
    return math.log1p(change) if change > -1 else -math.inf

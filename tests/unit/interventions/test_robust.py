"""The doubly robust estimate recovers a known effect where confounding is not linear, and
plain inverse probability weighting (a logistic propensity score) does not."""

import math

import numpy as np
import pytest

from joinedup.interventions import robust
from joinedup.interventions.estimate import att_weights, propensity, smd


def _world(effect: float, n: int = 8000, seed: int = 4) -> tuple[np.ndarray, ...]:
    """Need in a middle band drives both who is treated and the untreated risk (a band a
    logistic model linear in need cannot follow); Y(1) = Y(0) thinned by the effect."""
    rng = np.random.default_rng(seed)
    need = rng.uniform(0, 4, n)
    age = rng.uniform(0, 17, n)
    high = ((need > 1.5) & (need < 2.5)).astype(float)
    treated = (rng.random(n) < 1 / (1 + np.exp(-(-3.0 + 3.0 * high)))).astype(int)
    untreated_outcome = rng.random(n) < 0.04 + 0.45 * high
    worked = rng.random(n) < abs(effect)
    y = np.where((treated == 1) & worked, 0.0, untreated_outcome.astype(float))
    return np.column_stack([need, age]), y, treated


def _naive_ipw(x: np.ndarray, y: np.ndarray, treated: np.ndarray) -> float:
    w = att_weights(propensity(x, treated), treated)
    c = treated == 0
    return float(y[treated == 1].mean() / np.average(y[c], weights=w[c]) - 1.0)


@pytest.mark.parametrize("effect", [-0.3, 0.0])
def test_doubly_robust_recovers_the_effect_where_plain_weighting_is_biased(effect: float):
    x, y, treated = _world(effect)
    score = robust.propensity(x, treated, seed=1)
    calibration = robust.calibrated_weights(x, treated, score)
    dr = robust.aipw_att(x, y, treated, calibration.weights, seed=1)
    lo, hi = dr.relative_change_ci
    assert abs(dr.relative_change - effect) < 0.08  # sd over seeds 0.03, no bias
    assert lo <= effect <= hi and hi - lo < 0.4
    assert _naive_ipw(x, y, treated) > effect + 1.0  # biased towards harm by the band
    assert calibration.converged
    assert np.max(np.abs(smd(x, treated, calibration.weights))) < 1e-3


def test_entropy_balancing_matches_every_covariate_mean():
    rng = np.random.default_rng(9)
    treated = (rng.random(3000) < 0.15).astype(int)
    x = np.column_stack(
        [rng.poisson(0.5 + 1.5 * treated), rng.random(3000) < 0.2 + 0.3 * treated]
    ).astype(float)
    before = np.max(np.abs(smd(x, treated, np.ones(treated.size))))
    calibration = robust.balancing_weights(x, treated)
    assert before > 0.5 and calibration.converged
    assert np.max(np.abs(smd(x, treated, calibration.weights))) < 1e-4
    c = treated == 0
    assert calibration.weights[c].sum() == pytest.approx(treated.sum())
    assert (calibration.weights[treated == 1] == 1).all()


def test_balance_that_cannot_be_had_is_reported_not_hidden():
    """A covariate only the treated children have: no weights can balance it."""
    rng = np.random.default_rng(2)
    treated = (rng.random(500) < 0.2).astype(int)
    only_treated = np.where(treated == 1, (rng.random(500) < 0.5).astype(float), 0.0)
    x = np.column_stack([rng.normal(size=500), only_treated])
    calibration = robust.balancing_weights(x, treated)
    assert not calibration.converged
    after = np.abs(smd(x, treated, calibration.weights))
    before = np.abs(smd(x, treated, np.ones(treated.size)))
    assert after.max() > 0.1  # shown, so the report refuses a headline
    assert after.max() <= before.max() + 1e-9  # never worse than not calibrating at all


def test_propensity_above_the_cap_is_trimmed_and_counted():
    x, _, treated = _world(0.0, n=2000, seed=3)
    score = np.where(np.arange(treated.size) < 5, 0.999, 0.2)
    calibration = robust.calibrated_weights(x, treated, score)
    assert calibration.capped == int((treated[:5] == 0).sum())


def test_several_index_dates_widen_the_interval_rather_than_narrow_it():
    """Comparison children given several index dates (one row per child and draw) are
    estimated draw by draw and combined: the same child counted m times must not make the
    interval narrower (stacked, it was about sqrt(m) times too narrow)."""
    x, y, treated = _world(0.0, n=3000)
    w = robust.calibrated_weights(x, treated, robust.propensity(x, treated, seed=1)).weights
    one = robust.aipw_att(x, y, treated, w, seed=1)
    c = np.flatnonzero(treated == 0)
    rows = np.concatenate([np.flatnonzero(treated == 1), *([c] * 5)])
    draw_of = np.concatenate(
        [np.zeros(int(treated.sum()), int), *[np.full(c.size, d) for d in range(5)]]
    )
    xs, ys, ts, ws = x[rows], y[rows], treated[rows], w[rows]
    stacked = robust.aipw_att(xs, ys, ts, ws, seed=1)
    combined = robust.aipw_att_over_draws(xs, ys, ts, ws, draw_of, seed=1)
    width = lambda d: d.relative_change_ci[1] - d.relative_change_ci[0]  # noqa: E731
    assert width(stacked) < 0.8 * width(one)  # the fault: five copies look like more children
    assert width(combined) == pytest.approx(width(one), rel=0.05)
    assert combined.relative_change == pytest.approx(one.relative_change, abs=0.02)


def test_a_draw_whose_interval_reaches_minus_100_percent_widens_the_combined_one():
    """Seed 1002 of the simulation study: one draw's lower limit underflowed to -100%, and
    combining the draws raised a math domain error instead of an interval."""
    fine = robust.DoublyRobust(0.05, 0.06, -0.17, (-0.6, 0.7), -0.01, (-0.05, 0.03))
    wide = robust.DoublyRobust(0.05, 0.07, -0.29, (-1.0, 400.0), -0.02, (-0.06, 0.02))
    combined = robust.combine_draws([fine, wide, fine])
    lo, hi = combined.relative_change_ci
    assert lo == -1.0 and not hi < 400.0
    assert combined.relative_change == pytest.approx(
        math.expm1((2 * math.log1p(-0.17) + math.log1p(-0.29)) / 3)
    )

"""Calibration within deprivation bands (issue 22): shifts where a band has the outcomes to
estimate one, the reason where it has not, and the model's deprivation term carrying them."""

from __future__ import annotations

import numpy as np
import pytest

from joinedup.risk import band_calibration as bc


def _partnership(seed: int = 1, n: int = 20000) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A score that over-predicts the least deprived and under-predicts the most deprived,
    as the issue measured."""
    rng = np.random.default_rng(seed)
    deciles = rng.integers(1, 11, n).astype(float)
    p = rng.uniform(0.005, 0.08, n)
    z = np.log(p / (1 - p)) + (5.5 - deciles) * 0.12  # the truth: more risk where deprived
    y = (rng.random(n) < 1 / (1 + np.exp(-z))).astype(int)
    return y, p, deciles


def test_each_band_with_enough_outcomes_is_shifted_to_its_observed_rate() -> None:
    y, p, deciles = _partnership()
    shifts = bc.fit(y, p, deciles)
    assert shifts["1-2"]["shift"] > 0 > shifts["9-10"]["shift"]
    after = bc.apply(p, deciles, shifts)
    for band in bc.BANDS:
        rows = np.asarray([bc.band_of(d) == band for d in deciles])
        assert after[rows].mean() == pytest.approx(y[rows].mean(), rel=1e-3)
        assert abs(p[rows].mean() - y[rows].mean()) > abs(after[rows].mean() - y[rows].mean())


def test_a_band_with_too_few_outcomes_keeps_no_shift_and_says_why() -> None:
    y, p, deciles = _partnership(n=20000)
    few = np.asarray([bc.band_of(d) == "9-10" for d in deciles])
    y = np.where(few & (np.cumsum(y * few) > 5), 0, y)  # five outcomes left in 9-10
    shifts = bc.fit(y, p, deciles)
    assert shifts["9-10"]["shift"] is None and shifts["9-10"]["outcomes"] == 5
    assert "too few outcomes" in shifts["9-10"]["reason"]
    unknown = np.full(3, 5.5)  # a home area not in the lookup: no band, no shift
    assert bc.band_of(5.5) is None
    assert np.allclose(bc.apply(np.full(3, 0.02), unknown, shifts), 0.02)


def test_cross_fitted_shifts_come_from_the_other_folds() -> None:
    y, p, deciles = _partnership()
    folds = np.arange(len(y)) % 3
    out = bc.cross_fitted(y, p, deciles, folds)
    own = bc.apply(
        p[folds == 0],
        deciles[folds == 0],
        bc.fit(y[folds != 0], p[folds != 0], deciles[folds != 0], 13),  # 2/3 of 20
    )
    assert np.allclose(out[folds == 0], own)


def test_the_shift_is_carried_by_the_models_deprivation_term() -> None:
    from interpret.glassbox import ExplainableBoostingClassifier

    rng = np.random.default_rng(3)
    x = np.column_stack([rng.integers(1, 11, 3000).astype(float), rng.random(3000)])
    y = (rng.random(3000) < 0.1).astype(int)
    ebm = ExplainableBoostingClassifier(interactions=0, outer_bags=1, max_rounds=50)
    ebm.fit(x, y)
    before = ebm.predict_proba(x)[:, 1]
    shifts = {b: {"shift": 0.5 if b == "1-2" else None} for b in bc.BANDS}
    bc.add_to_term(ebm, 0, shifts)
    after = ebm.predict_proba(x)[:, 1]
    assert np.allclose(after, bc.apply(before, x[:, 0], shifts), atol=1e-6)

"""The EBM read as lookup tables gives interpret's own numbers (used to score one child fast)."""

from __future__ import annotations

import hashlib
from datetime import date

import numpy as np

from joinedup.risk.features import FEATURE_NAMES
from joinedup.risk.model import AdditiveTables, RiskModel, _ebm


def _fitted() -> tuple[object, np.ndarray]:
    rng = np.random.default_rng(3)
    n, d = 2_000, len(FEATURE_NAMES)
    x = rng.integers(0, 6, size=(n, d)).astype(float)
    x[:, 0] = rng.random(n) * 18
    x[:, 5] = 0.0  # a constant feature
    y = (x[:, 3] + 0.3 * x[:, 0] + rng.normal(size=n) > 5).astype(int)
    ebm = _ebm(1)
    ebm.set_params(max_rounds=40)
    ebm.fit(x, y)
    edges = np.asarray(ebm.bins_[0][0])
    x[:20, 0] = edges[: min(20, len(edges))].repeat(20)[:20]  # values exactly on bin edges
    return ebm, x


def test_lookup_tables_give_the_ebms_own_contributions_and_probabilities() -> None:
    ebm, x = _fitted()
    tables = AdditiveTables.of(ebm)
    assert tables is not None
    assert np.array_equal(tables.terms(x), np.asarray(ebm.eval_terms(x)))
    assert np.allclose(tables.proba(x), ebm.predict_proba(x)[:, 1], rtol=0, atol=1e-12)


def test_a_stored_model_predicts_the_same_before_and_after_the_tables_are_built() -> None:
    ebm, x = _fitted()
    model = RiskModel("t", date(2025, 1, 1), [], 1, {6: ebm, 12: ebm}, 0.1)
    blob = model.to_bytes()
    loaded = RiskModel.from_bytes(blob, hashlib.sha256(blob).hexdigest())
    assert np.allclose(loaded.predict(x[:1])[12], ebm.predict_proba(x[:1])[:, 1], atol=1e-12)
    assert loaded.to_bytes() == blob  # the tables are a cache, not part of the artefact


def test_an_ebm_with_interaction_terms_is_left_to_interpret() -> None:
    ebm, x = _fitted()
    ebm.term_features_ = [*ebm.term_features_, (0, 1)]
    assert AdditiveTables.of(ebm) is None


def test_training_refuses_a_horizon_without_outcomes_rather_than_scoring_fail() -> None:
    """Outcomes within 12 months but none within 6 (a small partnership's exploitation
    referrals): the 6-month model was one-class, and scoring failed with an IndexError."""
    import pytest

    from joinedup.risk.model import Snapshots, train

    rng = np.random.default_rng(5)
    n, d = 400, len(FEATURE_NAMES)
    data = Snapshots(names=FEATURE_NAMES)
    data.rows = rng.integers(0, 4, size=(n, d)).astype(float).tolist()
    data.person_ids = [f"P{i}" for i in range(n)]
    data.groups = [f"F{i // 2}" for i in range(n)]
    data.dates = [date(2025, 1, 1)] * n
    data.labels = {6: [0] * n, 12: [int(i % 40 == 0) for i in range(n)]}
    data.outcome_dates = [None] * n
    with pytest.raises(ValueError, match="too few outcomes within 6 months"):
        train(data, trained_through=date(2025, 1, 1))

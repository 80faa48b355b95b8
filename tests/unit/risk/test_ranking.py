"""The choice between the model and the count of factors (issue 22)."""

from __future__ import annotations

import numpy as np
import pytest

from joinedup.risk import ranking


@pytest.mark.parametrize(
    ("model_auc", "count_auc", "by"),
    [
        (0.756, 0.877, "count"),  # the 3,000-child partnership of the issue
        (0.876, 0.785, "model"),
        (0.872, 0.877, "model"),  # 0.005 below: within the margin
        (0.8719, 0.877, "count"),  # just beyond it
    ],
)
def test_the_list_ranks_by_the_model_only_if_it_is_not_worse_than_counting(
    model_auc: float, count_auc: float, by: str
) -> None:
    choice = ranking.choose(model_auc, count_auc)
    assert choice["by"] == by and choice["validated"]
    assert choice["model_auc"] == round(model_auc, 4) and choice["count_auc"] == count_auc
    assert f"{model_auc:.3f}" in choice["reason"] and f"{count_auc:.3f}" in choice["reason"]
    said = "Ranked by the model" if by == "model" else "Ranked by the count of factors"
    assert choice["reason"].startswith(said)


def test_without_a_validation_the_model_ranks_and_the_list_says_why() -> None:
    choice = ranking.choose(None, 0.8)
    assert choice["by"] == "model" and not choice["validated"]
    assert "could not compare" in choice["reason"]


def test_the_count_threshold_flags_about_the_share_asked() -> None:
    counts = np.asarray([0] * 900 + [1] * 50 + [2] * 30 + [3] * 15 + [5] * 5)
    least = ranking.count_threshold(counts, 0.05)
    assert least == 2 and (counts >= least).mean() == pytest.approx(0.05)
    assert ranking.count_threshold(counts, 0.02) == 3
    assert ranking.count_threshold(np.zeros(100), 0.05) == 1
    keys = [
        ranking.order_key("count", p, n, pid)
        for p, n, pid in [(0.9, 1, "a"), (0.1, 3, "b"), (0.2, 3, "c")]
    ]
    assert [k[-1] for k in sorted(keys)] == ["c", "b", "a"]


def test_the_reason_says_the_aucs_as_they_are_reported() -> None:
    """0.44249 is reported as 0.4425 (four places), which reads 0.443; the reason, written
    from the unrounded value, said 0.442."""
    from joinedup.risk.ranking import choose

    chosen = choose(0.44249, 0.9)
    assert f"{chosen['model_auc']:.3f}" in chosen["reason"]
    assert f"{chosen['count_auc']:.3f}" in chosen["reason"]

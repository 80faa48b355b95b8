"""The estimator recovers a known effect under confounding by need; the naive figures do not."""

import numpy as np
import pandas as pd
import pytest

from joinedup.errors import BadInput
from joinedup.interventions.estimate import e_value, evaluate_frame
from joinedup.interventions.records import parse_row


def _world(effect: float, n: int = 6000, seed: int = 1) -> pd.DataFrame:
    """Need drives both who is treated and the untreated risk; Y(1) = Y(0) thinned."""
    rng = np.random.default_rng(seed)
    need = rng.poisson(0.6, n).astype(float)
    age = rng.uniform(0, 17, n)
    treated = rng.random(n) < 1 / (1 + np.exp(-(-2.0 + 1.2 * need)))
    risk0 = np.clip(0.05 + 0.12 * need, 0, 0.9)
    y0 = rng.random(n) < risk0
    worked = rng.random(n) < abs(effect)
    y = np.where(treated & worked, False, y0)
    # the year before: worse for those selected when things were bad (regression to the mean)
    before = rng.random(n) < np.clip(risk0 + 0.25 * treated, 0, 1)
    return pd.DataFrame(
        {
            "treated": treated.astype(int),
            "need": need,
            "age": age,
            "statutory": y.astype(float),
            "statutory_before": before.astype(float),
        }
    )


@pytest.mark.parametrize("effect", [-0.3, -0.1, 0.0])
def test_interval_covers_the_truth_and_naive_figures_are_biased(effect):
    frame = _world(effect)
    result = evaluate_frame(
        frame, ["need", "age"], ["statutory"], binary={"statutory"}, bootstrap=150, seed=3
    )
    o = result["outcomes"]["statutory"]
    lo, hi = o["relative_change_ci"]
    assert lo <= effect <= hi
    assert o["naive_relative_vs_everyone"] > effect + 0.5  # the needier look worse off
    assert o["naive_before_after_relative"] < effect - 0.2  # regression to the mean
    assert result["max_abs_smd_after"] < 0.1
    before = {b["covariate"]: b["smd_before"] for b in result["balance"]}
    assert before["need"] > 0.5
    if effect == -0.3:
        assert hi < 0  # a real effect is detected
    if effect == 0.0:
        assert o["e_value_ci"] == 1.0  # the interval includes no effect


def test_e_value():
    point, limit = e_value(0.7, 0.5, 0.9)
    assert point == pytest.approx(1 / 0.7 + np.sqrt(1 / 0.7 * (1 / 0.7 - 1)))
    assert limit == pytest.approx(1 / 0.9 + np.sqrt(1 / 0.9 * (1 / 0.9 - 1)))
    assert e_value(1.2, 0.8, 1.5)[1] == 1.0


def test_records_are_checked():
    row = {
        "intervention_id": "A1",
        "type": "parenting_programme",
        "agency": "health",
        "person_id": "p1",
        "start_date": "2025-01-02",
        "end_date": "",
        "provider": "x",
        "cost_gbp": "12.50",
    }
    record = parse_row(row)
    assert record.type_code == "PARENTING_PROGRAMME" and record.cost_pence == 1250
    with pytest.raises(BadInput, match="agency"):
        parse_row(row | {"agency": "council"})
    with pytest.raises(BadInput, match="end_date is before"):
        parse_row(row | {"end_date": "2024-01-01"})
    with pytest.raises(BadInput, match="not a date"):
        parse_row(row | {"start_date": "02/01/2025"})

"""The comparison children must not be chosen by what happens to them later.

Interventions go to children whose need is high at the time; a child who was never given one
is, more often than not, a child whose need stayed low, including during the 12 months the
outcome is measured in. A pool of children who *never* received an intervention is therefore
chosen on the outcome, and an intervention with no effect looks harmful (issue 22: the
simulation study's early help +0.19 and parenting +0.09 mean errors). The pool is the children
not yet given an intervention at their index date (Callaway and Sant'Anna's "not yet treated";
a sequential target trial's eligibility)."""

import numpy as np
import pandas as pd

from joinedup.interventions import covariates, index_dates, robust

YEARS = 4


def _world(effect: float, n: int = 5000, seed: int = 7) -> tuple[pd.DataFrame, ...]:
    """Children with a spell of high need (referrals 2.5 a year, else 0.05); each considered
    once, at a random date, for an intervention given with a probability rising with the
    referrals of the 12 months before (seen by the covariates); Y(1) is Y(0) without the
    referrals of the 12 months from the start, for a share |effect| of the treated."""
    rng = np.random.default_rng(seed)
    people = pd.DataFrame(
        {
            "person_id": [f"p{i:05d}" for i in range(n)],
            "dob_day": -rng.integers(3 * 365, 12 * 365, n),
            "male": (rng.random(n) < 0.5).astype(float),
        }
    )
    rows, starts = [], []
    for i, pid in enumerate(people["person_id"]):
        spell = rng.random() < 0.3
        a = rng.integers(0, YEARS * 365)
        b = a + rng.integers(180, 720)
        days = np.sort(rng.integers(0, YEARS * 365, rng.poisson(0.05 * YEARS)))
        if spell:
            days = np.sort(
                np.concatenate([days, rng.integers(a, b, rng.poisson(2.5 * (b - a) / 365))])
            )
        s = int(rng.integers(365, (YEARS - 1) * 365))
        need = min(int(((days >= s - 365) & (days < s)).sum()), 2)
        if rng.random() < 1 / (1 + np.exp(-(-2.2 + 2.1 * need))):
            starts.append((pid, s))
            if rng.random() < abs(effect):
                days = days[(days < s) | (days >= s + 365)]
        rows += [(pid, "referral", int(d), np.nan) for d in days]
    events = pd.DataFrame(rows, columns=["person_id", "kind", "day", "value"])
    ivs = pd.DataFrame(starts, columns=["person_id", "day"]).assign(type_code="EH")
    return people, events, ivs


def _estimate(people: pd.DataFrame, events: pd.DataFrame, ivs: pd.DataFrame) -> float:
    units, _ = index_dates.cohort_units(
        ivs, people, "EH", window=None, end_day=YEARS * 365, seed=1, draws=3, limit=20_000
    )
    units["unit"] = np.arange(len(units))
    frame = covariates.build(units[["unit", "person_id", "day"]], people, events)
    frame = frame.merge(units[["unit", "treated", "draw"]], on="unit")
    x = frame[covariates.COVARIATES].to_numpy(dtype=float)
    treated = frame["treated"].to_numpy(dtype=int)
    weights = robust.calibrated_weights(x, treated, robust.propensity(x, treated, seed=1))
    y = frame["referral"].to_numpy(dtype=float)
    draw = frame["draw"].to_numpy(dtype=int)
    return robust.aipw_att_over_draws(x, y, treated, weights.weights, draw, seed=1).relative_change


# With the pool of children never given one: +0.21 and -0.12 (an error of +0.18). With the
# children not yet given one, over seeds 1-3: -0.04, -0.05, -0.12 and -0.33, -0.37, -0.35.
def test_an_intervention_that_does_nothing_is_not_shown_to_harm():
    assert abs(_estimate(*_world(0.0))) < 0.12


def test_a_known_effect_is_recovered():
    assert abs(_estimate(*_world(-0.3)) + 0.3) < 0.12

"""Evaluations as ``services.interventions.evaluate`` returns them, made by hand with chosen
figures (the board reports' and the page's honesty tests): one too thin to estimate (the
figures issue 19 found, "-100% (-100% to -100%)" and "+961% (-100% to +5831%)"), one with no
detectable difference, one with a clear reduction."""

from __future__ import annotations

import copy
from typing import Any

from joinedup.interventions import covariates


def _effect(
    treated_with: float,
    comparison_without: float,
    rel: float | None,
    lo: float | None,
    hi: float | None,
    measured: int,
) -> dict[str, Any]:
    return {
        "measure": "risk",
        "treated_with": treated_with,
        "comparison_without": comparison_without,
        "difference": treated_with - comparison_without,
        "difference_ci": [-0.05, 0.05],
        "naive_difference_vs_everyone": 0.02,
        "treated_before": 0.3,
        "measured_on_treated": measured,
        "relative_change": rel,
        "relative_change_ci": [lo, hi],
        "relative_change_ci_analytic": [lo, hi],
        "naive_relative_vs_everyone": 0.5,
        "e_value": 1.0,
        "e_value_ci": 1.0,
        "did": -0.1,
        "did_ci": [-0.2, 0.0],
        "naive_before_after": -0.2,
        "naive_before_after_relative": -0.6,
    }


def evaluation(
    statutory: dict[str, Any], police: dict[str, Any], treated: int = 24
) -> dict[str, Any]:
    outcomes = {"statutory": statutory, "police_incident": police}
    result: dict[str, Any] = {
        "intervention_type": "PARENTING_PROGRAMME",
        "title": "Parenting programme",
        "period": None,
        "primary_outcome": "statutory",
        "outcome_labels": covariates.OUTCOME_LABELS,
        "covariate_labels": covariates.LABELS,
        "method": "propensity score weighting (ATT)",
        "records": {"recorded": treated, "not_linked": 0, "follow_up_incomplete": 0},
        "treated": treated,
        "too_thin": False,
        "comparison": 3000,
        "effective_comparison": 60.0,
        "bootstrap": 20,
        "outcomes": outcomes,
        "balance": [
            {"covariate": "age", "smd_before": 0.4, "smd_after": 0.05},
            {"covariate": "prior_referrals", "smd_before": 0.6, "smd_after": 0.08},
        ],
        "max_abs_smd_after": 0.08,
        "propensity_overlap": {
            "treated_median": 0.1,
            "comparison_median": 0.01,
            "comparison_weight_max_share": 0.05,
        },
        "trajectory": {"months": [-1, 0, 1], "treated": [0.3, 0.1, 0.0], "comparison": [0.1] * 3},
    }
    from joinedup.interventions import report

    result["summary"] = report.headline(result)
    return copy.deepcopy(result)


def too_thin() -> dict[str, Any]:
    """What the demo's partnership gave: no statutory outcome at all among 24 children."""
    return evaluation(
        _effect(0.0, 0.05, -1.0, -1.0, -1.0, 24),
        _effect(0.0833, 0.0087, 9.61, -1.0, 58.31, 24),
    )


def no_difference() -> dict[str, Any]:
    """Plenty of outcomes, an interval straddling no change."""
    return evaluation(
        _effect(0.30, 0.32, -0.06, -0.25, 0.15, 200),
        _effect(0.20, 0.20, 0.0, -0.2, 0.25, 200),
        treated=200,
    )


def reduction() -> dict[str, Any]:
    """Plenty of outcomes, the whole interval below no change."""
    return evaluation(
        _effect(0.20, 0.32, -0.375, -0.5, -0.2, 200),
        _effect(0.20, 0.20, 0.0, -0.2, 0.25, 200),
        treated=200,
    )


def unbalanced() -> dict[str, Any]:
    """A reduction on its face, but the groups still differ after weighting (issue 22)."""
    result = reduction()
    result["balance"][1]["smd_after"] = 0.55
    result["max_abs_smd_after"] = 0.55
    from joinedup.interventions import report

    result["summary"] = report.headline(result)
    return result

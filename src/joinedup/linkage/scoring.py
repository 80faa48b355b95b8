"""Score a pair of records in Python with a trained model (incremental linking, explanations).

In: the model's Splink JSON and term frequencies, two feature dicts. Out: the match weight
(log2 Bayes factor, prior included), the match probability, and per comparison the level,
its label and its weight: the Fellegi-Sunter sum Splink computes in SQL, term-frequency
adjustment included (``tf_adj = w * (log2 u_exact - log2 max(tf_l, tf_r, tf_min))``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from joinedup.linkage.comparisons import COMPARISONS, NAME, ComparisonSpec

# A level never seen in training gets these instead of failing: an agreement never seen
# among non-matches is rare (small u); a disagreement never seen among matches is rare too.
UNSEEN_U = 1e-6
UNSEEN_M = 1e-3
# The prior probability that two records are the same person, when training could not
# estimate it: a store where no two records agree on an identifier, or on name and date of
# birth (a first small delivery), has an estimate of 0, whose log is undefined. One pair in
# a million is conservative for a partnership (tens of thousands of people, a few records
# each): strong evidence is still needed to link.
PRIOR_FLOOR = 1e-6


@dataclass(frozen=True)
class LevelWeight:
    comparison: str
    level: str
    gamma: int
    weight: float
    tf_adjustment: float = 0.0


@dataclass(frozen=True)
class PairScore:
    match_weight: float
    prior_weight: float
    levels: tuple[LevelWeight, ...]

    @property
    def match_probability(self) -> float:
        return probability(self.match_weight)

    def gamma(self, comparison: str) -> int:
        return next(lv.gamma for lv in self.levels if lv.comparison == comparison)

    def as_evidence(self) -> list[dict[str, Any]]:
        return [
            {
                "comparison": lv.comparison,
                "level": lv.level,
                "gamma": lv.gamma,
                "weight": round(lv.weight + lv.tf_adjustment, 2),
            }
            for lv in self.levels
        ]


def probability(weight: float) -> float:
    return 1.0 / (1.0 + 2.0 ** (-weight))


def fill_unseen(settings: dict[str, Any]) -> dict[str, Any]:
    """Give levels that training never observed a conservative m or u, and a prior training
    could not estimate (0: no pair agreed on any rule) ``PRIOR_FLOOR`` (in place)."""
    prior = settings.get("probability_two_random_records_match") or 0.0
    if not 0.0 < prior < 1.0:
        settings["probability_two_random_records_match"] = PRIOR_FLOOR
    for comparison in settings["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            level.setdefault("u_probability", UNSEEN_U)
            level.setdefault("m_probability", UNSEEN_M)
    return settings


class Scorer:
    """Precomputed level weights of one trained model."""

    def __init__(self, settings: dict[str, Any], term_frequencies: dict[str, dict[str, float]]):
        self.prior_weight = math.log2(
            settings["probability_two_random_records_match"]
            / (1 - settings["probability_two_random_records_match"])
        )
        self.tf = term_frequencies
        by_name = {c["output_column_name"]: c for c in settings["comparisons"]}
        self.levels: dict[str, list[tuple[float, dict[str, Any]]]] = {}
        for spec in COMPARISONS:
            stored = [
                lv for lv in by_name[spec.name]["comparison_levels"] if not lv.get("is_null_level")
            ]
            self.levels[spec.name] = [
                (
                    math.log2(
                        lv.get("m_probability", UNSEEN_M) / lv.get("u_probability", UNSEEN_U)
                    ),
                    lv,
                )
                for lv in stored
            ]

    def _tf_adjustment(
        self, spec: ComparisonSpec, level: dict[str, Any], left: Any, right: Any
    ) -> float:
        column = level.get("tf_adjustment_column")
        if not column or column not in self.tf:
            return 0.0
        table = self.tf[column]
        values = [table.get(v) for v in (left[column], right[column]) if v is not None]
        values = [v for v in values if v is not None]
        if not values:
            return 0.0
        u_exact = level.get("u_probability", UNSEEN_U)
        floor = level.get("tf_minimum_u_value", 0.0)
        weight = level.get("tf_adjustment_weight", 1.0)
        return weight * (math.log2(u_exact) - math.log2(max(*values, floor)))

    def score(self, left: dict[str, Any], right: dict[str, Any]) -> PairScore:
        total = self.prior_weight
        out = []
        for spec in COMPARISONS:
            gamma = spec.gamma(left, right)
            if gamma == -1:
                label = next(lv.label for lv in spec.levels if lv.is_null)
                out.append(LevelWeight(spec.name, label, -1, 0.0))
                continue
            non_null = [lv for lv in spec.levels if not lv.is_null]
            index = len(non_null) - 1 - gamma
            weight, stored = self.levels[spec.name][index]
            tf_adj = self._tf_adjustment(spec, stored, left, right)
            total += weight + tf_adj
            out.append(LevelWeight(spec.name, non_null[index].label, gamma, weight, tf_adj))
        return PairScore(total, self.prior_weight, tuple(out))


def name_gamma_label(gamma: int) -> str:
    non_null = [lv for lv in NAME.levels if not lv.is_null]
    return non_null[len(non_null) - 1 - gamma].label


def gammas_from_weights(scorer: Scorer, weights: dict[str, float | None]) -> dict[str, int]:
    """Splink's predict keeps each comparison's weight (``mw_<name>``), not its level: the
    level is the one whose weight it is (null levels weigh exactly 0)."""
    out = {}
    for name, levels in scorer.levels.items():
        value = weights.get(name)
        if value is None or value == 0.0:
            out[name] = -1
            continue
        index = min(range(len(levels)), key=lambda i: abs(levels[i][0] - value))
        out[name] = len(levels) - 1 - index
    return out


def level_weights(scorer: Scorer, comparison: str) -> dict[int, float]:
    """``gamma -> weight`` of one comparison's levels (a null level weighs 0)."""
    levels = scorer.levels[comparison]
    return {-1: 0.0} | {len(levels) - 1 - i: weight for i, (weight, _) in enumerate(levels)}

"""What the triage list ranks by: the model, unless it does worse than counting (pure).

Each partnership's own validation (``evaluation.cross_fit``: the held-out year, family-grouped
folds) gives two AUCs on the same children: the model's 12-month score, as the list ranks by
it (recalibrated within deprivation bands, cross-fitted: the shifts reorder children across
bands), and the rule-based count of distinct factors evidenced in 12 months
(``evaluation.baseline_score``). The list
ranks by the model only if its AUC is not below the count's by more than ``MARGIN``; otherwise
by the count (ties broken by the model's score), and the children flagged are then those whose
count reaches the count that flags about the same share. On a small partnership a model can
learn less than the rule a practitioner would use; the list must never be worse than the rule.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from joinedup.risk.areas import AREA_OF

MARGIN = 0.005
MODEL, COUNT = "model", "count"


def choose(model_auc: float | None, count_auc: float | None) -> dict[str, Any]:
    """The ranking and why, in words (``by``, ``reason``, both AUCs and the margin)."""
    base = {"model_auc": rounded(model_auc), "count_auc": rounded(count_auc), "margin": MARGIN}
    if model_auc is None or count_auc is None:
        return base | {
            "by": MODEL,
            "validated": False,
            "reason": "Ranked by the model: the partnership's validation could not compare it "
            "with the count of factors (too few outcomes in the held-out year).",
        }
    # the figures as reported (rounded once): said in words the same as in the numbers
    said = (
        f"AUC {base['model_auc']:.3f} for the model, "
        f"{base['count_auc']:.3f} for the count of factors"
    )
    if model_auc >= count_auc - MARGIN:
        return base | {
            "by": MODEL,
            "validated": True,
            "reason": f"Ranked by the model: on this partnership's held-out year it did at "
            f"least as well as counting factors ({said}).",
        }
    return base | {
        "by": COUNT,
        "validated": True,
        "reason": f"Ranked by the count of factors: on this partnership's held-out year the "
        f"model did worse than counting them ({said}), so the list uses the count and the "
        "model's score only to order children with the same count.",
    }


def count_threshold(counts: np.ndarray, share: float) -> int:
    """The count (at least 1) whose children at or above it come nearest ``share`` of all
    (counts are whole numbers: the share flagged is rarely exactly the model's)."""
    counts = np.asarray(counts, dtype=float)
    if counts.size == 0 or counts.max() < 1:
        return 1
    options = range(1, int(counts.max()) + 1)
    return min(options, key=lambda c: (abs(float((counts >= c).mean()) - share), -c))


def order_key(by: str, probability: float, count: int | None, person_id: str) -> tuple:
    """Sort key of one child in the list (ascending sorts highest first)."""
    if by == COUNT:
        return (-(count or 0), -probability, person_id)
    return (-probability, person_id)


def ranked_by(model: Any) -> dict[str, Any]:
    """What the list ranks by and why (``risk.ranking``), as the model's training chose."""
    if model is None:
        return {"by": MODEL, "reason": "No model yet."}
    keep = ("by", "reason", "model_auc", "count_auc", "margin", "validated", "count_threshold")
    choice = model.training.get("ranking") or choose(None, None)
    return {k: choice[k] for k in keep if k in choice}


def visible_count(row: Any, withheld: frozenset[str]) -> int:
    """The count of factors the list ranks by; for a reader some areas are withheld from, the
    factors of the areas they may see (so the order does not tell what was withheld)."""
    if not withheld:
        return int(row["factor_count"] or 0)
    codes = row["factor_codes"] or []
    return sum(1 for c in codes if c in AREA_OF and AREA_OF[c] not in withheld)


def rounded(value: float | None) -> float | None:
    """An AUC as reported (four places)."""
    return None if value is None else round(float(value), 4)

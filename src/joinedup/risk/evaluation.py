"""Validation of the score on a held-out period, with a rule-based baseline and lead time.

Pure (no ORM): takes children's histories. The evaluation date ``T`` is 12 months before the
data's as-of date (so every 12-month outcome window is complete); models are trained only on
snapshots whose outcome windows closed by ``T`` (temporal split), and cross-fitted over
family-grouped folds: a child is scored by a model that saw neither it nor its brothers and
sisters. Lead time replays monthly triage lists before each outcome.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

import numpy as np
from sklearn.metrics import average_precision_score, roc_auc_score

from joinedup.risk.areas import contribution_label
from joinedup.risk.features import (
    BREADTH_FACTORS_12M,
    FEATURE_NAMES,
    ChildHistory,
    features_at,
    in_population,
)
from joinedup.risk.model import (
    RiskModel,
    Snapshots,
    family_folds,
    month_offset,
    snapshots,
    train,
    training_dates,
)


@dataclass
class HeldOut:
    """Out-of-fold, out-of-time predictions at the evaluation date."""

    on: date
    data: Snapshots
    p6: np.ndarray
    p12: np.ndarray
    baseline: np.ndarray
    thresholds: list[float]  # per fold
    fold: np.ndarray
    models: list[RiskModel] = field(default_factory=list)

    def threshold_of(self, i: int) -> float:
        return self.thresholds[int(self.fold[i])]

    @property
    def flagged(self) -> np.ndarray:
        return np.asarray([self.p12[i] >= self.threshold_of(i) for i in range(len(self.p12))])


def baseline_score(x: np.ndarray) -> np.ndarray:
    """The rule-based comparison: how many distinct factors were evidenced in 12 months
    ("assessment found no factors" not counted)."""
    return np.asarray(x, dtype=float)[:, BREADTH_FACTORS_12M].copy()


@dataclass(frozen=True)
class Task:
    """What one model learns from: its features (and their names), who is in its population
    and the rule it is compared with. The default is the main score's."""

    features: Callable[[ChildHistory, date], list[float]] = features_at
    population: Callable[[ChildHistory, date], bool] = in_population
    names: tuple[str, ...] = FEATURE_NAMES
    baseline: Callable[[np.ndarray], np.ndarray] = baseline_score

    def snapshot_args(self) -> dict:
        return {"features": self.features, "population": self.population, "names": self.names}


def cross_fit(
    histories: list[ChildHistory],
    groups: dict[str, str],
    *,
    as_of: date,
    data_start: date,
    folds: int = 3,
    seed: int = 7,
    labels: Callable[[Snapshots], None] | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    step_months: int = 2,
    task: Task | None = None,
) -> HeldOut:
    """Train on earlier snapshots of the other families; predict each family at ``T``
    (``task``: another model's features, population and baseline; the main one by default)."""
    task = task or Task()
    on = month_offset(as_of, -12)
    dates = training_dates(on, data_start=data_start, step_months=step_months)
    if not dates:
        raise ValueError("too little history: a year of data before the evaluation date needed")
    train_data = snapshots(histories, dates, groups=groups, **task.snapshot_args())
    test = snapshots(histories, [on], groups=groups, **task.snapshot_args())
    if labels is not None:
        labels(test)
    train_fold = family_folds(train_data.groups, folds)
    test_fold = family_folds(test.groups, folds)
    p6, p12 = np.zeros(len(test)), np.zeros(len(test))
    thresholds, models = [], []
    for k in range(folds):
        if progress:
            progress("cross-fitting family folds", k, folds)
        part = _subset(train_data, train_fold != k)
        model = train(part, trained_through=on, seed=seed + k)
        rows = test_fold == k
        if rows.any():
            pred = model.predict(test.x[rows])
            p6[rows], p12[rows] = np.minimum(pred[6], pred[12]), pred[12]
        thresholds.append(model.threshold)
        models.append(model)
    if progress:
        progress("cross-fitting family folds", folds, folds)
    return HeldOut(on, test, p6, p12, task.baseline(test.x), thresholds, test_fold, models)


def _subset(data: Snapshots, mask: np.ndarray) -> Snapshots:
    idx = np.flatnonzero(mask)
    out = Snapshots(names=data.names)
    out.person_ids = [data.person_ids[i] for i in idx]
    out.groups = [data.groups[i] for i in idx]
    out.dates = [data.dates[i] for i in idx]
    out.rows = [data.rows[i] for i in idx]
    out.labels = {m: [v[i] for i in idx] for m, v in data.labels.items()}
    out.outcome_dates = [data.outcome_dates[i] for i in idx]
    return out


def calibration_bins(y: np.ndarray, p: np.ndarray, bins: int = 10) -> list[dict]:
    """Equal-count bins of predicted probability: mean predicted and observed rate."""
    order = np.argsort(p, kind="stable")
    out = []
    for chunk in np.array_split(order, bins):
        if len(chunk):
            out.append(
                {
                    "n": int(len(chunk)),
                    "predicted": float(p[chunk].mean()),
                    "observed": float(y[chunk].mean()),
                }
            )
    return out


def calibration_error(y: np.ndarray, p: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error: count-weighted mean |observed - predicted| over bins."""
    table = calibration_bins(y, p, bins)
    return float(sum(b["n"] * abs(b["observed"] - b["predicted"]) for b in table) / max(1, len(y)))


def at_top(y: np.ndarray, score: np.ndarray, share: float) -> dict[str, float]:
    n = max(1, int(round(len(y) * share)))
    top = np.argsort(-score, kind="stable")[:n]
    hits = int(y[top].sum())
    return {
        "share": share,
        "children": n,
        "precision": hits / n,
        "recall": hits / max(1, int(y.sum())),
    }


def _safe(
    metric: Callable[[np.ndarray, np.ndarray], float], y: np.ndarray, s: np.ndarray
) -> float | None:
    return float(metric(y, s)) if 0 < y.sum() < len(y) else None


def auc(y: np.ndarray, score: np.ndarray) -> float | None:
    """The AUC of ``score`` for ``y``; None when ``y`` has no outcomes or only outcomes."""
    return _safe(roc_auc_score, np.asarray(y), np.asarray(score))


def metrics(held: HeldOut, months: int = 12) -> dict:
    y = held.data.y(months)
    p = held.p12 if months == 12 else held.p6
    return {
        "children": int(len(y)),
        "outcomes": int(y.sum()),
        "auc": _safe(roc_auc_score, y, p),
        "average_precision": _safe(average_precision_score, y, p),
        "calibration_error": calibration_error(y, p),
        "mean_predicted": float(p.mean()) if len(p) else None,
        "observed_rate": float(y.mean()) if len(y) else None,
        "top_1_percent": at_top(y, p, 0.01),
        "top_5_percent": at_top(y, p, 0.05),
        "baseline_auc": _safe(roc_auc_score, y, held.baseline),
        "baseline_average_precision": _safe(average_precision_score, y, held.baseline),
        "baseline_top_5_percent": at_top(y, held.baseline, 0.05),
    }


def lead_times(
    held: HeldOut,
    histories: dict[str, ChildHistory],
    outcomes: dict[str, date],
    *,
    as_of: date,
    lookback_months: int = 12,
    task: Task | None = None,
) -> dict:
    """For each child whose first outcome fell in the held-out year, replay the monthly
    triage lists of the ``lookback_months`` before it (with the model of the child's fold):
    the lead time is how long before the outcome the child was first on the list."""
    task = task or Task()
    fold_of = dict(zip(held.data.person_ids, held.fold.tolist(), strict=True))
    leads: list[float] = []
    for pid, when in sorted(outcomes.items()):
        if not (held.on < when <= as_of) or pid not in histories or pid not in fold_of:
            continue
        model = held.models[fold_of[pid]]
        h = histories[pid]
        dates = [month_offset(when, -m) for m in range(lookback_months, 0, -1)]
        dates = [d for d in dates if task.population(h, d)]
        lead = 0.0
        if dates:
            x = np.asarray([task.features(h, d) for d in dates], dtype=float)
            p = model.predict(x)[12]
            flagged = [d for d, q in zip(dates, p, strict=True) if q >= model.threshold]
            if flagged:
                lead = round((when - flagged[0]).days / 30.44, 1)
        leads.append(lead)
    arr = np.asarray(leads) if leads else np.zeros(0)
    return {
        "children_with_outcome": len(leads),
        "flagged_before_outcome": int((arr > 0).sum()),
        "lead_time_months_median": float(np.median(arr)) if len(arr) else None,
        "lead_time_months_quartiles": [float(np.quantile(arr, q)) for q in (0.25, 0.75)]
        if len(arr)
        else None,
        "flagged_3_months_ahead": int((arr >= 3).sum()),
        "flagged_6_months_ahead": int((arr >= 6).sum()),
        "lead_time_months_median_of_flagged": float(np.median(arr[arr > 0]))
        if (arr > 0).any()
        else None,
        "lead_times": leads,
    }


def importance(model: RiskModel) -> list[dict]:
    """Mean absolute contribution per area (and other contribution key) of the 12-month
    model (the EBM's own term importances, summed over an area's features)."""
    ebm = model.models[12]
    totals: dict[str, float] = {}
    for name, value in zip(ebm.term_names_, ebm.term_importances(), strict=True):
        key = name.split(".", 1)[0]
        totals[key] = totals.get(key, 0.0) + float(value)
    return [
        {"factor": k, "label": contribution_label(k), "importance": round(v, 4)}
        for k, v in sorted(totals.items(), key=lambda kv: -kv[1])
    ]

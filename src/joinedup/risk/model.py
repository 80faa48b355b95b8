"""The score: a glass-box model (an Explainable Boosting Machine from ``interpret-core``) of a
statutory outcome (CP plan, care, serious incident) within 6 and 12 months.

Pure (no ORM): it takes snapshots built from ``ChildHistory`` objects. Training rows are
(child, date) snapshots at several past dates whose outcome window has fully elapsed, so the
split is temporal; folds for calibration checks are grouped by family (children sharing a
linked household never sit on both sides), so siblings do not leak. The EBM is additive with
no interaction terms, so each prediction is the intercept plus one contribution per feature,
which we sum per area of concern (``risk.areas``): the explanation is the model, not an
approximation of it. Seeded,
deterministic, and fast enough for the test suite.
"""

from __future__ import annotations

import hashlib
import pickle
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import numpy as np

from joinedup.risk import MODEL_VERSION
from joinedup.risk.features import (
    FEATURE_NAMES,
    ChildHistory,
    features_at,
    first_outcome_after,
    in_population,
)

HORIZONS = (6, 12)  # months
TRIAGE_SHARE = 0.05  # the triage threshold flags about this share of children


@dataclass(slots=True)
class Snapshots:
    person_ids: list[str] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    dates: list[date] = field(default_factory=list)
    rows: list[list[float]] = field(default_factory=list)
    labels: dict[int, list[int]] = field(default_factory=lambda: {h: [] for h in HORIZONS})
    outcome_dates: list[date | None] = field(default_factory=list)
    names: tuple[str, ...] = FEATURE_NAMES  # the features of each row (another model: its own)

    @property
    def x(self) -> np.ndarray:
        return np.asarray(self.rows, dtype=float).reshape(-1, len(self.names))

    def y(self, months: int = 12) -> np.ndarray:
        return np.asarray(self.labels[months], dtype=int)

    def __len__(self) -> int:
        return len(self.person_ids)


def month_offset(day: date, months: int) -> date:
    return day + timedelta(days=round(months * 30.44))


def snapshots(
    histories: Iterable[ChildHistory],
    dates: list[date],
    *,
    groups: dict[str, str] | None = None,
    features: Callable[[ChildHistory, date], list[float]] = features_at,
    population: Callable[[ChildHistory, date], bool] = in_population,
    names: tuple[str, ...] = FEATURE_NAMES,
) -> Snapshots:
    """One row per child in the population at each date, with outcome labels per horizon,
    in person order: the negatives sampled for training follow row order, and the store
    returns children in no set order, so the same store trained twice gave two models."""
    out = Snapshots(names=names)
    groups = groups or {}
    for history in sorted(histories, key=lambda h: h.person_id):
        for on in dates:
            if not population(history, on):
                continue
            out.person_ids.append(history.person_id)
            out.groups.append(groups.get(history.person_id, history.person_id))
            out.dates.append(on)
            out.rows.append(features(history, on))
            first = first_outcome_after(history, on)
            out.outcome_dates.append(first[0] if first else None)
            for months in HORIZONS:
                out.labels[months].append(
                    int(first is not None and first[0] <= month_offset(on, months))
                )
    return out


def _ebm(seed: int, names: tuple[str, ...] = FEATURE_NAMES) -> Any:
    from interpret.glassbox import ExplainableBoostingClassifier

    # why these settings: no interaction terms keeps every contribution per area; two
    # outer bags and 16 bins are enough for counts and day gaps and keep training in seconds
    # (measured: more bags or bins did not raise family-grouped cross-validated AUC).
    return ExplainableBoostingClassifier(
        feature_names=list(names),
        interactions=0,
        outer_bags=2,
        inner_bags=0,
        max_bins=16,
        learning_rate=0.05,
        max_rounds=500,
        smoothing_rounds=50,
        early_stopping_rounds=50,
        min_samples_leaf=20,
        random_state=seed,
        n_jobs=1,
    )


class AdditiveTables:
    """A fitted EBM without interaction terms read as what it is: per feature, bin edges and
    one score per bin. Scoring a few rows through ``interpret`` costs 5-20 ms per call in
    input checks; these lookups give the same numbers (checked against ``eval_terms`` and
    ``predict_proba`` in the tests) in microseconds, which re-scoring one child needs."""

    def __init__(self, ebm: Any) -> None:
        self.edges = [np.asarray(ebm.bins_[f][0], dtype=float) for (f,) in ebm.term_features_]
        self.scores = [np.asarray(s, dtype=float) for s in ebm.term_scores_]
        self.intercept = float(np.ravel(ebm.intercept_)[0])

    @staticmethod
    def of(ebm: Any) -> AdditiveTables | None:
        """The tables of ``ebm``, or None if it is not a logit EBM of continuous mains."""
        mains = all(len(t) == 1 for t in ebm.term_features_)
        continuous = all(t == "continuous" for t in ebm.feature_types_in_)
        arrays = all(len(b) == 1 and isinstance(b[0], np.ndarray) for b in ebm.bins_)
        if getattr(ebm, "link_", None) != "logit" or not (mains and continuous and arrays):
            return None
        return AdditiveTables(ebm)

    def terms(self, x: np.ndarray) -> np.ndarray:
        """Per-term log-odds contributions (rows x terms), as ``ebm.eval_terms``: a value on
        an edge falls in the bin above it; bin 0 is kept for missing values."""
        out = np.empty((len(x), len(self.scores)))
        for j, (edges, scores) in enumerate(zip(self.edges, self.scores, strict=True)):
            out[:, j] = scores[np.searchsorted(edges, x[:, j], side="right") + 1]
        return out

    def proba(self, x: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(self.intercept + self.terms(x).sum(axis=1))))


@dataclass
class RiskModel:
    version: str
    trained_through: date  # latest date whose outcomes the training labels saw
    training_dates: list[date]
    seed: int
    models: dict[int, Any]  # months -> fitted EBM
    threshold: float  # 12-month probability at or above which a child is flagged
    training: dict[str, Any] = field(default_factory=dict)

    def _tables(self, months: int) -> AdditiveTables | None:
        tables: dict[int, AdditiveTables | None] | None = self.__dict__.get("_lookup")
        if tables is None:  # built once per loaded model (not pickled: see __getstate__)
            tables = {m: AdditiveTables.of(model) for m, model in self.models.items()}
            self.__dict__["_lookup"] = tables
        return tables[months]

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_lookup"}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)

    def predict(self, x: np.ndarray) -> dict[int, np.ndarray]:
        if len(x) == 0:
            return {m: np.zeros(0) for m in self.models}
        out = {}
        for m, model in self.models.items():
            tables = self._tables(m)
            out[m] = model.predict_proba(x)[:, 1] if tables is None else tables.proba(x)
        return out

    def contributions(self, x: np.ndarray, months: int = 12) -> np.ndarray:
        """Per-feature log-odds contributions (rows x FEATURE_NAMES) of the ``months`` model."""
        tables = self._tables(months)
        if tables is None:
            return np.asarray(self.models[months].eval_terms(x))
        return tables.terms(np.asarray(x, dtype=float))

    def intercept(self, months: int = 12) -> float:
        return float(np.ravel(self.models[months].intercept_)[0])

    def to_bytes(self) -> bytes:
        return pickle.dumps(self, protocol=pickle.HIGHEST_PROTOCOL)

    @staticmethod
    def from_bytes(blob: bytes, sha256: str) -> RiskModel:
        # why: pickle is only ever read back from our own store, and checked against the
        # digest recorded when it was written, so a changed artefact is refused.
        if hashlib.sha256(blob).hexdigest() != sha256:
            raise ValueError("the stored risk model does not match its digest")
        model = pickle.loads(blob)  # noqa: S301
        if not isinstance(model, RiskModel):
            raise ValueError("the stored artefact is not a risk model")
        return model


CONTRIBUTION_KEYS: tuple[str, ...] = tuple(dict.fromkeys(n.split(".", 1)[0] for n in FEATURE_NAMES))
_FEATURE_TO_KEY = np.zeros((len(FEATURE_NAMES), len(CONTRIBUTION_KEYS)))
for _i, _name in enumerate(FEATURE_NAMES):
    _FEATURE_TO_KEY[_i, CONTRIBUTION_KEYS.index(_name.split(".", 1)[0])] = 1.0


def factor_contribution_matrix(contrib: np.ndarray) -> np.ndarray:
    """``factor_contributions`` for every row at once: rows x ``CONTRIBUTION_KEYS``."""
    return np.asarray(contrib, dtype=float).reshape(-1, len(FEATURE_NAMES)) @ _FEATURE_TO_KEY


def factor_contributions(contrib_row: np.ndarray) -> dict[str, float]:
    """Sum a row of per-feature contributions per area (``area.ever``, ``area.count_12m``...
    are one area; ``toxic_trio.*`` and ``breadth.*`` likewise); the others keep their names."""
    out: dict[str, float] = {}
    for name, value in zip(FEATURE_NAMES, contrib_row, strict=True):
        key = name.split(".", 1)[0]
        out[key] = out.get(key, 0.0) + float(value)
    return out


MAX_TRAINING_ROWS = 60_000


def sample_negatives(y: np.ndarray, seed: int, max_rows: int) -> tuple[np.ndarray, np.ndarray]:
    """Every positive snapshot and a seeded sample of the negatives, weighted by the inverse
    of the sampling rate so probabilities stay calibrated (case-control sampling)."""
    positives = y == 1
    rate = min(1.0, max(0.05, (max_rows - positives.sum()) / max(1, (~positives).sum())))
    keep = positives | (np.random.default_rng(seed).random(len(y)) < rate)
    weights = np.where(positives[keep], 1.0, 1.0 / rate)
    return keep, weights


def train(
    data: Snapshots,
    *,
    trained_through: date,
    seed: int = 7,
    max_rows: int = MAX_TRAINING_ROWS,
    progress: Callable[[str, int, int], None] | None = None,
) -> RiskModel:
    """Fit one EBM per horizon on ``data`` (seeded); the triage threshold is the 12-month
    probability that flags ``TRIAGE_SHARE`` of the training snapshots."""
    if len(data) == 0 or data.y(12).sum() == 0:
        raise ValueError("no outcomes to learn from in the training period")
    for months in HORIZONS:
        # a horizon with no outcome (or nothing but) trains a one-class model, whose
        # probabilities have one column: refused here, not failed on when scoring
        if len(set(data.y(months).tolist())) < 2:
            raise ValueError(f"too few outcomes within {months} months to learn from")
    x = data.x
    keep, weights = sample_negatives(data.y(12), seed, max_rows)
    models = {}
    for i, months in enumerate(HORIZONS):
        if progress:
            progress("training risk model", i, len(HORIZONS))
        model = _ebm(seed, data.names)
        model.fit(x[keep], data.y(months)[keep], sample_weight=weights)
        models[months] = model
    if progress:
        progress("training risk model", len(HORIZONS), len(HORIZONS))
    p12 = models[12].predict_proba(x)[:, 1]
    threshold = float(np.quantile(p12, 1 - TRIAGE_SHARE))
    return RiskModel(
        version=MODEL_VERSION,
        trained_through=trained_through,
        training_dates=sorted(set(data.dates)),
        seed=seed,
        models=models,
        threshold=threshold,
        training={
            "snapshots": len(data),
            "children": len(set(data.person_ids)),
            "positives_6m": int(data.y(6).sum()),
            "positives_12m": int(data.y(12).sum()),
            "families": len(set(data.groups)),
        },
    )


def training_dates(as_of: date, *, data_start: date, step_months: int = 2) -> list[date]:
    """Snapshot dates whose 12-month outcome window has elapsed by ``as_of`` and which have at
    least a year of history before them (so features are not cut short)."""
    last = month_offset(as_of, -12)
    first = month_offset(data_start, 12)
    out = []
    day = last
    while day >= first:
        out.append(day)
        day = month_offset(day, -step_months)
    return sorted(out)


def family_folds(groups: list[str], k: int = 5) -> np.ndarray:
    """A fold number per row, the same for every row of one family (a stable hash)."""
    return np.asarray(
        [int(hashlib.sha256(g.encode()).hexdigest()[:8], 16) % k for g in groups], dtype=int
    )

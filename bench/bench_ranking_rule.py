"""The AUC rule of issue 22, checked on a trained store: the triage list's ranking is never
below the count of factors by more than 0.005 on the partnership's held-out year.

Usage: python bench/bench_ranking_rule.py --database sqlite:////tmp/p3k/joinedup.db
       [--truth /tmp/p3k/partnership/truth] [--step-months 6]
The store must hold a linked partnership. Reads the choice the training recorded
(``risk_model.training["ranking"]``; without a trained model, makes it as the training does,
snapshot step ``--step-months``, 6 as the demo, by default), then re-runs the
same held-out year (family-grouped 3-fold cross-fitting, the training's seed and snapshot step)
labelled twice: by the outcomes recorded in the store (what the training's choice saw: the
figures should equal the recorded ones) and, with ``--truth``, by the generator's truth. For
each it gives the model's AUC (after the deprivation-band recalibration the stored model
carries, cross-fitted, as the choice weighs it; and before it), the count's AUC, and the AUC
of the ranking the list uses (the model's score; or the count with the model's score
ordering equal counts). Prints JSON.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.metrics import roc_auc_score

from joinedup.risk import band_calibration, evaluation, ranking
from joinedup.risk.dataset import family_groups, load_histories
from joinedup.risk.features import DEPRIVATION_DECILE
from joinedup.risk.scoring import active_model, born_after, data_as_of, data_start
from joinedup.services.risk import _ranking, _truth_outcomes
from joinedup.store import make_engine, upgrade


def _auc(y: np.ndarray, score: np.ndarray) -> float | None:
    return round(float(roc_auc_score(y, score)), 4) if 0 < y.sum() < len(y) else None


def list_order_score(by: str, p12: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """One number per child that sorts as the list does (``ranking.order_key``): the
    model's chance, or the count with the chance ordering equal counts (chance < 1)."""
    if by == ranking.COUNT:
        return np.asarray(counts, dtype=float) + np.asarray(p12, dtype=float) * 0.999
    return np.asarray(p12, dtype=float)


def check(held: evaluation.HeldOut, by: str) -> dict[str, Any]:
    y = held.data.y(12)
    deciles = held.data.x[:, DEPRIVATION_DECILE]
    calibrated = band_calibration.cross_fitted(y, held.p12, deciles, held.fold)
    count_auc = _auc(y, held.baseline)
    model_auc = _auc(y, calibrated)
    list_auc = _auc(y, list_order_score(by, calibrated, held.baseline))
    out = {
        "children": int(len(y)),
        "outcomes": int(y.sum()),
        "model_auc_before_band_calibration": _auc(y, held.p12),
        "model_auc": model_auc,
        "count_auc": count_auc,
        "count_then_model_auc": _auc(y, list_order_score(ranking.COUNT, calibrated, held.baseline)),
        # the choice as made since the fix (the model as listed, band-calibrated)
        "would_choose": ranking.choose(model_auc, count_auc)["by"],
        "list_ranks_by": by,
        "list_auc": list_auc,
    }
    out["rule_holds"] = (
        None
        if list_auc is None or count_auc is None
        else bool(list_auc >= count_auc - ranking.MARGIN)
    )
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--step-months", type=int, help="default: the training's own step")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--by", choices=(ranking.MODEL, ranking.COUNT), help="without a model")
    parser.add_argument(
        "--skip-store-labels", action="store_true", help="only the truth's labels (half the work)"
    )
    args = parser.parse_args()
    engine = make_engine(args.database)
    upgrade(engine)
    started = time.perf_counter()
    with engine.connect() as connection:
        found = active_model(connection)
        on, start = data_as_of(connection), data_start(connection)
        histories = load_histories(connection, born_after=born_after(on))
        groups = family_groups(connection, histories)
        truth = _truth_outcomes(connection, args.truth) if args.truth else None
    out: dict[str, Any] = {
        "load_average_before": [round(v, 2) for v in os.getloadavg()],
        "as_of": on.isoformat(),
    }
    if found is not None:
        dates = sorted(found[1].training_dates)
        step = args.step_months or (
            round((dates[-1] - dates[-2]).days / 30.4) if len(dates) > 1 else 2
        )
        recorded = ranking.ranked_by(found[1])
        out["recorded"] = {k: v for k, v in recorded.items() if k != "reason"}
        out["recorded_reason"] = recorded.get("reason")
    elif args.skip_store_labels and not args.by:
        raise SystemExit("no risk model in the store: give --by, or let the store's labels choose")
    else:  # no model trained: the training's own choice, from the same held-out year
        step = args.step_months or 6  # the demo's step
    out["step_months"] = step
    kwargs = {"as_of": on, "data_start": start, "seed": args.seed, "step_months": step}
    by = out["recorded"]["by"] if found is not None else args.by
    if not args.skip_store_labels:
        held = evaluation.cross_fit(list(histories.values()), groups, **kwargs)
        if by is None:
            chosen = _ranking(held)  # what `joinedup risk train` records
            out["chosen"] = {k: v for k, v in chosen.items() if k != "reason"}
            out["chosen_reason"], by = chosen["reason"], chosen["by"]
        out["held_out_year"] = held.on.isoformat()
        out["store_labels"] = check(held, str(by))
    if truth is not None:
        for h in histories.values():
            h.outcomes = truth.get(h.person_id, [])
        held = evaluation.cross_fit(list(histories.values()), groups, **kwargs)
        out["held_out_year"] = held.on.isoformat()
        out["truth_labels"] = check(held, str(by))
    out["seconds"] = round(time.perf_counter() - started, 1)
    out["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()

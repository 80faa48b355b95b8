"""Risk benchmark: train, score every child, re-score one child, validate and audit.

Usage: python bench/bench_risk.py --database sqlite:////tmp/risk20k/joinedup.db
       [--truth /tmp/risk20k/partnership/truth] [--skip-validation]
Prints one JSON object. The store must hold a linked partnership (``joinedup demo``).
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from joinedup.services import risk as risk_services
from joinedup.store import make_engine, upgrade


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--skip-validation", action="store_true")
    args = parser.parse_args()
    engine = make_engine(args.database)
    upgrade(engine)
    out: dict = {}
    started = time.perf_counter()
    trained = risk_services.train_risk_model(engine, seed=7)
    out["train_seconds"] = round(time.perf_counter() - started, 1)
    out["training"] = {
        k: trained[k] for k in ("snapshots", "children", "positives_12m", "threshold")
    }
    started = time.perf_counter()
    scored = risk_services.score_children(engine)
    out["score_all_seconds"] = round(time.perf_counter() - started, 1)
    out["children_scored"] = scored["children_scored"]
    top = [c["person_id"] for c in risk_services.triage_list(engine, limit=20)["children"]]
    risk_services.rescore_children(engine, top[:1])  # warm the model cache
    times = []
    for pid in top:
        started = time.perf_counter()
        risk_services.rescore_children(engine, [pid])
        times.append((time.perf_counter() - started) * 1000)
    out["rescore_one_child_ms_median"] = round(statistics.median(times), 1)
    out["rescore_one_child_ms_max"] = round(max(times), 1)
    started = time.perf_counter()
    risk_services.triage_list(engine, limit=100)
    out["triage_list_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if not args.skip_validation:
        started = time.perf_counter()
        v = risk_services.validate_risk(engine, truth=args.truth, out=args.report)
        out["validation_seconds"] = round(time.perf_counter() - started, 1)
        out["validation"] = {
            k: v[k]
            for k in ("auc", "average_precision", "calibration_error", "baseline_auc",
                      "lead_time_months_median", "labels")
        }  # fmt: skip
        m = v["metrics_12m"]
        out["validation"].update(
            outcomes=m["outcomes"], children=m["children"], top_1=m["top_1_percent"],
            top_5=m["top_5_percent"], auc_6m=v["metrics_6m"]["auc"],
            lead={k: val for k, val in v["lead_time"].items() if k != "lead_times"},
        )  # fmt: skip
        f = risk_services.fairness_audit(engine, truth=args.truth)
        out["fairness"] = {"recording_bias": f["recording_bias"], "findings": f["findings"]}
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()

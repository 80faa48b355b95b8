"""Risk benchmark: train, score every child, re-score one child, validate and audit.

Usage: python bench/bench_risk.py --database sqlite:////tmp/risk20k/joinedup.db
       [--truth /tmp/risk20k/partnership/truth] [--skip-train] [--skip-validation]
Prints one JSON object: wall seconds and this process's CPU seconds per step (the machine is
shared: CPU time is the figure other helpers' load changes least), and the load average.
The store must hold a linked partnership (``joinedup demo``); ``--skip-train`` scores with
the active model already stored.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from joinedup.risk import triage as stored
from joinedup.services import risk as risk_services
from joinedup.store import make_engine, upgrade


def _timed(out: dict, name: str, step: Callable[[], Any]) -> Any:
    started, cpu = time.perf_counter(), time.process_time()
    result = step()
    out[f"{name}_seconds"] = round(time.perf_counter() - started, 1)
    out[f"{name}_cpu_seconds"] = round(time.process_time() - cpu, 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database", required=True)
    parser.add_argument("--truth", type=Path)
    parser.add_argument("--report", type=Path)
    parser.add_argument("--skip-train", action="store_true")
    parser.add_argument("--skip-validation", action="store_true")
    args = parser.parse_args()
    engine = make_engine(args.database)
    upgrade(engine)
    out: dict = {"load_average_before": [round(v, 2) for v in os.getloadavg()]}
    if not args.skip_train:
        trained = _timed(out, "train", lambda: risk_services.train_risk_model(engine, seed=7))
        out["training"] = {
            k: trained[k] for k in ("snapshots", "children", "positives_12m", "threshold")
        }
    scored = _timed(out, "score_all", lambda: risk_services.score_children(engine))
    out["children_scored"] = scored["children_scored"]
    top = [c["person_id"] for c in stored.triage_list(engine, limit=21)["children"]]
    risk_services.rescore_children(engine, top[:1])  # warm the model cache
    times, cpu = [], []
    for pid in top[1:]:
        started, c = time.perf_counter(), time.process_time()
        risk_services.rescore_children(engine, [pid])
        times.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    out["rescore_one_child_ms_median"] = round(statistics.median(times), 1)
    out["rescore_one_child_ms_max"] = round(max(times), 1)
    out["rescore_one_child_cpu_ms_median"] = round(statistics.median(cpu), 1)
    started = time.perf_counter()
    stored.triage_list(engine, limit=100)
    out["triage_list_ms"] = round((time.perf_counter() - started) * 1000, 1)
    if not args.skip_validation:
        v = _timed(
            out,
            "validation",
            lambda: risk_services.validate_risk(engine, truth=args.truth, out=args.report),
        )
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
    out["load_average_after"] = [round(v, 2) for v in os.getloadavg()]
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()

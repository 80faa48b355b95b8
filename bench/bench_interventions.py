"""Benchmark: evaluate every synthetic intervention type on a large partnership.

Builds (once, cached in --workdir) a partnership with interventions, ingests, links and
imports it into SQLite, then times ``services.interventions.evaluate`` per type and prints one
JSON object: seconds per evaluation, counts, and the estimate beside the truth.

    python bench/bench_interventions.py --children 100000 --workdir /tmp/ivbench
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import time
from pathlib import Path

from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.services import interventions as svc
from joinedup.store import make_engine, upgrade
from joinedup.synth import SynthOptions, generate_partnership


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ivbench"))
    parser.add_argument("--bootstrap", type=int, default=200)
    args = parser.parse_args()
    out, db = args.workdir / "partnership", args.workdir / "store.db"
    stages: dict[str, float] = {}
    if not out.exists():
        t = time.perf_counter()
        generate_partnership(
            out, children=args.children, seed=args.seed, options=SynthOptions(interventions=True)
        )
        stages["synth"] = round(time.perf_counter() - t, 1)
    fresh = not db.exists()  # before make_engine, which creates the file
    engine = make_engine(f"sqlite:///{db}")
    if fresh:
        upgrade(engine)
        t = time.perf_counter()
        for delivery in deliveries_in(out):
            ingest(engine, delivery)
        stages["ingest"] = round(time.perf_counter() - t, 1)
        t = time.perf_counter()
        link(engine)
        stages["link"] = round(time.perf_counter() - t, 1)
        svc.import_interventions(engine, out / "interventions")
    with (out / "truth" / "intervention_types.csv").open() as fh:
        truth = {r["type"]: float(r["true_effect"]) for r in csv.DictReader(fh)}
    results = {}
    for code, effect in truth.items():
        t = time.perf_counter()
        r = svc.evaluate(engine, code, bootstrap=args.bootstrap)
        main = r["outcomes"]["statutory"]
        lo, hi = main["relative_change_ci"]
        results[code] = {
            "seconds": round(time.perf_counter() - t, 1),
            "treated": r["treated"],
            "comparison": r["comparison"],
            "true_effect": effect,
            "estimate": main["relative_change"],
            "ci": main["relative_change_ci"],
            "covers_truth": main["relative_change_ci"][0]
            <= effect
            <= main["relative_change_ci"][1],
            "naive_vs_everyone": main["naive_relative_vs_everyone"],
            "naive_before_after": main.get("naive_before_after_relative"),
            "max_abs_smd_after": r["max_abs_smd_after"],
            "e_value": main["e_value"],
        }
    print(
        json.dumps(
            {
                "children": args.children,
                "bootstrap": args.bootstrap,
                "stages": stages,
                "evaluations": results,
                "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
            }
        )
    )


if __name__ == "__main__":
    main()

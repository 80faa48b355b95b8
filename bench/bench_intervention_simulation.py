"""Simulation study: is the intervention evaluation unbiased, and are its intervals honest?

Generates ``--partnerships`` small synthetic partnerships (each with interventions of every
type and the generator's true effects), and for each one ingests, links and imports it into a
fresh SQLite store and evaluates every type (``services.interventions.evaluate``: the doubly
robust estimate of the primary outcome, any statutory outcome within 12 months). Prints one
JSON object: per type the number of partnerships evaluated, the mean number treated, the mean
error and root mean square error of the relative change against the truth, the coverage of
the 95% interval, and the largest standardised mean difference after weighting (the largest
over partnerships and the mean). Each partnership's figures are appended to
``--workdir/runs.jsonl`` as they come, so an interrupted run keeps what it measured and a
rerun skips the seeds already there.

    python bench/bench_intervention_simulation.py --partnerships 20 --children 2500 \\
        --workdir /tmp/ivsim
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import shutil
import time
from pathlib import Path
from typing import Any

from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.services import interventions as svc
from joinedup.store import make_engine, upgrade
from joinedup.synth import SynthOptions, generate_partnership


def one_partnership(seed: int, children: int, workdir: Path, bootstrap: int) -> dict[str, Any]:
    """Every type's estimate on one generated partnership, beside the truth."""
    folder = workdir / f"seed-{seed}"
    shutil.rmtree(folder, ignore_errors=True)
    out, started = folder / "partnership", time.perf_counter()
    generate_partnership(
        out, children=children, seed=seed, options=SynthOptions(interventions=True)
    )
    engine = make_engine(f"sqlite:///{folder / 'store.db'}")
    upgrade(engine)
    for delivery in deliveries_in(out):
        ingest(engine, delivery)
    link(engine)
    svc.import_interventions(engine, out / "interventions")
    with (out / "truth" / "intervention_types.csv").open() as fh:
        truth = {r["type"]: float(r["true_effect"]) for r in csv.DictReader(fh)}
    types: dict[str, Any] = {}
    for code, effect in truth.items():
        r = svc.evaluate(engine, code, bootstrap=bootstrap, seed=seed)
        if r.get("too_thin"):
            types[code] = {"true_effect": effect, "treated": r["treated"], "too_thin": True}
            continue
        main = r["outcomes"]["statutory"]
        types[code] = {
            "true_effect": effect,
            "treated": r["treated"],
            "treated_events": round((main["treated_with"] or 0) * r["treated"]),
            "estimate": main["relative_change"],
            "ci": main["relative_change_ci"],
            "weighting_only": main["relative_change_weighting"],
            "max_abs_smd_after": r["max_abs_smd_after"],
            "balance_exact": r["balance_exact"],
            "trimmed": r["trimmed"],
        }
    engine.dispose()
    shutil.rmtree(folder, ignore_errors=True)
    return {"seed": seed, "seconds": round(time.perf_counter() - started, 1), "types": types}


def summary(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Per type: mean error, RMSE, coverage of the 95% interval, balance after weighting."""
    out: dict[str, Any] = {}
    codes = sorted({code for run in runs for code in run["types"]})
    for code in codes:
        rows = [run["types"][code] for run in runs if code in run["types"]]
        ok = [r for r in rows if not r.get("too_thin") and r.get("estimate") is not None]
        if not ok:
            out[code] = {"evaluated": 0, "too_thin": len(rows)}
            continue
        errors = [r["estimate"] - r["true_effect"] for r in ok]
        weighting = [r["weighting_only"] - r["true_effect"] for r in ok if r["weighting_only"]]
        covered = [
            r["ci"][0] is not None and r["ci"][0] <= r["true_effect"] <= r["ci"][1] for r in ok
        ]
        smds = [r["max_abs_smd_after"] for r in ok]
        out[code] = {
            "true_effect": ok[0]["true_effect"],
            "evaluated": len(ok),
            "too_thin": len(rows) - len(ok),
            "mean_treated": round(sum(r["treated"] for r in ok) / len(ok), 1),
            "mean_estimate": round(sum(r["estimate"] for r in ok) / len(ok), 4),
            "mean_error": round(sum(errors) / len(errors), 4),
            "median_error": round(sorted(errors)[len(errors) // 2], 4),
            "mean_treated_with_outcome": _mean(
                [r["treated_events"] for r in ok if "treated_events" in r]
            ),
            "rmse": round(math.sqrt(sum(e * e for e in errors) / len(errors)), 4),
            "monte_carlo_se_of_mean_error": round(_sd(errors) / math.sqrt(len(errors)), 4),
            "coverage_95": round(sum(covered) / len(covered), 3),
            "largest_smd_after": max(smds),
            "mean_largest_smd_after": round(sum(smds) / len(smds), 4),
            "balance_exact_share": round(sum(bool(r["balance_exact"]) for r in ok) / len(ok), 3),
            "weighting_only_mean_error": round(sum(weighting) / max(len(weighting), 1), 4),
        }
    return out


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 1) if values else None


def _sd(values: list[float]) -> float:
    if len(values) < 2:
        return float("nan")
    mean = sum(values) / len(values)
    return math.sqrt(sum((v - mean) ** 2 for v in values) / (len(values) - 1))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--partnerships", type=int, default=20)
    parser.add_argument("--children", type=int, default=2500)
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--bootstrap", type=int, default=20)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/ivsim"))
    parser.add_argument(
        "--summarise-only", action="store_true", help="only summarise runs.jsonl as it stands"
    )
    args = parser.parse_args()
    args.workdir.mkdir(parents=True, exist_ok=True)
    log = args.workdir / "runs.jsonl"
    runs = [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []
    runs = [r for r in runs if r.get("children") == args.children]
    done = {r["seed"] for r in runs}
    for seed in range(args.first_seed, args.first_seed + args.partnerships):
        if seed in done or args.summarise_only:
            continue
        run = one_partnership(seed, args.children, args.workdir, args.bootstrap)
        run["children"] = args.children
        runs.append(run)
        with log.open("a") as fh:
            fh.write(json.dumps(run) + "\n")
    print(
        json.dumps(
            {
                "children": args.children,
                "partnerships": len(runs),
                "first_seed": args.first_seed,
                "seconds_per_partnership": round(sum(r["seconds"] for r in runs) / len(runs), 1),
                "types": summary(runs),
            }
        )
    )


if __name__ == "__main__":
    main()

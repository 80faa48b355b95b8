"""Benchmark: linkage accuracy on the extended error model (issue 20), adults and children apart.

    python bench/bench_linkage_errors.py --children 3000 --seed 2001 --error-model extended
    python bench/bench_linkage_errors.py --children 3000 --seed 2001 --error-model default

Generates a partnership in a temporary folder, ingests every delivery into a new SQLite
store, links (``joinedup link``: the current model, trained on this data) and scores it
against truth/ (``joinedup evaluate-linkage``). Prints one JSON object: the options, seconds
per stage, records, pairwise and person precision / recall / F1, the same for children and
adults apart (with people exactly resolved), and the missed pairs (splits) by agency pair
and, on the extended model, by error kind.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from joinedup import services
from joinedup.store import make_engine, upgrade
from joinedup.synth import SynthOptions, generate_partnership


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--children", type=int, default=3000)
    parser.add_argument("--seed", type=int, default=2001)
    parser.add_argument("--error-model", default="extended", choices=("default", "extended"))
    parser.add_argument("--top", type=int, default=12, help="agency pairs to print")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-linkage-errors-"))
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    generate_partnership(
        work / "p",
        children=args.children,
        seed=args.seed,
        options=SynthOptions(error_model=args.error_model),
    )
    seconds["synth"] = round(time.perf_counter() - started, 2)
    engine = make_engine(f"sqlite:///{work / 'store.db'}")
    upgrade(engine)
    started = time.perf_counter()
    for delivery in services.deliveries_in(work / "p"):
        services.ingest(engine, delivery)
    seconds["ingest"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    linked = services.link_people(engine)
    seconds["link"] = round(time.perf_counter() - started, 2)
    report = services.evaluate_linkage(engine, work / "p" / "truth")
    missed = report["missed_pairs"]
    result = {
        "children": args.children,
        "seed": args.seed,
        "error_model": args.error_model,
        "seconds": seconds,
        "records": report["records"],
        "persons": linked["persons"],
        "pairwise": report["pairwise"],
        "person": report["person"],
        "by_role": report["by_role"],
        "missed_pairs": {
            "total": missed["total"],
            "adults": missed["adults"],
            "children": missed["children"],
            "by_agency_pair": missed["by_agency_pair"][: args.top],
            "by_error_kind": missed["by_error_kind"],
        },
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

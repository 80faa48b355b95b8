"""Benchmark the synthetic partnership generator; prints one JSON object.

Usage: python bench/bench_synth.py [--children 100000] [--seed 1] [--out DIR]
Prints: seconds, children, people, households, rows, rows_per_second, peak_rss_mb.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import tempfile
from pathlib import Path

from joinedup.synth import generate_partnership


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--children", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_synth_"))
    out = args.out or tmp / "partnership"
    try:
        s = generate_partnership(out, children=args.children, seed=args.seed)
        rows = sum(s.files.values())
        print(
            json.dumps(
                {
                    "seconds": round(s.seconds, 1),
                    "children": s.children,
                    "people": s.people,
                    "households": s.households,
                    "rows": rows,
                    "rows_per_second": round(rows / s.seconds),
                    "peak_rss_mb": round(
                        resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
                    ),
                }
            )
        )
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()

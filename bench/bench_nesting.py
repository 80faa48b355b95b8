"""Benchmark: reading a hostile YAML document nested 3,000 levels deep, in a process that
raised its recursion limit (so the parser does not give up on its own).

    python bench/bench_nesting.py [--levels 3000] [--repeat 3]

``yaml.safe_load`` (as the agreements, retention rules and partners file were read) takes
time quadratic in the depth; ``domain.nesting.yaml_document`` stops at the 65th level.
Prints JSON: the median seconds of each, and what each said. CPU time, on a shared machine:
the load average is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time

import yaml

from joinedup.domain.nesting import NestedTooDeep, yaml_document


def _timed(read, text: str) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    started = time.process_time()
    try:
        read(text)
        said = "read"
    except NestedTooDeep as error:
        said = str(error)
    return time.process_time() - started, said


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--levels", type=int, default=3_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.setrecursionlimit(max(sys.getrecursionlimit(), args.levels * 20))
    text = "rules: " + "[" * args.levels + "]" * args.levels + "\n"
    figures = {}
    for name, read in (("yaml.safe_load", yaml.safe_load), ("yaml_document", yaml_document)):
        runs = [_timed(read, text) for _ in range(args.repeat)]
        figures[name] = {
            "cpu_seconds_median": round(statistics.median(r[0] for r in runs), 3),
            "said": runs[0][1],
        }
    print(json.dumps({"levels": args.levels, "load_average": os.getloadavg(), **figures}, indent=2))


if __name__ == "__main__":
    main()

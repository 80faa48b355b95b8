"""Benchmark: batch-link an ingested partnership, measure accuracy and incremental latency.

    python bench/bench_linkage.py --database /tmp/l20k.db --truth /tmp/l20k/truth
    python bench/bench_linkage.py --database /tmp/l100k.db --truth /tmp/l100k/truth --copy

The store must already hold the ingested partnership (``joinedup ingest DIR``). With --copy
the SQLite file is copied first so the benchmark leaves it untouched. Prints one JSON object:
seconds per stage and in total, peak RSS (MB), records, scored pairs, pairwise and person
precision / recall / F1, the exact-match baselines (NHS number alone; name + date of birth)
and incremental linking latency (p50 / p95 ms over records re-linked one at a time).
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import resource
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from joinedup.linkage.batch import link
from joinedup.linkage.incremental import link_record
from joinedup.services import evaluate_linkage
from joinedup.store import make_engine, upgrade
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import person_record


def peak_rss_mb() -> float:
    # ru_maxrss is KiB on Linux; children covers nothing here (Splink runs in-process).
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def incremental_latency(engine: Any, samples: int, seed: int) -> dict[str, float]:
    """Unlink random records and link each again at once, inside a rolled-back transaction."""
    times = []
    with engine.connect() as connection:
        transaction = connection.begin()
        ids = connection.execute(
            select(
                person_record.c.id,
                person_record.c.agency_id,
                person_record.c.source_table,
                person_record.c.source_id,
            )
        ).all()
        picked = random.Random(seed).sample(ids, min(samples, len(ids)))
        link_record(connection, picked[0].id)  # warm the model cache
        for row in picked:
            key = f"{row.agency_id}|{row.source_table}|{row.source_id}"
            connection.execute(delete(linkage_record).where(linkage_record.c.record_key == key))
            started = time.perf_counter()
            link_record(connection, row.id)
            times.append((time.perf_counter() - started) * 1000)
        transaction.rollback()
    times.sort()
    return {
        "samples": len(times),
        "p50_ms": round(times[len(times) // 2], 2),
        "p95_ms": round(times[int(len(times) * 0.95)], 2),
        "max_ms": round(times[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", type=Path, required=True, help="ingested SQLite file")
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--copy", action="store_true", help="link a copy of the database")
    parser.add_argument("--backend", default="duckdb")
    parser.add_argument("--incremental-samples", type=int, default=300)
    args = parser.parse_args()
    database = args.database
    if args.copy:
        database = Path(tempfile.mkdtemp()) / database.name
        shutil.copy(args.database, database)
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    started = time.perf_counter()
    report = link(engine, backend=args.backend, retrain=True)
    link_seconds = time.perf_counter() - started
    rss_after_link = peak_rss_mb()
    accuracy = evaluate_linkage(engine, args.truth)
    result = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()},
        "records": report.records,
        "persons": report.persons,
        "scored_pairs": report.comparisons,
        "link_seconds": round(link_seconds, 2),
        "stage_seconds": report.seconds,
        "peak_rss_mb_link": rss_after_link,
        "pairwise": accuracy["pairwise"],
        "person": accuracy["person"],
        "baselines": accuracy["baselines"],
        "review_queue": report.review,
        "incremental": incremental_latency(engine, args.incremental_samples, 1),
    }
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()

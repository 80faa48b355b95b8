"""Benchmark: batch-link an ingested partnership, measure accuracy and incremental latency.

    python bench/bench_linkage.py --database /tmp/l20k.db --truth /tmp/l20k/truth
    python bench/bench_linkage.py --database /tmp/l100k.db --truth /tmp/l100k/truth --copy

The store must already hold the ingested partnership (``joinedup ingest DIR``). With --copy
the SQLite file is copied first so the benchmark leaves it untouched. Prints one JSON object:
seconds per stage and in total, peak RSS (MB), records, scored pairs, pairwise and person
precision / recall / F1, the exact-match baselines (NHS number alone; name + date of birth)
and incremental linking latency (p50 / p95 ms over records re-linked one at a time); the same
for bridge merges (a person split in two, then one of its records re-linked so that it bridges
the halves: issue 20); and the clerical review queue's size, by tier, with its share of the
records and the time to rank it.
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
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import delete, func, insert, select, update

from joinedup.linkage import queue
from joinedup.linkage.batch import link
from joinedup.linkage.incremental import link_record
from joinedup.linkage.persons import new_person_id
from joinedup.linkage.review import list_open
from joinedup.services import evaluate_linkage
from joinedup.store import make_engine, upgrade
from joinedup.store.linkage_tables import LINKED_PERSON_RECORD, linkage_merge, linkage_record
from joinedup.store.tables import person, person_link, person_record


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
    return _percentiles(times)


def _percentiles(times: list[float]) -> dict[str, float]:
    times = sorted(times)
    if not times:
        return {"samples": 0}
    return {
        "samples": len(times),
        "p50_ms": round(times[len(times) // 2], 2),
        "p95_ms": round(times[int(len(times) * 0.95)], 2),
        "max_ms": round(times[-1], 2),
    }


def bridge_latency(engine: Any, samples: int, seed: int) -> dict[str, Any]:
    """Split persons of three or more records (one record moved to a new person), unlink
    another of their records and link it again: where it matches both halves it bridges them
    and they merge. Timed per record, inside a rolled-back transaction."""
    times = []
    with engine.connect() as connection:
        transaction = connection.begin()
        members: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pid, uid, key in connection.execute(
            select(
                linkage_record.c.person_id, person_record.c.id, linkage_record.c.record_key
            ).join(person_record, LINKED_PERSON_RECORD)
        ):
            members[pid].append((uid, key))
        big = sorted(pid for pid, rows in members.items() if len(rows) >= 3)
        picked = random.Random(seed).sample(big, min(samples, len(big)))
        link_record(connection, members[picked[0]][0][0])  # warm the model cache
        before = connection.scalar(select(func.count()).select_from(linkage_merge)) or 0
        for pid in picked:
            (moved_uid, moved_key), (uid, key) = sorted(members[pid])[:2]
            half = new_person_id([f"bench-split|{moved_key}"])  # an id no person has
            connection.execute(insert(person).values(id=half, created_at=datetime.now(UTC)))
            connection.execute(
                update(linkage_record)
                .where(linkage_record.c.record_key == moved_key)
                .values(person_id=half)
            )
            connection.execute(
                update(person_link)
                .where(person_link.c.person_record_id == moved_uid)
                .values(person_id=half)
            )
            connection.execute(delete(linkage_record).where(linkage_record.c.record_key == key))
            started = time.perf_counter()
            link_record(connection, uid)
            times.append((time.perf_counter() - started) * 1000)
        merged = (connection.scalar(select(func.count()).select_from(linkage_merge)) or 0) - before
        transaction.rollback()
    return {**_percentiles(times), "bridged_and_merged": merged}


def review_queue_size(engine: Any) -> dict[str, Any]:
    with engine.connect() as connection:
        started = time.perf_counter()
        list_open(connection, 50)
        ranked_ms = (time.perf_counter() - started) * 1000
        size = queue.size(connection)
    return {**size.to_dict(), "line": size.line(), "first_page_ms": round(ranked_ms, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database", type=Path, required=True, help="ingested SQLite file")
    parser.add_argument("--truth", type=Path, required=True)
    parser.add_argument("--copy", action="store_true", help="link a copy of the database")
    parser.add_argument("--backend", default="duckdb")
    parser.add_argument("--incremental-samples", type=int, default=300)
    parser.add_argument("--bridge-samples", type=int, default=200)
    parser.add_argument("--skip-link", action="store_true", help="the store is linked already")
    args = parser.parse_args()
    database = args.database
    if args.copy:
        database = Path(tempfile.mkdtemp()) / database.name
        shutil.copy(args.database, database)
    engine = make_engine(f"sqlite:///{database}")
    upgrade(engine)
    result: dict[str, Any] = {
        "machine": {"python": platform.python_version(), "cpus": __import__("os").cpu_count()}
    }
    if not args.skip_link:
        started = time.perf_counter()
        report = link(engine, backend=args.backend, retrain=True)
        link_seconds = time.perf_counter() - started
        rss_after_link = peak_rss_mb()
        accuracy = evaluate_linkage(engine, args.truth)
        result |= {
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
        }
    result |= {
        "review_queue_size": review_queue_size(engine),
        "incremental": incremental_latency(engine, args.incremental_samples, 1),
        "incremental_bridging": bridge_latency(engine, args.bridge_samples, 2),
    }
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()

"""Benchmark: ingest a whole synthetic partnership (every agency) into SQLite or PostgreSQL.

    python bench/bench_ingest.py --children 100000 [--database-url URL] [--partnership DIR]
        [--parse-process auto|always|never] [--digests] [--floor]

Prints one JSON object: rows, wall seconds, CPU seconds (user + system, of this process and
of its child processes: a large delivery is parsed in a child process, which the ingest waits
for, so its CPU time is in RUSAGE_CHILDREN; ``cpu_seconds_parse_process`` is that part alone),
rows per second and per CPU-second, peak RSS of
this process and, separately, of the largest parsing process (MB), the load average before and
after (the machine may be shared: compare CPU time), and per-agency figures. The partnership is
generated once into --partnership (reused if there). Without --database-url a fresh SQLite
file in a temporary folder is used; a PostgreSQL URL is used as given (its tables are dropped
and re-created first: point it at a scratch database). --parse-process sets where deliveries
are parsed (``JOINEDUP_INGEST_PARSE_PROCESS``); --digests adds a SHA-256 of every table's
rows (wall-clock columns left out), to compare the stores two runs wrote. --floor (SQLite)
then copies the store just written with ``bench_sqlite_floor`` (its ``as_configured`` and
``from_python`` variants) and prints ``ingest_to_floor``: the ingest's rows per second as a
share of the floor's, measured in the same run on the same machine and load.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import Engine, select, text
from sqlalchemy import types as sa_types

from joinedup.services import deliveries_in, ingest, open_store
from joinedup.store import make_engine
from joinedup.store.database import wait_for_checkpoints
from joinedup.store.tables import metadata

# bench_sqlite_floor's variants that --floor runs: the store's own floor, and what handing the
# same rows to SQLite from Python (executemany) costs with no parsing at all
FLOOR_VARIANTS = ("as_configured", "from_python")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def peak_child_rss_mb() -> float:
    """Peak RSS of the largest child process waited for (the parsing processes)."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# When a row was written, not what: differs between any two runs.
WALL_CLOCK = {"received_at", "created_at", "recorded_at", "published_at"}


def table_digests(engine: Engine) -> dict[str, str]:
    """Per table with rows, a SHA-256 of its rows in primary-key order, wall-clock columns
    left out."""
    digests = {}
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            columns = [
                c
                for c in table.columns
                if not (isinstance(c.type, sa_types.DateTime) and c.name in WALL_CLOCK)
            ]
            query = select(*columns).order_by(*table.primary_key.columns)
            digest, count = hashlib.sha256(), 0
            for row in connection.execute(query):
                digest.update(repr(tuple(row)).encode("utf-8", "surrogatepass"))
                count += 1
            if count:
                digests[table.name] = f"{count} {digest.hexdigest()}"
    return digests


def cpu_seconds() -> float:
    """User + system CPU of this process and of the child processes it has waited for."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    return own.ru_utime + own.ru_stime + child_cpu_seconds()


def child_cpu_seconds() -> float:
    """User + system CPU of the child processes waited for: the parsing processes."""
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return children.ru_utime + children.ru_stime


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--partnership", type=Path, default=None)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--parse-process", choices=("auto", "always", "never"), default=None)
    parser.add_argument("--digests", action="store_true")
    parser.add_argument("--floor", action="store_true", help="SQLite: the floor, in this run")
    args = parser.parse_args()
    if args.parse_process:
        os.environ["JOINEDUP_INGEST_PARSE_PROCESS"] = args.parse_process

    scratch = Path(tempfile.mkdtemp(prefix="bench-ingest-"))
    partnership = args.partnership or scratch / "partnership"
    if not partnership.exists() or not any(partnership.iterdir()):
        from joinedup.synth import generate_partnership

        generate_partnership(partnership, children=args.children, seed=args.seed)
    rss_before = peak_rss_mb()

    url = args.database_url or f"sqlite:///{scratch / 'bench.db'}"
    if args.database_url:
        engine = make_engine(url)
        with engine.begin() as connection:
            metadata.drop_all(connection)
            connection.execute(text("DROP TABLE IF EXISTS alembic_version"))
        engine.dispose()
    engine = open_store(url)

    per_agency = {}
    load_before = load_average()
    started, cpu_started = time.perf_counter(), cpu_seconds()
    child_cpu_started = child_cpu_seconds()
    for folder in deliveries_in(partnership):
        t0, cpu0 = time.perf_counter(), cpu_seconds()
        report = ingest(engine, folder)
        seconds, cpu = time.perf_counter() - t0, cpu_seconds() - cpu0
        rows = report.total("rows")
        per_agency[report.agency] = {
            "rows": rows,
            "accepted": report.total("accepted"),
            "quarantined": report.total("quarantined"),
            "seconds": round(seconds, 2),
            "cpu_seconds": round(cpu, 2),
            "rows_per_second": round(rows / seconds) if seconds else None,
            "rows_per_cpu_second": round(rows / cpu) if cpu else None,
        }
    # the last delivery's WAL checkpoint runs in a background thread: timed too
    wait_for_checkpoints()
    seconds, cpu = time.perf_counter() - started, cpu_seconds() - cpu_started
    parse_cpu = child_cpu_seconds() - child_cpu_started
    load_after = load_average()
    rows = sum(a["rows"] for a in per_agency.values())
    peak_rss, peak_parse_rss = peak_rss_mb(), peak_child_rss_mb()  # before the floor's copies
    floor: dict[str, object] = {}
    if args.floor and engine.dialect.name == "sqlite":
        from bench_sqlite_floor import copy_store

        engine.dispose()
        variants = {v: copy_store(scratch / "bench.db", scratch, v) for v in FLOOR_VARIANTS}
        ingest_rate = rows / seconds
        floor = {
            "floor": variants,
            "ingest_to_floor": {
                v: round(ingest_rate / float(str(f["rows_per_second"])), 3)
                for v, f in variants.items()
            },
        }
    print(
        json.dumps(
            {
                "benchmark": "ingest",
                "database": engine.dialect.name,
                "children": args.children,
                "rows": rows,
                "seconds": round(seconds, 1),
                "cpu_seconds": round(cpu, 1),
                "cpu_seconds_parse_process": round(parse_cpu, 1),
                "rows_per_second": round(rows / seconds),
                "rows_per_cpu_second": round(rows / cpu),
                "load_average_before": load_before,
                "load_average_after": load_after,
                "peak_rss_mb": round(peak_rss),
                "peak_rss_mb_before_ingest": round(rss_before),
                "peak_rss_mb_parse_process": round(peak_parse_rss),
                "parse_process": os.environ.get("JOINEDUP_INGEST_PARSE_PROCESS", "auto"),
                "agencies": per_agency,
                "python": sys.version.split()[0],
                **({"digests": table_digests(engine)} if args.digests else {}),
                **floor,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

"""Benchmark: the fastest SQLite can store what an ingest stores, with no Python per row.

    python bench/bench_sqlite_floor.py --children 20000 [--partnership DIR] [--store FILE]

Ingests the partnership into a fresh SQLite store (or takes ``--store``, a SQLite store an
ingest already wrote), then copies every row the ingest wrote into another fresh store,
table by table in dependency order, with ``INSERT INTO main.t SELECT * FROM src.t`` in one
transaction. No row passes through Python: this is SQLite's own cost of inserting those rows
into the store's schema (its indexes, unique keys and foreign key checks, WAL), on this
machine. Whatever the parsing costs, an ingest into SQLite cannot go faster than this, so it
is the ceiling against which to read ``bench_ingest``'s rows per second.

Prints one JSON object: input rows (accepted + quarantined, as the ingest counts them), the
copy's seconds (insert, commit) and rows per second, per table seconds, and the same copy
again under variants the store does not use, to show what each of its features costs:
``no_secondary_indexes`` (unique keys kept; a store no page could be served from),
``indexes_built_after`` (the same, then every index built at the end, in the transaction:
what a first load into an empty store could do) and ``rollback_journal`` (instead of WAL,
which the web application's concurrent readers need). ``foreign_keys_off`` is left out on
purpose: with foreign keys off SQLite copies a table's pages wholesale (its transfer
optimisation), which an ingest's row-at-a-time inserts never can. ``from_python`` reads
each table's rows into Python (not timed; one table in memory at a time) and inserts them
with ``executemany`` in batches of 2,000, as the ingest's writer does: the fastest any ingest
that hands its rows to SQLite from Python can be (no parsing, no validation), to read the gap
between the ingest and the floor as the part Python per row could still save and the part it
cannot.
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import tempfile
import time
from pathlib import Path

from joinedup.services import deliveries_in, ingest, open_store
from joinedup.store.database import _sqlite_pragmas
from joinedup.store.tables import metadata

# rows per executemany in the from_python variant: the ingest's batch (parse_side.BATCH_ROWS)
PYTHON_BATCH_ROWS = 2000


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def input_rows(connection: sqlite3.Connection, schema: str) -> int:
    """Rows the ingest read: every one is an accepted source record or a quarantined row
    (re-deliveries aside, which this benchmark does not make)."""
    (accepted,) = connection.execute(f"SELECT count(*) FROM {schema}.source_record").fetchone()
    (quarantined,) = connection.execute(f"SELECT count(*) FROM {schema}.quarantined_row").fetchone()
    return int(accepted) + int(quarantined)


def copy_store(source: Path, scratch: Path, variant: str) -> dict[str, object]:
    """A fresh store with the platform's schema and pragmas, filled from ``source`` in one
    transaction; the copy's timings."""
    target = scratch / f"floor-{variant}.db"
    engine = open_store(f"sqlite:///{target}")  # migrations, seeds, as `joinedup` makes it
    engine.dispose()
    connection = sqlite3.connect(target, isolation_level=None)
    _sqlite_pragmas(connection, None)  # what every store connection gets
    if variant == "rollback_journal":
        connection.execute("PRAGMA journal_mode=DELETE")
    connection.execute("ATTACH DATABASE ? AS src", (str(source),))
    indexes: list[str] = []
    if variant in ("no_secondary_indexes", "indexes_built_after"):
        for name, sql in connection.execute(
            "SELECT name, sql FROM main.sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
        ).fetchall():
            connection.execute(f'DROP INDEX main."{name}"')
            indexes.append(sql)
    tables = []
    for table in metadata.sorted_tables:  # parents before children
        (present,) = connection.execute(f"SELECT count(*) FROM main.{table.name}").fetchone()
        (rows,) = connection.execute(f"SELECT count(*) FROM src.{table.name}").fetchone()
        if rows and not present:  # tables the migrations seed are left as they are
            tables.append((table.name, [c.name for c in table.columns]))
    per_table: dict[str, float] = {}
    reading = 0.0  # from_python: reading a table into Python, taken off the clock
    connection.execute("BEGIN IMMEDIATE")
    started = time.perf_counter()
    for name, columns in tables:
        t0 = time.perf_counter()
        listed = ", ".join(columns)
        if variant == "from_python":  # one table in memory at a time
            rows = connection.execute(f"SELECT {listed} FROM src.{name}").fetchall()
            t1 = time.perf_counter()
            reading += t1 - t0
            t0 = t1
            marks = ", ".join("?" for _ in columns)
            sql = f"INSERT INTO main.{name} ({listed}) VALUES ({marks})"
            for start in range(0, len(rows), PYTHON_BATCH_ROWS):
                connection.executemany(sql, rows[start : start + PYTHON_BATCH_ROWS])
            del rows
        else:
            connection.execute(
                f"INSERT INTO main.{name} ({listed}) SELECT {listed} FROM src.{name}"
            )
        per_table[name] = round(time.perf_counter() - t0, 2)
    inserted = time.perf_counter()
    started += reading  # the reads are not timed
    if variant == "indexes_built_after":  # what a first load could do: index once, at the end
        for sql in indexes:
            connection.execute(sql)
    indexed = time.perf_counter()
    connection.execute("COMMIT")
    committed = time.perf_counter()
    rows = input_rows(connection, "main")
    connection.close()
    for suffix in ("", "-wal", "-shm", "-journal"):
        Path(f"{target}{suffix}").unlink(missing_ok=True)
    seconds = committed - started
    return {
        "seconds": round(seconds, 2),
        "insert_seconds": round(inserted - started, 2),
        **(
            {"index_seconds": round(indexed - inserted, 2)}
            if variant == "indexes_built_after"
            else {}
        ),
        "commit_seconds": round(committed - indexed, 2),
        "rows_per_second": round(rows / seconds),
        "tables_seconds": {k: v for k, v in per_table.items() if v >= 0.01},
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--partnership", type=Path, default=None)
    parser.add_argument("--store", type=Path, default=None, help="a store an ingest wrote")
    parser.add_argument(
        "--variants",
        default="as_configured,from_python,no_secondary_indexes,indexes_built_after,rollback_journal",
    )
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-floor-"))
    store = args.store
    if store is None:
        partnership = args.partnership or scratch / "partnership"
        if not partnership.exists() or not any(partnership.iterdir()):
            from joinedup.synth import generate_partnership

            generate_partnership(partnership, children=args.children, seed=args.seed)
        store = scratch / "ingested.db"
        engine = open_store(f"sqlite:///{store}")
        for folder in deliveries_in(partnership):
            ingest(engine, folder)
        engine.dispose()
    with sqlite3.connect(store) as connection:
        rows = input_rows(connection, "main")
    load_before = load_average()
    variants = {v: copy_store(store, scratch, v) for v in args.variants.split(",")}
    print(
        json.dumps(
            {
                "benchmark": "sqlite_floor",
                "children": args.children,
                "rows": rows,
                "sqlite": sqlite3.sqlite_version,
                "load_average_before": load_before,
                "load_average_after": load_average(),
                "variants": variants,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

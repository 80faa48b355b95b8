"""Benchmark: what the ``engine`` test fixture costs per test, before and after
tests/support/databases.py (a template copied / a pooled schema emptied back to the migrated
state, instead of running the migrations for every test).

    python bench/bench_test_stores.py [--repeat 10]
        [--database-url postgresql://postgres@127.0.0.1:5432/test]  # else SQLite only

Run from the repository root (it imports ``tests.support``). For each backend, ``repeat``
times: a store made as the fixture used to (SQLite: a new file migrated; PostgreSQL: CREATE
SCHEMA, migrate, and DROP SCHEMA after a few rows are written) and as it does now (SQLite: the
template copied; PostgreSQL: a schema of the pool lent, a few rows written, put back). Prints
JSON: median and total wall seconds per store, each way, and the load average before and
after (the machine is shared: a figure from a busy machine says so).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from joinedup.store import make_engine, upgrade  # noqa: E402
from joinedup.store.tables import metadata  # noqa: E402
from tests.conftest import (  # noqa: E402
    create_postgres_schema,
    drop_postgres_schema,
    postgres_schema_url,
)
from tests.support.databases import MigratedStores  # noqa: E402


def write_some(url: str) -> None:
    """A test's worth of writing: a few rows."""
    engine = make_engine(url)
    with engine.begin() as connection:
        for number in range(3):
            connection.execute(
                insert(metadata.tables["person"]).values(
                    id=f"P{number}", created_at=datetime(2026, 12, 1, tzinfo=UTC)
                )
            )
    engine.dispose()


def timed(repeat: int, one: Callable[[int], None]) -> dict[str, float]:
    seconds = []
    for number in range(repeat):
        start = time.perf_counter()
        one(number)
        seconds.append(time.perf_counter() - start)
    return {
        "median_s": round(statistics.median(seconds), 3),
        "total_s": round(sum(seconds), 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--database-url", default=os.environ.get("JOINEDUP_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if args.database_url:
        os.environ["JOINEDUP_TEST_DATABASE_URL"] = args.database_url
        import tests.conftest

        tests.conftest.POSTGRES_URL = args.database_url
    load_before = os.getloadavg()[0]
    result: dict[str, object] = {"repeat": args.repeat}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        stores = MigratedStores(folder, args.database_url or "")

        def sqlite_migrated(number: int) -> None:
            url = f"sqlite:///{folder / f'migrated-{number}.db'}"
            engine = make_engine(url)
            upgrade(engine)
            engine.dispose()
            write_some(url)

        def sqlite_copied(number: int) -> None:
            write_some(stores.sqlite(folder / f"copied-{number}.db"))

        stores.sqlite(folder / "warm.db")  # the template, made once per process
        result["sqlite"] = {
            "migrated_per_test": timed(args.repeat, sqlite_migrated),
            "copied_from_template": timed(args.repeat, sqlite_copied),
        }
        if args.database_url:

            def postgres_migrated(_: int) -> None:
                schema = f"t_{uuid.uuid4().hex[:12]}"
                create_postgres_schema(schema)
                url = postgres_schema_url(schema)
                engine = make_engine(url)
                upgrade(engine)
                engine.dispose()
                write_some(url)
                drop_postgres_schema(schema)

            def postgres_pooled(_: int) -> None:
                url = stores.postgresql()
                write_some(url)
                stores.release(url)

            stores.release(stores.postgresql())  # the pool's first schema, once per process
            result["postgresql"] = {
                "migrated_per_test": timed(args.repeat, postgres_migrated),
                "pooled_and_put_back": timed(args.repeat, postgres_pooled),
            }
        stores.close()
    result["load_average"] = {"before": round(load_before, 2), "after": os.getloadavg()[0]}
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

"""Audit log throughput: appends per second (one entry per transaction, and batched), the
cost of sealing (a signed head, witnessed, after each unit of work that appended: what every
command and web request now pays), the cost of a checkpoint, verification speed and proof
generation time. Prints JSON.

    python bench/bench_audit.py                       # SQLite in a temporary folder
    python bench/bench_audit.py --postgres postgresql://postgres@127.0.0.1:5432/test
    (or set JOINEDUP_BENCH_DATABASE_URL; a throwaway schema is created and dropped)
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from joinedup.governance.audit import append, checkpoint, verify_log
from joinedup.governance.audit.heads import heads, trusted_keys
from joinedup.governance.audit.proofs import consistency, inclusion
from joinedup.governance.audit.seal import seal
from joinedup.store import make_engine, normalise_database_url, upgrade

DETAILS = {
    "agency": "social_care",
    "team": "MASH",
    "relationships": ["MASH_TRIAGE"],
    "requested": ["education.attendance", "health.encounters", "police.incidents"],
    "allowed": ["education.attendance", "health.encounters"],
    "denied": ["police.incidents"],
    "reasons": ["EXM-MASH-001 v3, flow education-to-mash (public task)"],
    "agreements": ["EXM-MASH-001 v3"],
}


def _timed(action: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = action()
    return time.perf_counter() - start, result


def _entry(connection: Any, n: int) -> None:
    append(
        connection,
        kind="ACCESS",
        actor=f"worker{n % 50}",
        actor_role="SOCIAL_WORKER",
        purpose="MASH_TRIAGE",
        subject=f"P-{n % 5000}",
        details=DETAILS | {"n": n},
    )


@contextmanager
def _store(backend: str, url: str | None) -> Iterator[Engine]:
    with tempfile.TemporaryDirectory() as folder:
        os.environ["JOINEDUP_AUDIT_KEY_DIR"] = str(Path(folder) / "keys")
        os.environ["JOINEDUP_AUDIT_WITNESS"] = str(Path(folder) / "witness" / "heads.log")
        if backend == "sqlite":
            engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
            upgrade(engine)
            yield engine
            engine.dispose()
            return
        assert url
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
        base = normalise_database_url(url)
        engine = make_engine(f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}")
        try:
            upgrade(engine)
            yield engine
        finally:
            engine.dispose()
            with admin.begin() as connection:
                connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()


def run(
    backend: str, url: str | None, single: int, batched: int, batch: int, sealed: int = 500
) -> dict[str, Any]:
    """All figures for one backend."""
    figures: dict[str, Any] = {"backend": backend, "checkpoint_every": 1000}
    os.environ["JOINEDUP_AUDIT_CHECKPOINT_EVERY"] = "1000"
    with _store(backend, url) as engine:

        def one_per_transaction() -> None:
            for n in range(single):
                with engine.begin() as connection:
                    _entry(connection, n)

        seconds, _ = _timed(one_per_transaction)
        figures["single_entry_transactions"] = {
            "entries": single,
            "appends_per_s": round(single / seconds),
        }

        def sealed_one_per_transaction() -> list[float]:
            # as a web request that reads a child's record: one entry, then the seal
            seals = []
            for n in range(single, single + sealed):
                with engine.begin() as connection:
                    _entry(connection, n)
                start = time.perf_counter()
                seal(engine)
                seals.append(time.perf_counter() - start)
            return seals

        seconds, seals = _timed(sealed_one_per_transaction)
        seals.sort()
        figures["sealed_single_entry_transactions"] = {
            "entries": sealed,
            "appends_per_s": round(sealed / seconds),
            "seal_ms_median": round(seals[len(seals) // 2] * 1000, 2),
            "seal_ms_p95": round(seals[int(len(seals) * 0.95)] * 1000, 2),
        }
        single += sealed  # the entries so far, for the batches' numbering

        def in_batches() -> None:
            for start in range(single, single + batched, batch):
                with engine.begin() as connection:
                    for n in range(start, min(start + batch, single + batched)):
                        _entry(connection, n)

        seconds, _ = _timed(in_batches)
        figures["batched_transactions"] = {
            "entries": batched,
            "batch": batch,
            "appends_per_s": round(batched / seconds),
        }
        with engine.begin() as connection:
            _entry(connection, -1)  # leave a tail after the last automatic head
        seconds, head = _timed(lambda: _checkpoint(engine))
        figures["checkpoint_of_tail_ms"] = round(seconds * 1000, 2)
        figures["log_size"] = head.tree_size
        keys = trusted_keys(engine.url)
        with engine.connect() as connection:
            seconds, result = _timed(lambda: verify_log(connection, keys))
            assert result.ok, result.reason
            figures["verify"] = {
                "entries": result.entries,
                "heads": result.heads_checked,
                "seconds": round(seconds, 3),
                "entries_per_s": round(result.entries / seconds),
            }
            middle = head.tree_size // 2
            seconds, proof = _timed(lambda: inclusion(connection, middle, head.tree_size))
            figures["inclusion_proof"] = {
                "tree_size": head.tree_size,
                "hashes": len(proof["proof"]),
                "ms": round(seconds * 1000, 1),
            }
            first = heads(connection)[0].tree_size
            seconds, proof = _timed(lambda: consistency(connection, first, head.tree_size))
            figures["consistency_proof"] = {
                "from": first,
                "to": head.tree_size,
                "hashes": len(proof["proof"]),
                "ms": round(seconds * 1000, 1),
            }
    return figures


def _checkpoint(engine: Engine) -> Any:
    with engine.begin() as connection:
        return checkpoint(connection)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--single", type=int, default=2000, help="one-entry transactions")
    parser.add_argument("--batched", type=int, default=50000, help="entries in batches")
    parser.add_argument("--batch", type=int, default=1000, help="entries per transaction")
    parser.add_argument(
        "--postgres",
        default=os.environ.get("JOINEDUP_BENCH_DATABASE_URL"),
        help="also run on this PostgreSQL server",
    )
    args = parser.parse_args()
    results = [run("sqlite", None, args.single, args.batched, args.batch)]
    if args.postgres:
        results.append(run("postgresql", args.postgres, args.single, args.batched, args.batch))
    print(
        json.dumps(
            {
                "benchmark": "audit",
                "python": platform.python_version(),
                "machine": platform.machine(),
                "cpus": os.cpu_count(),
                "results": results,
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    main()

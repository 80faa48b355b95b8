"""Benchmark: from a police record's ingest to its Operation Encompass alert accepted by SMTP.

    python bench/bench_alerts.py [--children 2000] [--rate 100] [--seconds 60] [--workers 2]
        [--poll 0.05] [--database-url postgresql://postgres@127.0.0.1:5432/test]
        # else a scratch SQLite

The store is built first (a synthetic partnership ingested without alerts, linked, the
example agreements loaded): on PostgreSQL in a scratch schema, dropped at the end. Then
every second one police delivery of ``--rate`` domestic abuse incidents arrives, each with a
child (an already-linked police record of a child) present; ingest raises the alerts in its
transaction; ``--workers`` worker processes (``joinedup alerts worker --poll``, as deployed;
each its own claims, SKIP LOCKED on PostgreSQL) deliver them to a real SMTP server (aiosmtpd,
in this process) on loopback. Latency = SMTP accepted - the
start of that delivery's ingest. Prints JSON: p50, p95, max latency, incidents, alerts,
emails received, lost, duplicates, sustained rate, ingest seconds per delivery, the CPU
seconds of the whole run (set-up and workers included) and the load average before and
after (the machine is shared: a figure from a busy machine says so).

Stopped by SIGTERM or SIGINT it stops its workers (and they die with it even if it is
SIGKILLed), drops the scratch schema and removes its files.

Folding (one open alert per child and recipient) and the per-recipient email limit are
switched off here, so every incident sends an email (the synthetic store has only so many
children with police records); the figures are the delivery path's, not a product setting.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))

from aiosmtpd.controller import Controller  # noqa: E402
from alerts.servers import Mailbox, free_port  # noqa: E402

from joinedup import bootstrap  # noqa: E402
from joinedup.alerts import raising  # noqa: E402
from joinedup.ingest.feed_writer import Delivery  # noqa: E402
from joinedup.services import ingest  # noqa: E402
from joinedup.store import make_engine, upgrade  # noqa: E402
from joinedup.store.alert_tables import alert  # noqa: E402
from joinedup.store.unit_of_work import NOTHING, using

HEADER = [
    "person_id",
    "forenames",
    "surname",
    "date_of_birth",
    "gender",
    "address_line",
    "postcode",
    "pnc_id",
]


def children(engine) -> list[dict]:
    with engine.connect() as c:
        rows = c.execute(
            text(
                "SELECT p.source_id, p.forenames, p.surname, p.date_of_birth, p.sex, "
                "p.address_line, p.postcode FROM person_record p JOIN linkage_record l "
                "ON l.agency_id = 'police' AND l.source_id = p.source_id "
                "WHERE p.agency_id = 'police' AND p.date_of_birth > :born"
            ),
            {"born": date(date.today().year - 17, 1, 1)},
        ).all()
    return [dict(r._mapping) for r in rows]


def write(root: Path, n: int, batch: list[dict], stamp: str, event_at: str) -> tuple[Path, list]:
    delivery = Delivery(root / f"d{n:05d}", "police", "pole-csv/1", "Exampleshire", stamp)
    people = delivery.table("persons.csv", HEADER)
    incidents = delivery.table(
        "incidents.csv",
        ["incident_id", "occurred_at", "category", "postcode", "dash_risk", "summary"],
    )
    roles = delivery.table("involvements.csv", ["incident_id", "person_id", "role"])
    seen, ids = set(), []
    for i, child in enumerate(batch):
        if child["source_id"] not in seen:
            seen.add(child["source_id"])
            people.row(
                [
                    child["source_id"],
                    child["forenames"] or "",
                    child["surname"] or "",
                    str(child["date_of_birth"])[:10],
                    child["sex"] or "U",
                    child["address_line"] or "",
                    child["postcode"] or "",
                    "",
                ]
            )
        incident = f"BENCH-{n:05d}-{i:04d}"
        ids.append(incident)
        incidents.row([incident, event_at, "DOMESTIC_ABUSE", child["postcode"] or "", "HIGH", "x"])
        roles.row([incident, child["source_id"], "CHILD_PRESENT"])
    delivery.close()
    return delivery.dir, ids


def build_store(
    url: str | None, children: int, scratch: Path, state: dict
) -> tuple[object, str | None, str]:
    """A loaded, linked store with agreements; (engine, PostgreSQL schema to drop, URL)."""
    from joinedup.services import (
        EXAMPLE_AGREEMENTS,
        deliveries_in,
        link_people,
        load_agreements,
    )
    from joinedup.synth import generate_partnership

    schema = None
    if url and url.startswith("postgresql"):
        schema = f"bench_alerts_{os.getpid()}"
        admin = make_engine(url)
        with admin.begin() as connection:
            connection.execute(text(f"CREATE SCHEMA {schema}"))
        admin.dispose()
        state["schema"] = schema  # dropped at the end, interrupted or not
        url += ("&" if "?" in url else "?") + f"options=-csearch_path%3D{schema}"
    url = url or f"sqlite:///{scratch / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    generate_partnership(scratch / "partnership", children=children, seed=11)
    with using(NOTHING):
        for folder in deliveries_in(scratch / "partnership"):
            ingest(engine, folder, link=False)
    link_people(engine)
    load_agreements(engine, sorted(EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="bench")
    return engine, schema, url


class Interrupted(Exception):
    """SIGTERM or SIGINT: stop, reap the workers, drop the scratch schema."""


def _interrupted(signum: int, _frame: object) -> None:
    raise Interrupted(signal.Signals(signum).name)


def _die_with_parent() -> None:
    """In the worker, before exec: SIGTERM when the benchmark dies, even by SIGKILL (Linux)."""
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def start_workers(n: int, url: str, smtp_url: str, poll: float) -> list[subprocess.Popen]:
    """``n`` worker processes (``joinedup alerts worker``), as a deployment runs them."""
    env = {**os.environ, "JOINEDUP_DATABASE_URL": url, "JOINEDUP_SMTP_URL": smtp_url}
    command = [sys.executable, "-m", "joinedup.cli", "alerts", "worker", "--poll", str(poll)]
    # Their per-cycle lines go to stderr: stdout is the one JSON object.
    workers = []
    for _ in range(n):
        workers.append(
            subprocess.Popen(command, env=env, stdout=sys.stderr, preexec_fn=_die_with_parent)
        )
    print("workers " + " ".join(str(w.pid) for w in workers), file=sys.stderr, flush=True)
    return workers


def reap(workers: list[subprocess.Popen], grace: float = 30.0) -> None:
    """Stop the workers: SIGTERM (they finish their batch), SIGKILL after ``grace`` seconds."""
    for process in workers:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
    deadline = time.time() + grace
    for process in workers:
        try:
            process.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Stamped(Mailbox):
    """The SMTP sink, recording when each alert's email was accepted."""

    def __init__(self) -> None:
        super().__init__()
        self.accepted: dict[int, float] = {}

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        result = await super().handle_DATA(server, session, envelope)
        with self.lock:
            alert_id = int(self.messages[-1]["X-JoinedUp-Alert"])
            self.accepted.setdefault(alert_id, time.time())
        return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=None, help="PostgreSQL (default SQLite)")
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--workers", type=int, default=2, help="worker processes")
    parser.add_argument("--poll", type=float, default=0.05, help="workers' idle poll (s)")
    args = parser.parse_args()
    # A killed benchmark once left its workers running: SIGTERM and SIGINT now unwind
    # through the finally blocks (workers reaped, scratch schema and files removed).
    signal.signal(signal.SIGTERM, _interrupted)
    signal.signal(signal.SIGINT, _interrupted)
    scratch = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    state: dict = {"schema": None}
    try:
        run(args, scratch, state)
    except Interrupted as why:
        print(f"interrupted ({why}): workers stopped, scratch removed", file=sys.stderr)
        sys.exit(130)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        if state["schema"]:
            admin = make_engine(args.database_url)
            with admin.begin() as connection:
                connection.execute(text(f"DROP SCHEMA IF EXISTS {state['schema']} CASCADE"))
            admin.dispose()
        shutil.rmtree(scratch, ignore_errors=True)


def _cpu_seconds() -> float:
    """CPU (user + system) of this process and its reaped children (the workers)."""
    own, children = (
        resource.getrusage(resource.RUSAGE_SELF),
        resource.getrusage(resource.RUSAGE_CHILDREN),
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run(args: argparse.Namespace, scratch: Path, state: dict) -> None:
    # The platform's event flow, as every entry point installs it: without it an ingest
    # raises no alert (the bench measured nothing from the event flow's move to bootstrap
    # until 2026-12-08).
    bootstrap.wire()
    load_before = [round(x, 2) for x in os.getloadavg()]
    clock = time.perf_counter()
    engine, schema, url = build_store(args.database_url, args.children, scratch, state)
    setup_seconds = time.perf_counter() - clock
    raising.FOLD_HOURS = 0
    raising.MESSAGES_PER_HOUR = 10**9
    pool = children(engine)
    started: dict[str, float] = {}
    ingest_seconds: list[float] = []
    ingest_cpu_seconds = 0.0
    mailbox = Stamped()
    port = free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    workers: list[subprocess.Popen] = []
    serving = False
    try:
        # Started before the SMTP server's thread: preexec_fn is safe only without threads.
        workers = start_workers(args.workers, url, f"smtp://127.0.0.1:{port}", args.poll)
        controller.start()
        serving = True
        time.sleep(3)  # the workers' imports, before the clock starts
        begin = time.time()
        incidents = 0
        for n in range(args.seconds):
            time.sleep(max(0.0, begin + n - time.time()))
            now = datetime.now(UTC)
            batch = [pool[(n * args.rate + i) % len(pool)] for i in range(args.rate)]
            folder, ids = write(
                scratch / "in",
                n,
                batch,
                now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            t0, c0 = time.time(), time.thread_time()
            for incident in ids:
                started[incident] = t0
            ingest(engine, folder)
            ingest_seconds.append(time.time() - t0)
            ingest_cpu_seconds += time.thread_time() - c0
            incidents += len(ids)
        fed = time.time() - begin
        with engine.connect() as c:
            expected = c.execute(
                select(alert.c.id, alert.c.dedup_key).where(alert.c.recipient_email.is_not(None))
            ).all()
        deadline = time.time() + 60
        while len(mailbox.accepted) < len(expected) and time.time() < deadline:
            time.sleep(0.1)
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)  # a second signal must not stop reaping
        signal.signal(signal.SIGINT, signal.SIG_IGN)
        reap(workers)
        if serving:
            controller.stop()
        engine.dispose()
    latencies = []
    for alert_id, key in expected:
        incident = key.split("|police|incident|", 1)[1].split("|", 1)[0]
        if alert_id in mailbox.accepted:
            latencies.append(mailbox.accepted[alert_id] - started[incident])
    ids = mailbox.ids()
    latencies.sort()
    ingest_seconds.sort()
    backend = engine.dialect.name

    def q(values: list[float], at: float) -> float | None:
        return round(values[int(at * (len(values) - 1))], 3) if values else None

    print(
        json.dumps(
            {
                "backend": backend,
                "workers": args.workers,
                "children": args.children,
                "setup_seconds": round(setup_seconds, 1),
                "rate_per_second": args.rate,
                "seconds": args.seconds,
                "feed_seconds": round(fed, 1),
                # The last delivery starts at second N-1: a feed that kept up took N seconds.
                "sustained_records_per_second": round(incidents / max(fed, args.seconds), 1),
                "ingest_seconds_p50": q(ingest_seconds, 0.5),
                "ingest_seconds_p95": q(ingest_seconds, 0.95),
                "ingest_cpu_seconds_per_delivery": round(
                    ingest_cpu_seconds / len(ingest_seconds), 3
                )
                if ingest_seconds
                else None,
                "incidents": incidents,
                "alerts_with_email": len(expected),
                "emails_received": len(ids),
                "lost": len({a for a, _ in expected} - set(mailbox.accepted)),
                "duplicates": len(ids) - len(set(ids)),
                "latency_p50_s": q(latencies, 0.5),
                "latency_p95_s": q(latencies, 0.95),
                "latency_max_s": q(latencies, 1.0),
                "cpu_seconds_with_workers": round(_cpu_seconds(), 1),
                "load_average_before": load_before,
                "load_average_after": [round(x, 2) for x in os.getloadavg()],
            },
            indent=2,
        )
    )


if __name__ == "__main__":
    csv.field_size_limit(1 << 30)
    main()

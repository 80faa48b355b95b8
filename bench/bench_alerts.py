"""Benchmark: from a police record's ingest to its Operation Encompass alert accepted by SMTP.

    joinedup demo --children 2000            # once: a loaded, linked store with agreements
    python bench/bench_alerts.py --store joinedup.db [--rate 100] [--seconds 60]

Every second, one police delivery of ``--rate`` domestic abuse incidents arrives, each with a
child (an already-linked police record of a child) present; ingest raises the alerts in its
transaction; one in-process worker delivers them to a real SMTP server (aiosmtpd) on
loopback. Latency = SMTP accepted - the start of that delivery's ingest. Prints JSON: p50,
p95, max latency, incidents, alerts, emails received, lost, duplicates, sustained rate.

Folding (one open alert per child and recipient) and the per-recipient email limit are
switched off here, so every incident sends an email (the synthetic store has only so many
children with police records); the figures are the delivery path's, not a product setting.
"""

from __future__ import annotations

import argparse
import csv
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import select, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "integration"))

from alerts.servers import smtp_server  # noqa: E402

from joinedup.alerts import raising, worker  # noqa: E402
from joinedup.services import ingest  # noqa: E402
from joinedup.store import make_engine, upgrade  # noqa: E402
from joinedup.store.alert_tables import alert  # noqa: E402
from joinedup.synth.feedio import Delivery  # noqa: E402

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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, required=True, help="a loaded SQLite store")
    parser.add_argument("--rate", type=int, default=100)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="bench-alerts-"))
    shutil.copy(args.store, scratch / "store.db")
    engine = make_engine(f"sqlite:///{scratch / 'store.db'}")
    upgrade(engine)
    raising.FOLD_HOURS = 0
    raising.MESSAGES_PER_HOUR = 10**9
    pool = children(engine)
    started: dict[str, float] = {}
    stop = threading.Event()
    with smtp_server() as (url, mailbox):
        import os

        os.environ["JOINEDUP_SMTP_URL"] = url
        received: dict[str, float] = {}
        original = mailbox.handle_DATA

        async def stamp(server, session, envelope):  # record when each email was accepted
            result = await original(server, session, envelope)
            received.setdefault(str(len(received)), time.time())
            return result

        mailbox.handle_DATA = stamp  # type: ignore[method-assign]
        thread = threading.Thread(
            target=worker.run, kwargs={"engine": engine, "stop": stop, "poll_seconds": 0.05}
        )
        thread.start()
        begin = time.time()
        incidents = 0
        for n in range(args.seconds):
            tick = begin + n
            time.sleep(max(0.0, tick - time.time()))
            now = datetime.now(UTC)
            batch = [pool[(n * args.rate + i) % len(pool)] for i in range(args.rate)]
            folder, ids = write(
                scratch / "in",
                n,
                batch,
                now.strftime("%Y-%m-%dT%H:%M:%SZ"),
                (now - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            )
            t0 = time.time()
            for incident in ids:
                started[incident] = t0
            ingest(engine, folder)
            incidents += len(ids)
        fed = time.time() - begin
        with engine.connect() as c:
            expected = c.execute(
                select(alert.c.id, alert.c.dedup_key).where(alert.c.recipient_email.is_not(None))
            ).all()
        deadline = time.time() + 30
        while len(mailbox.messages) < len(expected) and time.time() < deadline:
            time.sleep(0.1)
        stop.set()
        thread.join()
    by_alert = {}
    for m, (_, at) in zip(
        mailbox.messages, sorted(received.items(), key=lambda kv: int(kv[0])), strict=False
    ):
        by_alert.setdefault(int(m["X-JoinedUp-Alert"]), at)
    latencies = []
    for alert_id, key in expected:
        incident = key.split("|police|incident|", 1)[1].split("|", 1)[0]
        if alert_id in by_alert:
            latencies.append(by_alert[alert_id] - started[incident])
    ids = mailbox.ids()
    latencies.sort()
    print(
        json.dumps(
            {
                "rate_per_second": args.rate,
                "seconds": args.seconds,
                "feed_seconds": round(fed, 1),
                "sustained_records_per_second": round(incidents / fed, 1),
                "incidents": incidents,
                "alerts_with_email": len(expected),
                "emails_received": len(ids),
                "lost": len(expected) - len(set(ids)),
                "duplicates": len(ids) - len(set(ids)),
                "latency_p50_s": round(statistics.median(latencies), 3) if latencies else None,
                "latency_p95_s": round(latencies[int(0.95 * (len(latencies) - 1))], 3)
                if latencies
                else None,
                "latency_max_s": round(latencies[-1], 3) if latencies else None,
                "backend": "sqlite",
            },
            indent=2,
        )
    )
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    csv.field_size_limit(1 << 30)
    main()

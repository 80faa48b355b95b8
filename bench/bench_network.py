"""Benchmark: the exploitation network (issue 22) on a police delivery of a given size.

    python bench/bench_network.py [--children 2000] [--adults 300] [--places 200]
        [--incidents 6000] [--seed 22] [--database-url postgresql://...]  # else scratch SQLite

Writes a ``pole-csv/1`` delivery with places, vehicles and incident links (random, seeded:
each incident a missing episode or an exploitation incident of one child, with one adult in
half of them and one place or vehicle in most), ingests it, makes each police record its own
person, loads the example agreements and opens a MASH triage case for every child (so each
is the MASH's to see), then times ``services.network.exploitation_network`` for a MASH
practitioner: every child and adult opened through the (bulk) gate and audited. Prints JSON,
with the wall-clock and CPU seconds and how many people were opened (ACCESS audit entries).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import func, insert, select

from joinedup import services
from joinedup.governance.reader import Reader
from joinedup.ingest import ingest_delivery
from joinedup.services.network import exploitation_network
from joinedup.store.audit_tables import audit_entry
from joinedup.store.casework_tables import triage_case
from joinedup.store.linkage_tables import linkage_model, linkage_record, linkage_run
from joinedup.store.tables import person

HEADERS = {
    "persons.csv": ["person_id", "forenames", "surname", "date_of_birth", "gender",
                    "address_line", "postcode", "pnc_id"],
    "incidents.csv": ["incident_id", "occurred_at", "category", "postcode", "dash_risk",
                      "summary"],
    "involvements.csv": ["incident_id", "person_id", "role"],
    "locations.csv": ["location_id", "kind", "name", "postcode"],
    "objects.csv": ["object_id", "kind", "identifier", "description"],
    "incident_links.csv": ["incident_id", "entity_type", "entity_id", "role"],
}  # fmt: skip
LETTERS = "ABCDEFGHJKLMNPRSTUVWXYZ"


def delivery(folder: Path, args: argparse.Namespace) -> Path:
    rng = random.Random(args.seed)
    rows: dict[str, list[list[Any]]] = {name: [] for name in HEADERS}
    for i in range(args.children):
        born = f"{rng.randint(2009, 2014)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        rows["persons.csv"].append([f"C{i}", "Child", f"Number{i}", born, "F", "", "", ""])
    for i in range(args.adults):
        rows["persons.csv"].append([f"A{i}", "Adult", f"Number{i}", "1985-01-01", "M", "", "", ""])
    for i in range(args.places):
        rows["locations.csv"].append([f"L{i}", rng.choice(["HOTEL", "PARK", "TAKEAWAY"]),
                                      f"Place {i}", ""])  # fmt: skip
        mark = f"{rng.choice(LETTERS)}{rng.choice(LETTERS)}{rng.randint(10, 99)} " + "".join(
            rng.choice(LETTERS) for _ in range(3)
        )
        rows["objects.csv"].append([f"O{i}", "VEHICLE", mark, "Car"])
    start = datetime(2025, 1, 1, tzinfo=UTC)
    for i in range(args.incidents):
        at = start + timedelta(minutes=rng.randint(0, 60 * 24 * 600))
        category = rng.choice(["MISSING_PERSON", "MISSING_PERSON", "CHILD_CRIMINAL_EXPLOITATION"])
        rows["incidents.csv"].append([f"I{i}", at.isoformat(), category, "", "", ""])
        child_role = "MISSING_PERSON" if category == "MISSING_PERSON" else "VICTIM"
        rows["involvements.csv"].append([f"I{i}", f"C{rng.randrange(args.children)}", child_role])
        if rng.random() < 0.5:
            rows["involvements.csv"].append([f"I{i}", f"A{rng.randrange(args.adults)}", "SUSPECT"])
        if rng.random() < 0.8:
            kind, prefix, role = rng.choice(
                [("LOCATION", "L", "SEEN_AT"), ("OBJECT", "O", "SEEN_IN")]
            )
            rows["incident_links.csv"].append(
                [f"I{i}", kind, f"{prefix}{rng.randrange(args.places)}", role]
            )
    folder.mkdir(parents=True)
    import hashlib

    files = []
    for name, header in HEADERS.items():
        with (folder / name).open("w", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(header)
            writer.writerows(rows[name])
        data = (folder / name).read_bytes()
        files.append({"path": name, "rows": len(rows[name]),
                      "sha256": hashlib.sha256(data).hexdigest()})  # fmt: skip
    manifest = {"agency": "police", "format": "pole-csv/1", "partnership": "Benchshire",
                "extracted_at": "2026-11-20T06:00:00Z", "files": files}  # fmt: skip
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--adults", type=int, default=300)
    parser.add_argument("--places", type=int, default=200)
    parser.add_argument("--incidents", type=int, default=6000)
    parser.add_argument("--seed", type=int, default=22)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        url = args.database_url or f"sqlite:///{Path(scratch) / 'network.db'}"
        engine = services.open_store(url)
        folder = delivery(Path(scratch) / "police", args)
        began = time.perf_counter()
        report = ingest_delivery(engine, folder)
        ingest_s = time.perf_counter() - began
        now = datetime.now(UTC)
        with engine.begin() as connection:
            model = connection.execute(
                insert(linkage_model).values(
                    created_at=now, fingerprint="bench", records=0, backend="bench",
                    splink_version="bench", settings={}, thresholds={}, term_frequencies={},
                    active=False,
                ).returning(linkage_model.c.id)
            ).scalar_one()  # fmt: skip
            run = connection.execute(
                insert(linkage_run)
                .values(kind="BATCH", backend="bench", model_id=model, started_at=now)
                .returning(linkage_run.c.id)
            ).scalar_one()
            ids = [f"C{i}" for i in range(args.children)] + [f"A{i}" for i in range(args.adults)]
            connection.execute(insert(person), [{"id": f"P-{s}", "created_at": now} for s in ids])
            connection.execute(
                insert(linkage_record),
                [{"record_key": f"police|persons|{s}", "agency_id": "police",
                  "source_table": "persons", "source_id": s, "person_id": f"P-{s}",
                  "run_id": run} for s in ids],
            )  # fmt: skip
            connection.execute(
                insert(triage_case),
                [{"person_id": f"P-C{i}", "opened_by": "bench", "agency": "social_care",
                  "reason": "bench", "opened_at": now, "due_at": now + timedelta(days=1),
                  "prompted_by": "CONTACT"} for i in range(args.children)],
            )  # fmt: skip
        services.load_agreements(
            engine, sorted(services.EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="bench"
        )
        reader = Reader.build(user_id="bench-mash", role="MASH_PRACTITIONER",
                              agency="social_care", purpose="MASH_TRIAGE")  # fmt: skip
        with engine.connect() as connection:
            entries = connection.execute(select(func.count()).select_from(audit_entry)).scalar()
        began, cpu = time.perf_counter(), time.process_time()
        answer = exploitation_network(engine, reader)
        network_s, network_cpu = time.perf_counter() - began, time.process_time() - cpu
        with engine.connect() as connection:
            opened = connection.execute(
                select(func.count()).where(
                    audit_entry.c.seq >= (entries or 0), audit_entry.c.kind == "ACCESS"
                )
            ).scalar()
        kinds: dict[str, int] = {}
        for node in answer.nodes:
            kinds[node.kind] = kinds.get(node.kind, 0) + 1
        json.dump(
            {
                "backend": engine.dialect.name,
                "children": args.children,
                "adults": args.adults,
                "places_and_vehicles": 2 * args.places,
                "incidents": args.incidents,
                "rows_ingested": report.total("accepted"),
                "rows_quarantined": report.total("quarantined"),
                "ingest_seconds": round(ingest_s, 2),
                "network_seconds": round(network_s, 2),
                # CPU time too: the store is in process (SQLite), so on a shared machine this
                # is the figure that does not depend on the other jobs running
                "network_cpu_seconds": round(network_cpu, 2),
                "people_opened_and_audited": opened,
                "nodes": kinds,
                "ties": len(answer.ties),
                "evidence": sum(len(t.evidence) for t in answer.ties),
            },
            sys.stdout,
            indent=2,
        )
        print()
        engine.dispose()


if __name__ == "__main__":
    main()

"""Benchmark the web API under load: the single view and search, N concurrent clients for S
seconds on loopback, against an already loaded store (ingested, linked, agreements loaded).

    JOINEDUP_DATABASE_URL=postgresql://.../joinedup_bench \\
        python bench/bench_web.py [--clients 50] [--seconds 60] [--workers 2] [--port 8731]

It creates (or reuses) benchmark accounts: one social worker per busy social care
practitioner, each reading the children on their own caseload (a real legitimate
relationship, so every view is a full, governed, audited read), and a MASH practitioner
searching by name, date of birth, NHS number and postcode. The server is uvicorn with
``--workers`` processes; the load comes from one asyncio process (httpx) on the same
machine, so the two compete for the same cores. Server-side time is each response's
``Server-Timing`` header: ``app`` is the time handling the request once admitted, ``queue``
the time it waited for one of the worker's ``JOINEDUP_WEB_CONCURRENCY`` slots (see
``joinedup.http.admission``); the client-side time includes both, and the network.

Prints one JSON object: per endpoint, requests, errors, requests/s, and client and
server-side latency percentiles (ms).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import re
import statistics
import time
from typing import Any

import httpx
from sqlalchemy import text
from web_server import benchmark_environment, served

from joinedup.http.admission import DEFAULT_CONCURRENCY
from joinedup.services import open_store
from joinedup.services.accounts import add_user

PASSWORD = "bench-password-synthetic-only"
TIMING = re.compile(r"app;dur=([0-9.]+)")
QUEUE = re.compile(r"queue;dur=([0-9.]+)")


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {}
    ordered = sorted(values)
    q = (
        statistics.quantiles(ordered, n=100, method="inclusive")
        if len(ordered) > 1
        else [ordered[0]] * 99
    )
    return {
        "p50": round(q[49], 1),
        "p95": round(q[94], 1),
        "p99": round(q[98], 1),
        "max": round(ordered[-1], 1),
        "mean": round(statistics.fmean(ordered), 1),
    }


def prepare(engine: Any, readers: int) -> tuple[list[tuple[str, list[str]]], list[dict[str, str]]]:
    """Benchmark accounts and their work: (username, caseload person ids) per social worker,
    and search terms drawn from the store."""
    with engine.connect() as connection:
        busiest = connection.execute(
            text(
                "select i.practitioner_key, max(p.team), count(distinct lr.person_id) n"
                " from involvement i join linkage_record lr on lr.agency_id = i.agency_id"
                " and lr.source_id = i.person_source_id"
                " left join practitioner p on p.agency_id = i.agency_id"
                " and p.practitioner_key = i.practitioner_key"
                " where i.agency_id = 'social_care' and i.end_date is null"
                " group by i.practitioner_key order by n desc limit :k"
            ),
            {"k": readers},
        ).all()
        work = []
        for key, team, _n in busiest:
            people = (
                connection.execute(
                    text(
                        "select distinct lr.person_id from involvement i join linkage_record lr"
                        " on lr.agency_id = i.agency_id and lr.source_id = i.person_source_id"
                        " where i.agency_id = 'social_care' and i.practitioner_key = :k"
                        " and i.end_date is null"
                    ),
                    {"k": key},
                )
                .scalars()
                .all()
            )
            username = f"bench.sw.{key}".lower()
            work.append((username, list(people), key, team))
        sample = connection.execute(
            text(
                "select forenames, surname, date_of_birth, nhs_number, postcode from person_record"
                " where surname is not null and date_of_birth is not null"
                " order by id limit 4000"
            )
        ).all()
        existing = set(connection.execute(text("select username from account")).scalars())
    for username, _people, key, team in work:
        if username not in existing:
            add_user(engine, username=username, role="SOCIAL_WORKER", agency="social_care",
                     display_name=f"Bench {key}", password=PASSWORD, team=team,
                     practitioner_key=key)  # fmt: skip
    if "bench.mash" not in existing:
        add_user(engine, username="bench.mash", role="MASH_PRACTITIONER", agency="social_care",
                 display_name="Bench MASH", password=PASSWORD, team="Front Door MASH")  # fmt: skip
    rng = random.Random(7)
    terms = []
    for forenames, surname, dob, nhs, postcode in rng.sample(sample, min(500, len(sample))):
        kind = rng.random()
        if kind < 0.4:
            terms.append({"name": f"{forenames} {surname}"})
        elif kind < 0.7:
            terms.append({"name": surname, "date_of_birth": str(dob)})
        elif kind < 0.85 and nhs:
            terms.append({"nhs_number": nhs})
        elif postcode:  # a search is a trace: a postcode with the surname (issue 16)
            terms.append({"name": surname, "postcode": postcode})
    return [(u, p) for u, p, _k, _t in work if p], terms


async def sign_in(client: httpx.AsyncClient, username: str) -> None:
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": PASSWORD}
    )
    response.raise_for_status()


async def signed_in_clients(
    base: str, clients: int, work: list[tuple[str, list[str]]]
) -> list[tuple[httpx.AsyncClient, str, list[str] | None]]:
    """One signed-in client per simulated user, signed in one after another before the
    clock starts (a sign-in is an argon2 verification: deliberately slow)."""
    out = []
    for n in range(clients):
        client = httpx.AsyncClient(base_url=base, timeout=60)
        if n % 5 == 4:  # one client in five searches (the MASH front door)
            await sign_in(client, "bench.mash")
            out.append((client, "MASH_TRIAGE", None))
        else:
            username, people = work[n % len(work)]
            await sign_in(client, username)
            out.append((client, "LEAD_PRACTITIONER_CASEWORK", people))
    return out


async def run_load(
    base: str, clients: int, seconds: float, work: list[tuple[str, list[str]]],
    terms: list[dict[str, str]], warm_up: float = 5,
) -> dict[str, Any]:  # fmt: skip
    sessions = await signed_in_clients(base, clients, work)
    results: dict[str, dict[str, list[float]]] = {
        "single_view": {"client": [], "server": [], "queue": []},
        "search": {"client": [], "server": [], "queue": []},
    }
    errors: dict[str, int] = {"single_view": 0, "search": 0}
    statuses: dict[int, int] = {}

    async def one_client(n: int, until: float, record: bool) -> None:
        rng = random.Random(n)
        client, purpose, people = sessions[n]
        while time.perf_counter() < until:
            if people is None:
                name, url, params = "search", "/api/v1/people", rng.choice(terms)
            else:
                name, url, params = "single_view", f"/api/v1/people/{rng.choice(people)}", {}
            started = time.perf_counter()
            try:
                response = await client.get(url, params={**params, "purpose": purpose})
            except httpx.HTTPError:
                if record:
                    errors[name] += 1
                continue
            elapsed = (time.perf_counter() - started) * 1000
            if not record:
                continue
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
            if response.status_code != 200:
                errors[name] += 1
                continue
            results[name]["client"].append(elapsed)
            timing = response.headers.get("server-timing", "")
            if match := TIMING.search(timing):
                results[name]["server"].append(float(match.group(1)))
            if match := QUEUE.search(timing):
                results[name]["queue"].append(float(match.group(1)))

    # Warm each worker (policy compiled, caches) before the clock starts.
    until = time.perf_counter() + warm_up
    await asyncio.gather(*(one_client(n, until, False) for n in range(clients)))
    started = time.perf_counter()
    until = started + seconds
    await asyncio.gather(*(one_client(n, until, True) for n in range(clients)))
    wall = time.perf_counter() - started
    for client, _purpose, _people in sessions:
        await client.aclose()
    return {
        name: {
            "requests": len(r["client"]),
            "errors": errors[name],
            "requests_per_s": round(len(r["client"]) / wall, 1),
            "client_ms": percentiles(r["client"]),
            "server_ms": percentiles(r["server"]),
            "admission_queue_ms": percentiles(r["queue"]),
        }
        for name, r in results.items()
    } | {"statuses": statuses, "wall_s": round(wall, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--port", type=int, default=8731)
    parser.add_argument("--readers", type=int, default=40, help="Social worker accounts.")
    parser.add_argument(
        "--concurrency", type=int, default=None,
        help="Requests each worker handles at once (JOINEDUP_WEB_CONCURRENCY; default 2).",
    )  # fmt: skip
    args = parser.parse_args()
    engine = open_store()
    work, terms = prepare(engine, args.readers)
    if not work:
        raise SystemExit(
            "bench_web.py: the store has no social worker with open cases to read as "
            "(load a larger partnership: joinedup demo --children 5000 --no-serve)"
        )
    with engine.connect() as connection:
        children = connection.execute(
            text("select count(distinct person_id) from linkage_record")
        ).scalar()
    engine.dispose()
    env = benchmark_environment()
    if args.concurrency:
        env["JOINEDUP_WEB_CONCURRENCY"] = str(args.concurrency)
    app = "joinedup.asgi:create_app"
    with served(app, args.port, env, workers=args.workers) as (base, _server):
        load_before = os.getloadavg()
        report = asyncio.run(run_load(base, args.clients, args.seconds, work, terms))
        load_after = os.getloadavg()
    print(
        json.dumps(
            {
                "benchmark": "web",
                "database": engine.url.get_backend_name(),
                "people_linked": children,
                "clients": args.clients,
                "seconds": args.seconds,
                "workers": args.workers,
                "concurrency_per_worker": int(
                    env.get("JOINEDUP_WEB_CONCURRENCY") or DEFAULT_CONCURRENCY
                ),
                "cpus": os.cpu_count(),
                # other work on the machine shows here: the load generator and the server
                # share the cores, so a busy machine lengthens every figure below
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in load_after],
                **report,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

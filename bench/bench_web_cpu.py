"""CPU time the web server spends per request: the single view, search, the triage list and
the home page, each a fixed number of requests from ``--clients`` concurrent clients, against
an already loaded store (``joinedup demo --no-serve``).

    JOINEDUP_DATABASE_URL=sqlite:////tmp/bench.db \\
        python bench/bench_web_cpu.py [--requests 400] [--clients 10] [--rounds 3]

The server is one uvicorn process (no ``--workers``); its CPU (user + system, every thread,
from ``/proc/<pid>/stat``) is read before and after each endpoint's requests, so the figure
does not depend on what else the machine is doing, unlike requests per second (printed
beside it, with the load average). The load comes from this process (httpx, asyncio), whose
own CPU is not counted. Accounts and search terms are ``bench_web.py``'s. ``--app`` names
the ASGI factory (``joinedup.web.app:create_app`` for a checkout before ``joinedup.asgi``),
so one script measures old and new code alike.

Prints one JSON object: per endpoint, the median over rounds of server CPU ms per request and
requests/s, and every round's figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import httpx
from web_server import benchmark_environment, served

import joinedup
from joinedup.services import open_store

# bench_web.py of the checkout whose joinedup is imported (an older one for a comparison)
sys.path.insert(0, str(Path(joinedup.__file__).parents[2] / "bench"))
from bench_web import PASSWORD, prepare  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU of the process (all its threads), in seconds."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


async def client_for(base: str, username: str) -> httpx.AsyncClient:
    client = httpx.AsyncClient(base_url=base, timeout=60)
    response = await client.post(
        "/api/v1/session", json={"username": username, "password": PASSWORD}
    )
    response.raise_for_status()
    return client


async def drive(
    clients: list[httpx.AsyncClient], requests: int, next_request: Any
) -> tuple[int, int, float]:
    """``requests`` requests shared by the clients; (ok, errors, wall seconds)."""
    remaining = requests
    ok = errors = 0

    async def one(n: int, client: httpx.AsyncClient) -> None:
        nonlocal remaining, ok, errors
        rng = random.Random(n)
        while remaining > 0:
            remaining -= 1
            url, params = next_request(rng)
            try:
                response = await client.get(url, params=params)
            except httpx.HTTPError:
                errors += 1
                continue
            if response.status_code == 200:
                ok += 1
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(one(n, c) for n, c in enumerate(clients)))
    return ok, errors, time.perf_counter() - started


async def measure(args: argparse.Namespace, base: str, pid: int) -> dict[str, Any]:
    engine = open_store()
    work, terms = prepare(engine, args.readers)
    if not work:
        raise SystemExit(
            "bench_web_cpu.py: the store has no social worker with open cases to read as "
            "(load a larger partnership: joinedup demo --children 5000 --no-serve)"
        )
    engine.dispose()
    readers = [await client_for(base, work[n % len(work)][0]) for n in range(args.clients)]
    mash = [await client_for(base, "bench.mash") for _ in range(args.clients)]

    def search(rng: random.Random) -> tuple[str, dict[str, str]]:
        return "/api/v1/people", {**rng.choice(terms), "purpose": "MASH_TRIAGE"}

    def triage_list(rng: random.Random) -> tuple[str, dict[str, str]]:
        return "/api/v1/triage", {"purpose": "MASH_TRIAGE"}

    def home(rng: random.Random) -> tuple[str, dict[str, str]]:
        return "/", {}

    endpoints = {
        "single_view": (readers, None, args.requests),
        "search": (mash, search, args.requests),
        "triage_list": (mash, triage_list, max(args.requests // 4, 20)),
        "home": (readers, home, args.requests),
    }
    # The single view: each client reads its own account's caseload (another's child would
    # be refused, 403, and measure the refusal).
    pairs = [(client, work[n % len(work)][1]) for n, client in enumerate(readers)]

    async def own_caseload(requests: int) -> tuple[int, int, float]:
        remaining = requests
        ok = errors = 0

        async def one(n: int, client: httpx.AsyncClient, people: list[str]) -> None:
            nonlocal remaining, ok, errors
            rng = random.Random(n)
            while remaining > 0:
                remaining -= 1
                try:
                    response = await client.get(
                        f"/api/v1/people/{rng.choice(people)}",
                        params={"purpose": "LEAD_PRACTITIONER_CASEWORK"},
                    )
                except httpx.HTTPError:
                    errors += 1
                    continue
                ok, errors = (ok + 1, errors) if response.status_code == 200 else (ok, errors + 1)

        started = time.perf_counter()
        await asyncio.gather(*(one(n, c, p) for n, (c, p) in enumerate(pairs)))
        return ok, errors, time.perf_counter() - started

    rounds: dict[str, list[dict[str, float]]] = {name: [] for name in endpoints}
    for _round in range(args.rounds):
        for name, (clients, next_request, requests) in endpoints.items():
            run = (
                (lambda k: own_caseload(k))
                if name == "single_view"
                else (lambda k, c=clients, f=next_request: drive(c, k, f))
            )
            await run(max(requests // 10, 10))  # warm: policies compiled, caches filled
            before = cpu_seconds(pid)
            ok, errors, wall = await run(requests)
            used = cpu_seconds(pid) - before
            rounds[name].append(
                {
                    "requests": ok,
                    "errors": errors,
                    "cpu_ms_per_request": round(used * 1000 / max(ok + errors, 1), 2),
                    "requests_per_s": round((ok + errors) / wall, 1),
                }
            )
    for client in readers + mash:
        await client.aclose()
    return {
        name: {
            "cpu_ms_per_request": statistics.median(r["cpu_ms_per_request"] for r in runs),
            "requests_per_s": statistics.median(r["requests_per_s"] for r in runs),
            "rounds": runs,
        }
        for name, runs in rounds.items()
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=400, help="Per endpoint and round.")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--readers", type=int, default=40, help="Social worker accounts.")
    parser.add_argument("--port", type=int, default=8741)
    parser.add_argument("--app", default="joinedup.asgi:create_app")
    args = parser.parse_args()
    env = benchmark_environment()
    with served(args.app, args.port, env, wait_seconds=240) as (base, server):
        load_before = os.getloadavg()
        report = asyncio.run(measure(args, base, server.pid))
        load_after = os.getloadavg()
    print(
        json.dumps(
            {
                "benchmark": "web_cpu",
                "app": args.app,
                "clients": args.clients,
                "requests": args.requests,
                "rounds": args.rounds,
                "load_average_before": [round(x, 2) for x in load_before],
                "load_average_after": [round(x, 2) for x in load_after],
                **report,
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()

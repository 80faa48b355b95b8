"""Two partnerships on loopback, each its own process and database (issue 24): Exampleshire
on PostgreSQL (``JOINEDUP_TEST_DATABASE_URL``) and Otherbury on SQLite, each served by
``uvicorn joinedup.asgi:create_app`` in a subprocess with its own audit key and partners
file. Otherbury has the demo users (its MASH signs in for the browser test)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx

from joinedup.accounts import demo_users
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_schema_url,
)
from tests.support import partnerships
from tests.support.partnerships import Side
from tests.support.webapp import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class Loopback:
    sides: dict[str, Side]
    urls: dict[str, str]  # the served apps
    movers: dict[str, str]
    on_plan: list[str]
    users: dict[str, dict[str, Any]]  # Otherbury's demo users by role
    folder: Path
    ports: dict[str, int]
    processes: list[subprocess.Popen[bytes]]
    delivery: Path | None = None  # the movers' first delivery in Otherbury, not yet ingested

    def serve(self, name: str) -> None:
        """Start serving a side (one not served yet: a partner that was down)."""
        self.processes.append(_serve(self.env(name), self.ports[name], self.folder / f"{name}.log"))

    def env(self, name: str) -> dict[str, str]:
        path = f"{ROOT / 'src'}{os.pathsep}{ROOT}"
        return {**os.environ, **self.sides[name].env(), "PYTHONPATH": path}

    def cli(self, name: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "joinedup.cli", *args],
            env=self.env(name), capture_output=True, text=True, timeout=600,
        )  # fmt: skip


def _serve(env: dict[str, str], port: int, log: Path) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "joinedup.asgi:create_app", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        env=env, stdout=log.open("wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    deadline = time.monotonic() + 180  # a shared, loaded machine starts slowly
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"the server stopped: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"http://127.0.0.1:{port}/login", timeout=2)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.terminate()
    raise AssertionError("the server did not start")


def started(
    folder: Path, *, moved: bool = True, serving: tuple[str, ...] = partnerships.NAMES
) -> Iterator[Loopback]:
    """The two sides, serving ``serving``. ``moved=False``: the movers are not in Otherbury
    yet; their first records there are a delivery (``Loopback.delivery``) for the test to
    ingest, and ``movers`` maps their Exampleshire person ids to their UPNs."""
    schema = f"t_exchange_{uuid.uuid4().hex[:10]}"
    create_postgres_schema(schema)
    processes: list[subprocess.Popen[bytes]] = []
    try:
        urls = {"exampleshire": postgres_schema_url(schema),
                "otherbury": f"sqlite:///{folder / 'otherbury.db'}"}  # fmt: skip
        a = partnerships.build_store(folder, urls["exampleshire"], seed=6)
        b = partnerships.build_store(folder, urls["otherbury"], seed=7, own_nhs_numbers=False)
        today = datetime.now(UTC).date()
        planned = partnerships.on_plan(a, today)[:2]
        others = [p for p in partnerships.children_ids(a, today) if p not in planned][:3]
        delivery = None
        if moved:
            movers = partnerships.move(a, b, planned + others, "WM1 4QT")
        else:
            delivery, movers = partnerships.mover_delivery(
                a, planned + others, folder / "movers-delivery", "WM1 4QT"
            )
        users = {u["role"]: u for u in demo_users.create(b)}
        a.dispose()
        b.dispose()
        ports = {name: free_port() for name in urls}
        served = {name: f"http://127.0.0.1:{port}" for name, port in ports.items()}
        sides = partnerships.sides(folder, urls, served)
        loop = Loopback(sides, served, movers, planned, users, folder, ports, processes, delivery)
        for name in serving:
            loop.serve(name)
        yield loop
    finally:
        for process in processes:
            process.terminate()
            process.wait(timeout=20)
        drop_postgres_schema(schema)


def has_postgres() -> bool:
    return bool(POSTGRES_URL)

"""A receiver killed in the middle of a transfer loses and duplicates nothing (issue 23).

A real ``joinedup receive api`` process (the receiver as an operator runs it) receives a
housing delivery pushed in small chunks by the agency's client; once part of a file has
arrived, the server is killed with SIGKILL and a new one is started on the same port and
store. The client, which only ever sends from the offset the service reports, carries on: the
delivery is ingested once, with every row accounted for, and the file on disk is byte for byte
the one sent. The receiver serves the deliveries' routes and nothing else.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
from sqlalchemy import func, select

from joinedup.receive import tokens
from joinedup.receive.client import Sender
from joinedup.services import receiving
from joinedup.store import make_engine, upgrade
from joinedup.store import tables as t
from tests.support.hostile import big_housing_delivery
from tests.support.webapp import free_port


def _serve(port: int, environment: dict[str, str]) -> subprocess.Popen[bytes]:
    server = subprocess.Popen(
        [sys.executable, "-m", "joinedup.cli", "receive", "api", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/openapi.json", timeout=1).is_success:
                return server
        except httpx.TransportError:
            time.sleep(0.1)
    server.kill()
    raise AssertionError(
        f"the server did not start: {server.stderr.read() if server.stderr else ''}"
    )


def test_killing_the_receiver_mid_transfer_loses_and_duplicates_nothing(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store.db'}"
    engine = make_engine(url)
    upgrade(engine)
    private, public = tokens.new_key_pair()
    receiving.add_key(engine, "housing", public, by="operator")
    folder = big_housing_delivery(tmp_path / "housing", 600)
    manifest = json.loads((folder / "manifest.json").read_text())
    received = tmp_path / "received"
    environment = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": url,
        "JOINEDUP_RECEIVE_DIR": str(received),
        "PYTHONUNBUFFERED": "1",
    }
    port = free_port()
    servers = [_serve(port, environment)]
    document = httpx.get(f"http://127.0.0.1:{port}/openapi.json").json()
    assert document["paths"] and all(p.startswith("/api/v1/deliveries") for p in document["paths"])
    for elsewhere in ("/", "/signin", "/api/v1/people/search?q=x", "/static/app.css"):
        assert httpx.get(f"http://127.0.0.1:{port}{elsewhere}").status_code == 404, elsewhere
    killed_at: list[int] = []

    def kill_once_part_has_arrived() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            parts = [p for p in received.glob("housing/*/*.part") if p.stat().st_size > 0]
            if parts:
                killed_at.append(parts[0].stat().st_size)
                servers[0].send_signal(signal.SIGKILL)
                servers[0].wait()
                servers.append(_serve(port, environment))
                return
            time.sleep(0.02)

    killer = threading.Thread(target=kill_once_part_has_arrived)
    killer.start()
    try:
        sender = Sender(
            f"http://127.0.0.1:{port}", private, agency="housing", chunk=4096, attempts=40
        )
        receipt = sender.send(folder)
    finally:
        killer.join()
        for server in servers:
            server.kill()
            server.wait()
    assert killed_at, "the server was never killed mid-transfer"
    assert len(servers) == 2
    rows = sum(f["rows"] for f in manifest["files"])
    assert receipt["status"] == "ingested" and receipt["rows"] == rows
    assert receipt["accepted"] + receipt["quarantined"] == rows and receipt["quarantined"] > 0
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.delivery)).scalar_one() == 1
        stored = connection.execute(select(func.count()).select_from(t.source_record)).scalar_one()
        quarantined = connection.execute(
            select(func.count()).select_from(t.quarantined_row)
        ).scalar_one()
    assert stored + quarantined == rows
    for entry in manifest["files"]:
        arrived = next(received.glob(f"housing/*/{entry['path']}"))
        assert hashlib.sha256(arrived.read_bytes()).hexdigest() == entry["sha256"]
    engine.dispose()

"""``joinedup serve --workers N``: several server processes on one port, each with admission
control (its queue time in ``Server-Timing``)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from joinedup.services import open_store
from tests.support.webapp import free_port


def test_serve_with_two_workers_answers_on_one_port(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    open_store(url).dispose()  # schema in place, as after `joinedup demo`
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "joinedup.cli", "serve", "--workers", "2", "--port", str(port)],
        env={**os.environ, "JOINEDUP_DATABASE_URL": url, "JOINEDUP_COOKIE_SECURE": "0"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        response = None
        while time.monotonic() < deadline:
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/login", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read().decode() if server.stdout else ""
                time.sleep(0.2)
        assert response is not None, "the server did not answer within a minute"
        assert response.status_code == 200
        timing = response.headers["server-timing"]
        assert "app;dur=" in timing and "queue;dur=" in timing
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

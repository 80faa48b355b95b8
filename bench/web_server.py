"""The web app served by uvicorn in its own process for the web benchmarks
(``bench_web.py``, ``bench_web_cpu.py``): started, waited for until it answers, stopped with
SIGINT as an operator would stop it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx


def benchmark_environment() -> dict[str, str]:
    """The environment the served app runs in: plain-HTTP cookies, and the search volume
    limits lifted (one benchmark account searches thousands of times an hour, past any
    volume a real account would reach, so the limits that tell the privacy officer are off)."""
    env = {**os.environ, "JOINEDUP_COOKIE_SECURE": "0"}
    env["JOINEDUP_SEARCH_NOTICE_PER_HOUR"] = env["JOINEDUP_SEARCH_LIMIT_PER_HOUR"] = "1000000000"
    return env


@contextmanager
def served(
    app: str, port: int, env: dict[str, str], *, workers: int = 1, wait_seconds: int = 120
) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """(base address, the server process) while the block runs."""
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", app, "--factory", "--host", "127.0.0.1",
         "--port", str(port), "--workers", str(workers), "--log-level", "warning",
         "--no-access-log"],
        env=env,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(wait_seconds * 2):
            try:
                if httpx.get(f"{base}/login", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.5)
        yield base, server
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=30)

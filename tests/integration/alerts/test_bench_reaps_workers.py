"""bench/bench_alerts.py stops its worker processes when it is itself stopped (SIGTERM or
SIGINT): a benchmark killed mid-run once left its workers running."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[3] / "bench" / "bench_alerts.py"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) is not running
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ", 1)[1][0] != "Z"
    except OSError:
        return False


@pytest.mark.parametrize("how", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_benchmark_leaves_no_worker_running(how: signal.Signals) -> None:
    bench = subprocess.Popen(
        [sys.executable, str(BENCH), "--children", "60", "--seconds", "600", "--workers", "2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    workers: list[int] = []
    try:
        assert bench.stderr is not None
        for line in bench.stderr:  # the store is built first, then the workers start
            if line.startswith("workers "):
                workers = [int(p) for p in line.split()[1:]]
                break
        # The rest of its stderr (workers' lines too) is drained, so no pipe fills up.
        threading.Thread(target=bench.stderr.read, daemon=True).start()
        assert len(workers) == 2
        assert all(_alive(p) for p in workers)
        time.sleep(1)  # mid-run: deliveries are being fed
        bench.send_signal(how)
        assert bench.wait(timeout=120) != 0
        assert not any(_alive(p) for p in workers)
    finally:
        if bench.poll() is None:
            bench.kill()
        for pid in workers:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)

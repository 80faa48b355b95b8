"""All or nothing with a parsing process: an ingest killed with SIGKILL while its second
process parses leaves the store as it was, and the parsing process does not outlive it."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from joinedup.ingest.pipeline import PARSE_PROCESS_SETTING
from joinedup.store import make_engine, upgrade
from tests.integration.ingest import test_atomic_kill as atomic_kill
from tests.support.hostile import big_housing_delivery, table_counts


def test_sigkill_mid_ingest_with_a_parsing_process_leaves_the_store_as_it_was(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # the same test as for one process; the ingest it kills (a CLI process) inherits this
    monkeypatch.setenv(PARSE_PROCESS_SETTING, "always")
    atomic_kill.test_sigkill_mid_ingest_leaves_the_store_as_it_was(database_url, tmp_path)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # pid (comm) state ppid ...: comm may hold spaces, so split after its ")"
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has exited


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc (Linux)")
def test_the_parsing_process_exits_when_the_ingest_is_killed(tmp_path: Path) -> None:
    store = tmp_path / "store.db"
    engine = make_engine(f"sqlite:///{store}")
    upgrade(engine)
    before = table_counts(engine)
    writing = atomic_kill._sqlite_writing(str(store))
    folder = big_housing_delivery(tmp_path / "delivery", 6_000)
    environment = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": f"sqlite:///{store}",
        PARSE_PROCESS_SETTING: "always",
    }
    ingest = subprocess.Popen(
        atomic_kill._command(folder),
        env=environment,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    parsers: list[int] = []
    deadline = time.monotonic() + 60
    while ingest.poll() is None and time.monotonic() < deadline:
        parsers = _children(ingest.pid)
        if parsers and writing():
            break
        time.sleep(0.02)
    assert parsers and ingest.poll() is None, "the ingest finished before it could be killed"
    ingest.send_signal(signal.SIGKILL)
    ingest.wait(timeout=60)
    deadline = time.monotonic() + 15
    while any(map(_running, parsers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_running, parsers)), "the parsing process outlived the ingest"
    assert table_counts(engine) == before
    engine.dispose()

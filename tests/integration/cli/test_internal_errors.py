"""A bug in a command is one line naming the command and the error's kind, exit code 70,
never a traceback on the operator's screen: the traceback goes to a private log file that the
line names, or to stderr with ``joinedup --debug``. A real run of the command (a subprocess):
the store here is damaged (its schema says it is current, but its tables are gone), which no
check of joinedup's expects."""

from __future__ import annotations

import os
import re
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from joinedup.store import make_engine
from joinedup.store.opening import open_store

ROOT = Path(__file__).resolve().parents[3]
LINE = re.compile(
    r"^joinedup users list: internal error \(OperationalError\) — "
    r"details in (?P<log>\S+) or with --debug$"
)


@pytest.fixture
def damaged_store(tmp_path: Path) -> str:
    """A store whose alembic_version is current but whose tables are gone."""
    whole = tmp_path / "whole.db"
    engine = open_store(f"sqlite:///{whole}")
    engine.dispose()
    with sqlite3.connect(whole) as connection:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    damaged = tmp_path / "damaged.db"
    make_engine(f"sqlite:///{damaged}").dispose()  # made 0600, as the platform makes a store
    with sqlite3.connect(damaged) as connection:
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)")
        connection.execute("INSERT INTO alembic_version VALUES (?)", (version,))
    return f"sqlite:///{damaged}"


def joinedup(*args: str, store: str, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": store,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "TMPDIR": str(tmp_path),  # where the log of an internal error goes
    }
    return subprocess.run(
        [sys.executable, "-m", "joinedup.cli", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )


def test_a_bug_is_one_line_and_its_traceback_is_in_a_private_log(
    damaged_store: str, tmp_path: Path
) -> None:
    run = joinedup("users", "list", store=damaged_store, tmp_path=tmp_path)
    assert run.returncode == 70, run.stderr
    assert "Traceback" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, run.stderr
    found = LINE.match(lines[0])
    assert found, lines[0]
    log = Path(found["log"])
    assert log.parent == tmp_path
    assert stat.S_IMODE(log.stat().st_mode) == 0o600  # a traceback may quote a value
    text = log.read_text(encoding="utf-8")
    assert text.startswith("joinedup users list\nTraceback")
    assert "no such table" in text


def test_debug_shows_the_traceback_on_stderr(damaged_store: str, tmp_path: Path) -> None:
    run = joinedup("--debug", "users", "list", store=damaged_store, tmp_path=tmp_path)
    assert run.returncode == 70, run.stderr
    assert "Traceback" in run.stderr and "no such table" in run.stderr
    last = run.stderr.strip().splitlines()[-1]
    assert last == (
        "joinedup users list: internal error (OperationalError) — the traceback is above"
    )
    assert not list(tmp_path.glob("joinedup-error-*.log"))

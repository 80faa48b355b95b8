"""Issue 19, finding 10: `joinedup demo` greeted a new user with seven Splink training
warnings and a dict printed with Python's repr. Run as the README runs it (a process of its
own, on a small partnership, without serving): the output is a summary in words, with no
warning, no repr and no traceback, on stdout or stderr."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def test_the_demo_says_what_it_did_in_words(tmp_path: Path) -> None:
    env = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}",
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "COLUMNS": "120",
    }
    env.pop("JOINEDUP_AUDIT_KEY_DIR", None)
    env.pop("JOINEDUP_AUDIT_WITNESS", None)
    done = subprocess.run(
        [sys.executable, "-m", "joinedup.cli", "demo", "--children", "150", "--seed", "4",
         "--no-serve"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    for noise in ("{'", "Warning", "WARNING", "Traceback", "not observed in dataset"):
        assert noise not in said, f"{noise!r} in:\n{said}"
    assert "The demo partnership is loaded" in done.stdout
    assert "Children's social care" in done.stdout  # agencies by name, not code
    assert "Interventions: " in done.stdout
    assert "demo-password-synthetic-only" in done.stdout
    assert "social.worker" in done.stdout and "Social worker" in done.stdout
    assert "SOCIAL_WORKER" not in done.stdout

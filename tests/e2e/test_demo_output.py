"""Issue 19, finding 10: `joinedup demo` greeted a new user with seven Splink training
warnings and a dict printed with Python's repr, and ran neither the alerts worker nor a mail
relay. Run as the README runs it (a process of its own, on a small partnership): the output
is a summary in words, with no warning, no repr and no traceback; serving, the web app, the
alerts worker and the mail sink run together and Ctrl-C stops all three cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from joinedup.accounts.demo_users import DEMO_PASSWORD
from tests.support.webapp import free_port

NOISE = ("{'", "Warning", "WARNING", "Traceback", "not observed in dataset")
DEMO = [sys.executable, "-m", "joinedup.cli", "demo", "--children", "150", "--seed", "4"]


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    folder = tmp_path_factory.mktemp("demo")
    env = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": f"sqlite:///{folder / 'demo.db'}",
        "XDG_CONFIG_HOME": str(folder / "config"),
        "XDG_STATE_HOME": str(folder / "state"),
        "COLUMNS": "120",
    }
    for name in ("JOINEDUP_AUDIT_KEY_DIR", "JOINEDUP_AUDIT_WITNESS", "JOINEDUP_SMTP_URL"):
        env.pop(name, None)
    return folder, env


def test_the_demo_says_what_it_did_in_words(demo_folder: tuple[Path, dict[str, str]]) -> None:
    folder, env = demo_folder
    done = subprocess.run(
        [*DEMO, "--no-serve"], cwd=folder, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stderr
    said = done.stdout + done.stderr
    for noise in NOISE:
        assert noise not in said, f"{noise!r} in:\n{said}"
    assert "The demo partnership is loaded" in done.stdout
    assert "Children's social care" in done.stdout  # agencies by name, not code
    assert "Interventions: " in done.stdout
    assert "demo-password-synthetic-only" in done.stdout
    assert "social.worker" in done.stdout and "Social worker" in done.stdout
    assert "SOCIAL_WORKER" not in done.stdout


def _signed_in(url: str, username: str) -> httpx.Client:
    client = httpx.Client(base_url=url, timeout=30)
    answer = client.post("/api/v1/session", json={"username": username, "password": DEMO_PASSWORD})
    assert answer.status_code == 201, answer.text
    client.headers["Cookie"] = f"joinedup_session={answer.cookies['joinedup_session']}"
    client.cookies.clear()
    return client


def _until_served(url: str, process: Any, deadline_seconds: float = 600) -> None:
    deadline = time.monotonic() + deadline_seconds
    while time.monotonic() < deadline:
        assert process.poll() is None, "the demo stopped before serving"
        try:
            if httpx.get(f"{url}/login", timeout=5).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.5)
    pytest.fail("the demo did not serve")


def test_ctrl_c_stops_the_web_app_the_worker_and_the_mail_sink(
    demo_folder: tuple[Path, dict[str, str]],
) -> None:
    folder, env = demo_folder
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    process = subprocess.Popen(
        [*DEMO, "--port", str(port)], cwd=folder, env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    try:
        _until_served(url, process)
        admin = _signed_in(url, "admin")
        page = admin.get("/admin/mail")
        assert page.status_code == 200 and "Emails sent" in page.text
        # the alerts worker is running: the health check sees its completed cycles
        deadline = time.monotonic() + 120
        while admin.get("/api/v1/health/alerts").status_code != 200:
            assert time.monotonic() < deadline, "no alerts worker completed a cycle"
            time.sleep(0.5)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, stderr
    said = stdout + stderr
    assert "Ctrl-C stops the web app, the alerts worker and the mail sink" in stdout
    assert "smtp://127.0.0.1:" in stdout  # the alerts are emailed to the demo's own sink
    assert "Stopped the web app, the alerts worker and the mail sink." in stderr
    for noise in NOISE:
        assert noise not in said, f"{noise!r} in:\n{said}"

"""NHS England's own MESH sandbox (``mesh-sandbox``, MIT), run on loopback as the real
counterpart of the MESH receiver's tests.

The sandbox pins its own FastAPI release (older than joinedup's), so it cannot share the
project's environment: it is installed once into a virtual environment of its own under the
user's cache folder (from PyPI, as any test dependency is installed; nothing is downloaded
when it already exists) and run from there with uvicorn, storing messages in files, with
MESH's full authentication (mailbox password and the environment's shared key, checked by
the sandbox as the real service does). Its canned mailboxes X26ABC1..3 have the password
``password``.
"""

from __future__ import annotations

import fcntl
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.webapp import free_port

RELEASE = "mesh-sandbox==1.0.137"
SHARED_KEY = "TestKey"
PASSWORD = "password"
PARTNERSHIP, HEALTH, STRANGER = "X26ABC1", "X26ABC2", "X26ABC3"


def sandbox_python() -> Path:
    """The sandbox's interpreter, its environment made once (under a lock: xdist workers)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "joinedup-tests"
    home = cache / RELEASE.replace("==", "-")
    python = home / "bin" / "python"
    cache.mkdir(parents=True, exist_ok=True)
    with (cache / "mesh-sandbox.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        ready = home / ".installed"
        if not ready.exists():
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(home)], check=True)
            subprocess.run(
                [str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check", RELEASE],
                check=True,
            )
            ready.touch()
    return python


@contextmanager
def mesh_sandbox(store: Path) -> Iterator[str]:
    """A running sandbox keeping its messages under ``store``; its URL."""
    port = free_port()
    environment = {
        **os.environ,
        "STORE_MODE": "file",
        "MAILBOXES_DATA_DIR": str(store),
        "AUTH_MODE": "full",
        "SHARED_KEY": SHARED_KEY,
    }
    server = subprocess.Popen(
        [str(sandbox_python()), "-m", "uvicorn", "mesh_sandbox.api:app", "--port", str(port)],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=1).is_success:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                detail = server.stderr.read().decode()[-500:] if server.stderr else ""
                raise AssertionError(f"the MESH sandbox did not start: {detail}")
            time.sleep(0.1)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)

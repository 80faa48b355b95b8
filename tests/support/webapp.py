"""A live joinedup web app for the web and API tests: a small synthetic partnership loaded
into a temporary SQLite store (synth -> ingest -> link -> agreements -> demo users), served
by uvicorn in a background thread on a free loopback port."""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine

from joinedup import services
from joinedup.accounts import demo_users
from joinedup.accounts.demo_users import DEMO_PASSWORD

CHILDREN = 250


@dataclass
class LiveApp:
    url: str
    engine: Engine
    users: dict[str, dict[str, Any]]  # by role

    def username(self, role: str) -> str:
        return str(self.users[role]["username"])

    def api_session(self, role: str) -> httpx.Client:
        """An API client signed in as the demo user of ``role``, sending the session
        cookie and the CSRF header (cookies are Secure, so they are set by hand on http)."""
        client = httpx.Client(base_url=self.url, timeout=30)
        answer = client.post(
            "/api/v1/session", json={"username": self.username(role), "password": DEMO_PASSWORD}
        )
        assert answer.status_code == 201, answer.text
        client.headers["Cookie"] = f"joinedup_session={answer.cookies['joinedup_session']}"
        client.headers["X-CSRF-Token"] = answer.json()["csrf_token"]
        client.cookies.clear()
        return client


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build_store(folder: Path) -> tuple[Engine, list[dict[str, Any]]]:
    from joinedup.synth import SynthOptions, generate_partnership

    partnership = folder / "partnership"
    generate_partnership(partnership, children=CHILDREN, seed=6, options=SynthOptions())
    engine = services.open_store(f"sqlite:///{folder / 'web.db'}")
    for delivery in services.deliveries_in(partnership):
        services.ingest(engine, delivery, link=False)
    services.link_people(engine)
    services.load_agreements(
        engine, sorted(services.EXAMPLE_AGREEMENTS.glob("*.yaml")), loaded_by="tests"
    )
    return engine, demo_users.create(engine)


def shared_store(tmp_path_factory: pytest.TempPathFactory, folder: Path) -> list[dict[str, Any]]:
    """Build the store once for every xdist worker (under a file lock, in the temporary
    folder they share) and give this worker its own copy; returns the demo users."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    template = root / "webapp-store"
    with open(root / "webapp-store.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (template / "users.json").exists():
            template.mkdir(exist_ok=True)
            engine, users = build_store(template)
            engine.dispose()
            (template / "users.json").write_text(json.dumps(users))
    for path in template.glob("web.db*"):  # the store (its signing key is in XDG_CONFIG_HOME)
        shutil.copy2(path, folder / path.name)
    return list(json.loads((template / "users.json").read_text()))


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveApp]:
    folder = tmp_path_factory.mktemp("webapp")
    users = shared_store(tmp_path_factory, folder)
    engine = services.open_store(f"sqlite:///{folder / 'web.db'}")
    with served(engine, users) as app:
        yield app


@contextmanager
def served(
    engine: Engine, users: list[dict[str, Any]], *, app_factory: Any = None
) -> Iterator[LiveApp]:
    """The web app on ``engine`` (or ``app_factory(engine)``'s), served by uvicorn in a
    background thread on a free loopback port until the block ends (the engine is disposed
    then)."""
    import uvicorn

    from joinedup.asgi import create_app

    port = free_port()
    app = (app_factory or create_app)(engine)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "the web app did not start"
        time.sleep(0.05)
    try:
        yield LiveApp(f"http://127.0.0.1:{port}", engine, {u["role"]: u for u in users})
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        engine.dispose()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's Chromium, headless, driven by Playwright."""
    from playwright.sync_api import sync_playwright

    executable = "/usr/bin/chromium"
    if not Path(executable).exists():
        pytest.fail("Chromium is missing: apt-get install chromium (.ci/run does)")
    args = ["--no-sandbox"] if os.geteuid() == 0 else []
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=executable, headless=True, args=args)
        yield launched
        launched.close()


@pytest.fixture
def page(browser: Any, live_app: LiveApp) -> Iterator[Any]:
    from playwright.sync_api import expect

    # Generous waits: CI shares two cores with the other suites (-n 2).
    expect.set_options(timeout=20_000)
    context = browser.new_context(base_url=live_app.url)
    context.set_default_timeout(30_000)
    yield context.new_page()
    context.close()


def sign_in(page: Any, username: str, password: str = DEMO_PASSWORD) -> None:
    page.goto("/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password", exact=True).fill(password)
    page.get_by_role("button", name="Sign in").click()


@contextmanager
def served_copy(tmp_path_factory: pytest.TempPathFactory, name: str) -> Iterator[LiveApp]:
    """A live app on a copy of the shared store of its own, for tests that add to the store
    (alerts, audit entries...) without changing what the other tests see."""
    folder = tmp_path_factory.mktemp(name)
    users = shared_store(tmp_path_factory, folder)
    with served(services.open_store(f"sqlite:///{folder / 'web.db'}"), users) as app:
        yield app

"""``JOINEDUP_ENV=production`` refuses to start the web app, ``joinedup serve`` and the alerts
worker on a setting only safe on a developer's machine, one refusal per setting; the same
settings are fine in development (the demo and the tests), and a safe production
configuration starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from joinedup.alerts import worker
from joinedup.asgi import create_app
from joinedup.config import ConfigError
from joinedup.store import make_engine
from tests.support.webapp import free_port

KEY = "k" * 40
SAFE = {
    "JOINEDUP_ENV": "production",
    "JOINEDUP_SECRET_KEY": KEY,
    "JOINEDUP_PSEUDONYM_KEY": KEY.upper(),
    "JOINEDUP_COOKIE_SECURE": "1",
    # what stays on this machine, or is encrypted, is allowed
    "JOINEDUP_SMTP_URL": "smtp://relay.exampleshire.example:587?starttls=1",
    "JOINEDUP_ALERT_WEBHOOK_URL": "https://cms.exampleshire.example/alerts",
    "JOINEDUP_ALERT_OPERATOR_WEBHOOK_URL": "http://127.0.0.1:9000/operator",
}
UNSAFE = [
    pytest.param("JOINEDUP_SECRET_KEY", None, "JOINEDUP_SECRET_KEY is unset", id="no-secret-key"),
    pytest.param(
        "JOINEDUP_SECRET_KEY", "short", "JOINEDUP_SECRET_KEY is shorter than 32", id="short-key"
    ),
    pytest.param("JOINEDUP_COOKIE_SECURE", "0", "JOINEDUP_COOKIE_SECURE=0", id="cookies-over-http"),
    pytest.param(
        "JOINEDUP_PSEUDONYM_KEY", None, "JOINEDUP_PSEUDONYM_KEY is unset", id="derived-pseudonyms"
    ),
    pytest.param(
        "JOINEDUP_SMTP_URL",
        "smtp://relay.exampleshire.example:25",
        "JOINEDUP_SMTP_URL sends alerts unencrypted to relay.exampleshire.example",
        id="plain-smtp",
    ),
    pytest.param(
        "JOINEDUP_ALERT_WEBHOOK_URL",
        "http://cms.exampleshire.example/alerts",
        "JOINEDUP_ALERT_WEBHOOK_URL posts unencrypted (http://) to cms.exampleshire.example",
        id="plain-webhook",
    ),
    pytest.param(
        "JOINEDUP_ALERT_OPERATOR_WEBHOOK_URL",
        "http://ops.exampleshire.example/hook",
        "JOINEDUP_ALERT_OPERATOR_WEBHOOK_URL posts unencrypted (http://) to ops",
        id="plain-operator-webhook",
    ),
]


def _set(monkeypatch: pytest.MonkeyPatch, values: dict[str, str | None]) -> None:
    for name, value in values.items():
        if value is None:
            monkeypatch.delenv(name, raising=False)
        else:
            monkeypatch.setenv(name, value)


@pytest.mark.parametrize(("name", "value", "refusal"), UNSAFE)
def test_production_refuses_to_start_the_web_app(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str | None, refusal: str
) -> None:
    _set(monkeypatch, {**SAFE, name: value})
    with pytest.raises(ConfigError) as refused:
        create_app()  # refused before the store is opened
    message = str(refused.value)
    assert message.startswith("JOINEDUP_ENV=production refuses to start: ")
    assert refusal in message and "\n" not in message
    assert KEY not in message and KEY.upper() not in message


@pytest.mark.parametrize(("name", "value", "refusal"), UNSAFE)
def test_production_refuses_to_start_the_alerts_worker(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, name: str, value: str | None, refusal: str
) -> None:
    _set(monkeypatch, {**SAFE, name: value})
    store = make_engine(f"sqlite:///{tmp_path / 'no-schema.db'}")  # refused before it is used
    with pytest.raises(ConfigError, match="JOINEDUP_ENV=production refuses to start") as refused:
        worker.run(store, once=True)
    assert refusal in str(refused.value)


def test_every_problem_is_named_in_one_refusal(monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, {**SAFE, "JOINEDUP_SECRET_KEY": None, "JOINEDUP_COOKIE_SECURE": "0"})
    with pytest.raises(ConfigError) as refused:
        create_app()
    assert "JOINEDUP_SECRET_KEY is unset" in str(refused.value)
    assert "JOINEDUP_COOKIE_SECURE=0" in str(refused.value)


def test_a_safe_production_configuration_starts(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(monkeypatch, SAFE)
    app = create_app(engine)
    assert app.state.secret_key == KEY  # the same in every process, not random per start
    with TestClient(app, base_url="https://testserver") as client:
        assert client.get("/login").status_code == 200


def test_development_takes_the_demo_defaults(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    unsafe = {str(p.values[0]): p.values[1] for p in UNSAFE if p.values[1] is not None}
    _set(monkeypatch, {**unsafe, "JOINEDUP_ENV": None, "JOINEDUP_SECRET_KEY": None})
    app = create_app(engine)
    assert len(app.state.secret_key) >= 32  # random per start
    with TestClient(app) as client:
        assert client.get("/login").status_code == 200


def test_joinedup_serve_refuses_in_one_line_before_starting_its_workers(tmp_path: Path) -> None:
    """With several workers each process would build the app and die with a traceback: the
    command refuses first, in one line."""
    env = {
        **os.environ,
        "JOINEDUP_DATABASE_URL": f"sqlite:///{tmp_path / 'serve.db'}",
        "JOINEDUP_ENV": "production",
        "JOINEDUP_PSEUDONYM_KEY": KEY,
    }
    env.pop("JOINEDUP_SECRET_KEY", None)
    port = str(free_port())
    server = subprocess.Popen(
        [sys.executable, "-m", "joinedup.cli", "serve", "--workers", "2", "--port", port],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its worker processes too are stopped if it serves
    )
    try:
        _out, err = server.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.communicate()
        pytest.fail("joinedup serve started in production with the secret key unset")
    assert server.returncode == 2, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("error: JOINEDUP_ENV=production refuses to start: ")
    assert "JOINEDUP_SECRET_KEY is unset" in lines[0]

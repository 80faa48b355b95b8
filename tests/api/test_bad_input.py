"""Bad input to the API gets a clear 4xx problem document: never a 500 or a dropped
connection, and never a validation error that shows back what was sent (a password
included). A body over the limit is refused (413) before it is read whole, whether its
length is declared or streamed. Ids beyond the store's integers are refused. The security
headers are on every answer, a 500's included. On SQLite and PostgreSQL: a live server on
the ``engine`` fixture's store."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine

from joinedup.accounts.demo_users import DEMO_PASSWORD
from joinedup.asgi import create_app
from joinedup.http.limits import DEFAULT_MAX_BODY, max_body_from_environment
from joinedup.http.security import HEADERS
from tests.support.bad_requests import (
    NOT_AN_ID,
    SECRET,
    api_operations,
    assert_refused,
    body_fields,
    callers,
    concrete,
    integer_path_parameters,
    json_bodies,
    raw_request,
    served_with_accounts,
)
from tests.support.webapp import LiveApp


@pytest.fixture
def app_on_store(engine: Engine) -> Iterator[LiveApp]:
    with served_with_accounts(engine) as app:
        yield app


def test_malformed_bodies_get_a_problem_never_a_500(app_on_store: LiveApp) -> None:
    app = app_on_store
    schema = httpx.get(f"{app.url}/openapi.json").json()
    signed_in = {caller.role: caller.client for caller in callers(app)}
    anonymous = httpx.Client(base_url=app.url, timeout=30)
    checked = set()
    for method, path, operation in api_operations(app):
        names = body_fields(schema, operation)
        if names is None:
            continue
        clients = [anonymous] + [signed_in[role] for role in operation["x-roles"][:1]]
        for label, (body, content_type) in json_bodies(names).items():
            for client in clients:
                answer = client.request(
                    method, concrete(path), content=body, headers={"content-type": content_type}
                )
                assert_refused(answer)
            checked.add((method, path, label))
    assert len({(m, p) for m, p, _ in checked}) >= 6, checked


def test_a_validation_error_names_the_field_and_never_shows_the_input(
    app_on_store: LiveApp,
) -> None:
    anonymous = httpx.Client(base_url=app_on_store.url, timeout=30)
    answer = anonymous.post("/api/v1/session", json={"username": "x", "password": SECRET * 100})
    assert_refused(answer, statuses=range(422, 423))
    problem = answer.json()
    assert [e["field"] for e in problem["errors"]] == ["body.password"]
    assert "1000 characters" in problem["errors"][0]["problem"]
    assert "password" in problem["detail"]
    assert set(problem["errors"][0]) == {"field", "problem"}  # no input, no context


def test_ids_beyond_the_store_are_refused_on_every_route(app_on_store: LiveApp) -> None:
    app = app_on_store
    signed_in = {caller.role: caller.client for caller in callers(app)}
    checked = set()
    for method, path, operation in api_operations(app):
        names = integer_path_parameters(operation)
        for name in names:
            for bad in NOT_AN_ID:
                client = signed_in[operation["x-roles"][0]]
                answer = client.request(method, concrete(path, **{name: bad}), json={})
                assert_refused(answer)
            checked.add((method, path))
    assert len(checked) >= 5, checked


def test_a_body_over_the_limit_is_refused_before_it_is_read(app_on_store: LiveApp) -> None:
    """200 MB declared and none of it sent: the answer comes at once, so the server never
    waited for (or held) the body."""
    host = app_on_store.url.removeprefix("http://")
    for path, content_type in (
        ("/api/v1/session", "application/json"),
        ("/login", "application/x-www-form-urlencoded"),
    ):
        head = (
            f"POST {path} HTTP/1.1\nHost: {host}\nContent-Type: {content_type}\n"
            f"Content-Length: {200 * 1024 * 1024}\nConnection: close\n"
        )
        answer = raw_request(app_on_store, head)
        status_line, _, rest = answer.partition(b"\r\n")
        assert status_line.startswith(b"HTTP/1.1 413"), answer[:300]
        headers = rest.split(b"\r\n\r\n", 1)[0].decode("latin-1").lower()
        for name, value in HEADERS.items():
            assert f"{name.lower()}: {value.lower()}" in headers, (path, name)
        if path.startswith("/api/"):
            assert "content-type: application/problem+json" in headers
        else:
            assert b'data-testid="error-detail"' in answer


def test_a_streamed_body_is_counted_as_it_arrives(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunked, with no length declared: refused once it passes the limit (set low here
    through the environment, as an operator would)."""
    monkeypatch.setenv("JOINEDUP_WEB_MAX_BODY_BYTES", "2048")
    with served_with_accounts(engine) as app:
        client = httpx.Client(base_url=app.url, timeout=30)

        def chunks(total: int) -> Iterator[bytes]:
            who = app.username("PARTNERSHIP_ANALYST")
            body = json.dumps({"username": who, "password": DEMO_PASSWORD, "x": "y" * total})
            for start in range(0, len(body), 500):
                yield body[start : start + 500].encode()

        refused = client.post(
            "/api/v1/session", content=chunks(4000), headers={"content-type": "application/json"}
        )
        assert_refused(refused, statuses=range(413, 414))
        taken = client.post(
            "/api/v1/session", content=chunks(100), headers={"content-type": "application/json"}
        )
        assert taken.status_code == 201, taken.text


def test_the_body_limit_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_WEB_MAX_BODY_BYTES", raising=False)
    assert max_body_from_environment() == DEFAULT_MAX_BODY == 1024 * 1024
    monkeypatch.setenv("JOINEDUP_WEB_MAX_BODY_BYTES", "65536")
    assert max_body_from_environment() == 65536
    for bad in ("lots", "-1", "0"):
        monkeypatch.setenv("JOINEDUP_WEB_MAX_BODY_BYTES", bad)
        with pytest.raises(ValueError, match="JOINEDUP_WEB_MAX_BODY_BYTES"):
            max_body_from_environment()


def test_an_unexpected_error_still_carries_the_security_headers(engine: Engine) -> None:
    app = create_app(engine)

    @app.get("/api/v1/fails", include_in_schema=False)
    @app.get("/fails", include_in_schema=False)
    def fails() -> None:
        raise RuntimeError("a bug")

    with TestClient(app, raise_server_exceptions=False) as client:
        for path, content_type in (
            ("/api/v1/fails", "application/problem+json"),
            ("/fails", "text/html"),
        ):
            answer = client.get(path)
            assert answer.status_code == 500
            assert answer.headers["content-type"].startswith(content_type)
            assert "a bug" not in answer.text
            for name, value in HEADERS.items():
                assert answer.headers.get(name) == value, (path, name)

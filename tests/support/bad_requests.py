"""Bad requests for the bad-input tests, and what every answer to one must be.

The routes come from the app itself (the OpenAPI document for the API, the page routers for
the pages), so a route added later is covered without being listed here."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import httpx
from fastapi.routing import APIRoute
from sqlalchemy import Engine

from joinedup.accounts.demo_users import DEMO_PASSWORD
from joinedup.governance.reader import purposes_for
from joinedup.governance.roles import PRACTITIONER_ROLES, Role
from joinedup.http.security import HEADERS
from joinedup.services import accounts as account_service
from tests.support.webapp import LiveApp, served

# Put into every text field of a bad request: no answer may show it back.
SECRET = "Sekr1t-Passw0rd-never-echoed"
TOO_BIG = [2**63, 2**64, 10**30]  # beyond a 64-bit column on either database
NOT_AN_ID = [0, -1, *TOO_BIG]
# Example values for path parameters that are not integers: real enough to be routed.
PATH_VALUES = {"agency": "police", "agreement_id": "EXM-MASH-001", "code": "X", "kind": "x"}


def json_bodies(names: list[str]) -> dict[str, tuple[bytes, str]]:
    """(body, content type) of malformed JSON bodies, each filling the operation's fields
    (``names``) with the bad value, and the secret where a string would do."""
    names = names or ["value"]

    def obj(value: str) -> bytes:
        return ("{" + ", ".join(f'"{n}": {value}' for n in names) + "}").encode()

    json_type = "application/json"
    return {
        "not JSON, sent as text": (f"password={SECRET}".encode(), "text/plain"),
        "not JSON, sent as JSON": (f'{{"password": "{SECRET}"'.encode(), json_type),
        "not JSON at all": (b"\x00\x01 garbage", json_type),
        "not UTF-8": (obj('"x"').replace(b'"x"', b'"\xff\xfe"'), json_type),
        "a surrogate in raw bytes": (obj('"x"').replace(b'"x"', b'"\xed\xa0\x80"'), json_type),
        "a number too large for a float": (obj("1e999"), json_type),
        "NaN": (obj("NaN"), json_type),
        "Infinity": (obj("-Infinity"), json_type),
        "an integer of 5000 digits": (obj("9" * 5000), json_type),
        "a lone surrogate": (obj('"\\ud800"'), json_type),
        "a lone surrogate in a name": (b'{"\\udfff": 1}', json_type),
        "a NUL character": (obj(f'"{SECRET}\\u0000"'), json_type),
        "nested too deeply": (b"[" * 100_000 + b"]" * 100_000, json_type),
        "the wrong types": (obj(f'{{"nested": "{SECRET}"}}'), json_type),
        "far too long": (obj(f'"{SECRET * 2000}"'), json_type),
        "a list, not an object": (f'["{SECRET}"]'.encode(), json_type),
    }  # fmt: skip


def form_bodies(names: list[str], csrf: str) -> dict[str, tuple[bytes, str]]:
    """(body, content type) of malformed form posts, each with the CSRF token so that it
    reaches the route. A page may show a person's own text back to them to correct it, but
    never a password: the secret goes into the password field (where there is one)."""
    names = names or ["value"]
    token = f"csrf_token={csrf}".encode()
    form_type = "application/x-www-form-urlencoded"

    def start(name: str) -> str:
        return SECRET if name == "password" else "x"

    def fields(bad: str) -> bytes:
        return b"&".join([token, *(f"{n}={start(n)}{bad}".encode() for n in names)])

    boundary = "joinedup-test-boundary"
    multipart = f"multipart/form-data; boundary={boundary}"

    def part(name: str, value: bytes) -> bytes:
        head = f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
        return head.encode() + value + b"\r\n"

    def parts(bad: bytes) -> bytes:
        body = part("csrf_token", csrf.encode())
        body += b"".join(part(n, start(n).encode() + bad) for n in names)
        return body + f"--{boundary}--\r\n".encode()

    return {
        "percent-encoded bytes that are not UTF-8": (fields("%FF%FE"), form_type),
        "a surrogate, percent-encoded": (fields("%ED%A0%80"), form_type),
        "a NUL character": (fields("%00"), form_type),
        "broken percent-encoding": (fields("%G0%"), form_type),
        "far too long": (fields("y" * 100_000), form_type),
        "the same field many times": (b"&".join([token] + [b"x=1"] * 5000), form_type),
        "multipart garbage": (f"--{boundary}\r\ngarbage".encode(), multipart),
        "multipart, not UTF-8": (parts(b"\xff\xfe"), multipart),
        "multipart in a charset that makes surrogates": (
            parts(b"\\ud800"), f"{multipart}; charset=raw_unicode_escape"
        ),
        "multipart with a NUL": (parts(b"\x00"), multipart),
        "JSON to a form": (f'{{"x": 1e999, "password": "{SECRET}"}}'.encode(), "application/json"),
        "no content type": (fields(""), ""),
    }  # fmt: skip


def assert_refused(answer: httpx.Response, *, statuses: range = range(400, 500)) -> None:
    """A clear refusal: a 4xx, a problem document under /api/ and the error page elsewhere,
    the security headers, and nothing sent back of what was sent (the secret)."""
    what = f"{answer.request.method} {answer.request.url.path} -> {answer.status_code}"
    assert answer.status_code in statuses, f"{what}: {answer.text[:300]}"
    assert_answer(answer)


def assert_answer(answer: httpx.Response) -> None:
    """Any answer: not a server error, the security headers, no echo of the secret, and a
    problem document (API), or the error page or the form with its error summary (pages),
    when it refuses."""
    what = f"{answer.request.method} {answer.request.url.path} -> {answer.status_code}"
    assert answer.status_code < 500, f"{what}: {answer.text[:300]}"
    for name, value in HEADERS.items():
        assert answer.headers.get(name) == value, f"{what}: no {name}"
    assert SECRET not in answer.text, f"{what} echoes what was sent: {answer.text[:300]}"
    if answer.status_code < 400:
        return
    content_type = answer.headers.get("content-type", "")
    if answer.request.url.path.startswith("/api/"):
        assert content_type.startswith("application/problem+json"), f"{what}: {content_type}"
        problem = answer.json()
        assert problem["status"] == answer.status_code and problem["detail"], what
    else:
        assert content_type.startswith("text/html"), f"{what}: {content_type}"
        page = answer.text
        assert 'data-testid="error-detail"' in page or "govuk-error-summary" in page, (
            f"{what}: neither the error page nor the form with its error summary"
        )


AGENCY_OF = {"POLICE": "police", "HEALTH": "health", "SCHOOL": "education"}


@contextmanager
def served_with_accounts(engine: Engine) -> Iterator[LiveApp]:
    """The web app on ``engine`` (any store, an empty one too) with one account per role
    (password ``DEMO_PASSWORD``)."""
    users = []
    for role in Role:
        username = role.value.lower().replace("_", ".")
        agency = next((a for k, a in AGENCY_OF.items() if role.value.startswith(k)), None)
        users.append(
            account_service.add_user(
                engine,
                username=username,
                role=role.value,
                agency=agency or "social_care",
                display_name=f"Test {role.value.title()}",
                password=DEMO_PASSWORD,
                practitioner_key=f"{username}@example.test" if role in PRACTITIONER_ROLES else None,
                created_by="tests",
            )
        )
    with served(engine, users) as app:
        yield app


@dataclass
class Caller:
    """A signed-in client of one role, its purpose declared, with its CSRF token."""

    role: str
    client: httpx.Client
    csrf: str = field(default="")


def callers(app: LiveApp) -> Iterator[Caller]:
    """One signed-in caller per role, each with a purpose declared (AUDIT where the role has
    it, to reach the privacy officer's pages)."""
    for role in app.users:
        client = app.api_session(role)
        purposes = [p.value for p in purposes_for(role)]
        if purposes:
            chosen = "AUDIT" if "AUDIT" in purposes else purposes[0]
            declared = client.put("/api/v1/session/purpose", json={"purpose": chosen})
            assert declared.status_code == 200, declared.text
        yield Caller(role, client, client.headers["X-CSRF-Token"])


def api_operations(app: LiveApp) -> list[tuple[str, str, dict[str, Any]]]:
    """(method, path template, operation) of every API operation in the OpenAPI document."""
    schema = httpx.get(f"{app.url}/openapi.json").json()
    return [
        (method.upper(), path, operation)
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def body_fields(schema: dict[str, Any], operation: dict[str, Any]) -> list[str] | None:
    """The field names of an operation's JSON body, or None when it takes no body."""
    content = operation.get("requestBody", {}).get("content", {})
    if "application/json" not in content:
        return None
    body = content["application/json"]["schema"]
    if "$ref" in body:
        body = schema["components"]["schemas"][body["$ref"].rsplit("/", 1)[-1]]
    return sorted(body.get("properties", {}))


def integer_path_parameters(operation: dict[str, Any]) -> list[str]:
    return [
        p["name"]
        for p in operation.get("parameters", [])
        if p["in"] == "path" and p.get("schema", {}).get("type") == "integer"
    ]


def concrete(path: str, **values: Any) -> str:
    """The path template with every parameter filled: ``values`` first, then an example."""
    return re.sub(
        r"\{(\w+)\}", lambda m: str(values.get(m.group(1), PATH_VALUES.get(m.group(1), 1))), path
    )


def page_routes() -> list[APIRoute]:
    """Every page route the app serves (the routers ``create_app`` includes)."""
    from joinedup.web import pages

    return [r for router in pages.routers() for r in router.routes if isinstance(r, APIRoute)]


def integer_path_names(route: APIRoute) -> list[str]:
    return [p.name for p in route.dependant.path_params if p.field_info.annotation is int]


def form_fields(route: APIRoute) -> list[str]:
    return [p.name for p in route.dependant.body_params]


def raw_request(app: LiveApp, head: str, body: bytes = b"") -> bytes:
    """Send ``head`` (the request line and headers) and ``body`` over a plain socket and
    return what the server answers before it closes the connection (for what httpx will
    not send: a Content-Length larger than the body sent)."""
    address = urlsplit(app.url)
    with socket.create_connection((address.hostname, address.port), timeout=30) as sock:
        sock.sendall(head.replace("\n", "\r\n").encode() + b"\r\n" + body)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    return answer

"""A partner that answers 200 with something that is not JSON (a proxy's error page, a
misconfigured URL) is a refused exchange in one line, never a traceback: the CLI and the
worker's retry both see ``PartnerRefused`` (red team)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from joinedup.services import exchange_client
from tests.support import partnerships

from .conftest import Pair

ANSWERS = {
    "an HTML page": (b"<html><body>Service unavailable</body></html>", "text/html"),
    "a JSON list": (b"[1, 2, 3]", "application/json"),
    "truncated JSON": (b'{"session": "ab', "application/json"),
}


@pytest.fixture(params=list(ANSWERS))
def garbage_partner(request: pytest.FixtureRequest) -> Iterator[str]:
    body, kind = ANSWERS[request.param]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            self.rfile.read(int(self.headers.get("Content-Length") or 0))
            self.send_response(200)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_partner_answering_what_is_not_its_protocol_is_refused_in_one_line(
    pair: Pair, garbage_partner: str
) -> None:
    urls = {name: side.url for name, side in pair.sides.items()}
    (pair.folder / "garbage").mkdir()
    sides = partnerships.sides(pair.folder / "garbage", urls,
                               {name: garbage_partner for name in urls})  # fmt: skip
    with sides["otherbury"].active(), pytest.raises(exchange_client.PartnerRefused) as refused:
        exchange_client.run(pair.b, "exampleshire")
    assert "\n" not in str(refused.value)
    assert "not" in str(refused.value) and "JSON" in str(refused.value)

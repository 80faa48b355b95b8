"""The agency's side of the HTTPS push (``joinedup deliver``): what an agency's system does
to send a delivery folder to the partnership, and what the tests drive a real server with.

It sends the manifest, asks what has arrived (a transfer that was cut off resumes from the
service's count, never from its own guess), sends each file's missing bytes in chunks no
larger than the service accepts, and asks for the ingest. A chunk that fails on the way is
sent again from the offset the service reports; a chunk whose answer was lost is not written
twice (the service refuses an offset it has passed and says where to continue).
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from joinedup.errors import BadInput, DeliveryRejected
from joinedup.ingest.manifest import MANIFEST
from joinedup.receive import tokens

Progress = Callable[[str, int, int], None]  # file, bytes sent of it, its size
CHUNK = 512 * 1024
ATTEMPTS = 8  # about 20 s of retrying in all: a receiver restarting, a network blip


class Sender:
    def __init__(
        self,
        url: str,
        private_pem: bytes,
        *,
        agency: str,
        chunk: int = CHUNK,
        attempts: int = ATTEMPTS,
        client: httpx.Client | None = None,
    ) -> None:
        self.base = url.rstrip("/") + "/api/v1/deliveries"
        self.private_pem = private_pem
        self.agency = agency
        self.chunk = chunk
        self.attempts = attempts
        self.client = client or httpx.Client(timeout=120)

    def _headers(self, **more: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {tokens.mint(self.agency, self.private_pem)}", **more}

    def _call(self, method: str, url: str, **kwargs: Any) -> httpx.Response:
        """One request with a fresh token, sent again (with another) when the connection
        fails; the service's answer, whatever its status."""
        extra = kwargs.pop("headers", {})
        for attempt in range(self.attempts):
            headers = self._headers(**extra)
            try:
                return self.client.request(method, url, headers=headers, **kwargs)
            except httpx.TransportError:
                if attempt == self.attempts - 1:
                    raise
                time.sleep(min(2**attempt * 0.2, 5.0))
        raise AssertionError("unreachable")

    def send(self, folder: Path, progress: Progress | None = None) -> dict[str, Any]:
        manifest_bytes = (Path(folder) / MANIFEST).read_bytes()
        answer = self._expect(self._call("POST", self.base, content=manifest_bytes))
        if answer["status"] != "receiving":
            return answer
        name = answer["delivery"]
        limit = int(answer.get("max_chunk_bytes") or self.chunk)
        chunk = max(1024, min(self.chunk, limit - 1024))
        for entry in answer["files"]:
            if not entry["complete"]:
                self._send_file(
                    name, Path(folder) / entry["path"], entry["received"], chunk, progress
                )
        return self._expect(self._call("POST", f"{self.base}/{name}/complete"))

    def _send_file(
        self, name: str, path: Path, offset: int, chunk: int, progress: Progress | None
    ) -> None:
        size = path.stat().st_size
        url = f"{self.base}/{name}/files/{path.name}"
        with path.open("rb") as source:
            while True:
                source.seek(offset)
                data = source.read(chunk)
                if not data and offset >= size and size > 0:
                    return
                last = offset + len(data) - 1
                headers = {"Content-Range": f"bytes {offset}-{last}/{size}"} if size else {}
                reply = self._call("PUT", url, content=data, headers=headers)
                if reply.status_code == 409 and "received" in _json(reply):
                    offset = int(_json(reply)["received"])  # resume where the service is
                    if offset >= size:
                        return
                    continue
                state = self._expect(reply)
                offset = int(state["received"])
                if progress:
                    progress(path.name, offset, size)
                if state["complete"] or size == 0:
                    return

    @staticmethod
    def _expect(reply: httpx.Response) -> dict[str, Any]:
        body = _json(reply)
        if reply.status_code >= 400:
            detail = body.get("detail") or reply.text[:200]
            if reply.status_code in (400, 422):
                raise DeliveryRejected(f"the partnership refused the delivery: {detail}")
            raise BadInput(f"the partnership answered {reply.status_code}: {detail}")
        return body


def _json(reply: httpx.Response) -> dict[str, Any]:
    try:
        body = reply.json()
    except (json.JSONDecodeError, ValueError):
        return {}
    return body if isinstance(body, dict) else {}

"""``Server-Timing`` on every response: how long the server spent on the request, so a
browser's developer tools, a load balancer and the benchmark (``bench/bench_web.py``) see
the server-side time apart from the network and the client."""

from __future__ import annotations

import time
from typing import Any


class ServerTiming:
    """Pure ASGI middleware (no buffering of the body): the time until the response starts."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_with_timing(message: Any) -> None:
            if message["type"] == "http.response.start":
                ms = (time.perf_counter() - started) * 1000
                headers = list(message.get("headers", []))
                headers.append((b"server-timing", f"app;dur={ms:.2f}".encode()))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, send_with_timing)

"""Admission control: at most ``JOINEDUP_WEB_CONCURRENCY`` requests (default 2) are handled at
once in each server process; the rest wait their turn, first come first served.

Why: route handlers are Python and share one interpreter lock per process. Fifty requests
admitted at once on two cores are not handled fifty times faster, they are time-sliced, so
every one of them takes fifty times as long, each holds a database connection and its
memory meanwhile, and none finishes early. Taking a few at a time gives the same throughput,
answers each admitted request in about its own handling time, and bounds the connections a
process holds. Two per process (the default) was measured best with two processes on two
cores: 36 requests/s against 25 with four, on the 100,000-child PostgreSQL store
(docs/performance.md); a slot's request waits on the database part of the time, and the
other slot uses the core meanwhile.

The wait is reported, not hidden: the response's ``Server-Timing`` carries ``queue;dur=``
(time waiting for admission) beside ``app;dur=`` (time handling it), and the benchmark
reports both and the client-side latency, which includes both.
"""

from __future__ import annotations

import asyncio
import time
import weakref
from typing import Any

from joinedup.config import settings

DEFAULT_CONCURRENCY = 2


def concurrency_from_environment() -> int:
    return settings().web.concurrency


class Admission:
    """Pure ASGI middleware; static assets (``/static``) are served without waiting."""

    def __init__(self, app: Any, concurrency: int | None = None) -> None:
        self.app = app
        self.concurrency = concurrency or concurrency_from_environment()
        # one semaphore per event loop: a server process runs one loop, but a test client
        # may run each request on a loop of its own, and a semaphore belongs to one loop.
        self._slots: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore]
        self._slots = weakref.WeakKeyDictionary()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http" or scope.get("path", "").startswith("/static/"):
            await self.app(scope, receive, send)
            return
        loop = asyncio.get_running_loop()
        slots = self._slots.get(loop)
        if slots is None:
            slots = self._slots[loop] = asyncio.Semaphore(self.concurrency)
        arrived = time.perf_counter()
        async with slots:
            waited = (time.perf_counter() - arrived) * 1000

            async def send_with_queue_time(message: Any) -> None:
                if message["type"] == "http.response.start":
                    headers = list(message.get("headers", []))
                    headers.append((b"server-timing", f"queue;dur={waited:.2f}".encode()))
                    message = {**message, "headers": headers}
                await send(message)

            await self.app(scope, receive, send_with_queue_time)

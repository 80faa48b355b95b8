"""Admission control: no more than the configured number of requests are handled at once,
the rest wait their turn and are told how long they waited, static assets never wait."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import httpx
import pytest

from joinedup.http.admission import DEFAULT_CONCURRENCY, Admission, concurrency_from_environment


def in_own_thread(scenario: Any) -> None:
    """Run the coroutine in a thread of its own: a browser test earlier in this process (the
    sync Playwright API) can leave an event loop running in the main thread, where
    ``asyncio.run`` refuses to start (the heaviest files now run first)."""
    failures: list[BaseException] = []

    def run() -> None:
        try:
            asyncio.run(scenario())
        except BaseException as error:  # noqa: BLE001 - re-raised in the test's thread
            failures.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if failures:
        raise failures[0]


class Busy:
    """An ASGI app that holds every request until released, counting how many it holds."""

    def __init__(self) -> None:
        self.active = 0
        self.most = 0
        self.release = asyncio.Event()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        self.active += 1
        self.most = max(self.most, self.active)
        try:
            if not scope["path"].startswith("/static/"):
                await self.release.wait()
            await send({"type": "http.response.start", "status": 200, "headers": []})
            await send({"type": "http.response.body", "body": b"ok"})
        finally:
            self.active -= 1


async def _settle(rounds: int = 50) -> None:
    for _ in range(rounds):
        await asyncio.sleep(0)


async def _until(condition: Any, rounds: int = 20_000) -> None:
    """Yield until ``condition()`` holds (a loaded machine takes more turns to get there)."""
    for _ in range(rounds):
        if condition():
            return
        await asyncio.sleep(0)


def test_at_most_the_configured_requests_are_handled_at_once() -> None:
    async def scenario() -> None:
        inner = Busy()
        app = Admission(inner, concurrency=2)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as client:
            pending = [asyncio.create_task(client.get(f"/api/v1/x/{n}")) for n in range(6)]
            await _until(lambda: inner.active >= 2)
            await _settle()  # and no third is let in while they are held
            assert inner.active == 2  # two admitted, four waiting
            static = await client.get("/static/app.css")  # never queued behind them
            assert static.status_code == 200
            inner.release.set()
            responses = await asyncio.gather(*pending)
        assert inner.most == 2 + 1  # the two held requests and the static asset
        assert [r.status_code for r in responses] == [200] * 6
        for r in responses:
            assert "queue;dur=" in r.headers["server-timing"]
        assert "server-timing" not in static.headers

    in_own_thread(scenario)


def test_concurrency_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JOINEDUP_WEB_CONCURRENCY", raising=False)
    assert concurrency_from_environment() == DEFAULT_CONCURRENCY == 2
    monkeypatch.setenv("JOINEDUP_WEB_CONCURRENCY", "7")
    assert concurrency_from_environment() == 7
    for bad in ("0", "-1", "many"):
        monkeypatch.setenv("JOINEDUP_WEB_CONCURRENCY", bad)
        with pytest.raises(ValueError, match="JOINEDUP_WEB_CONCURRENCY"):
            concurrency_from_environment()

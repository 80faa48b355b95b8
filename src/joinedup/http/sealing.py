"""A signed head over the audit log after every request that appended entries, in batches
of at most one round a second per store (``governance.audit.seal.seal_due``): sealed off
the event loop once the response has been sent, so the reader does not wait for it; outside
admission control, so it holds no request's slot."""

from __future__ import annotations

from typing import Any

from starlette.concurrency import run_in_threadpool

from joinedup.governance.audit.seal import collecting, seal, seal_due


class AuditSealing:
    """Pure ASGI middleware (the request's context, shared with the threads its handlers
    run in, collects the stores they append to)."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        with collecting() as appended:
            try:
                await self.app(scope, receive, send)
            finally:
                for engine in list(appended.values()):
                    # (asked on the loop: a thread only for the round, about once a second)
                    if seal_due(engine):
                        await run_in_threadpool(seal, engine)

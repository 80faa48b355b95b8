"""What a request may carry: a body of bounded size, and integer ids the store can hold.

``RecordId``  the type of every integer id in a path (API and pages): 1 to ``MAX_ID``, so
              a larger number is refused (422 for the API, "not found" for a page) before
              it reaches the store, where SQLite raises OverflowError beyond 2**63 - 1 and
              PostgreSQL an out-of-range error.
``BodyLimit`` pure ASGI middleware: a body declared (Content-Length) larger than the limit
              is answered 413 at once, before any of it is read; a body without a declared
              length (chunked) is counted as it arrives and refused with 413 once it passes
              the limit, so the server never holds more than the limit of one body.
              ``JOINEDUP_WEB_MAX_BODY_BYTES`` sets the limit (default 1 MiB: the largest
              form or JSON body the app takes is a few kilobytes of text).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Path
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers
from starlette.exceptions import HTTPException
from starlette.requests import Request

from joinedup.config import settings

# Within a 64-bit integer column on either database, and exact as a JSON number in any
# client (2**53).
MAX_ID = 2**53
RecordId = Annotated[int, Path(ge=1, le=MAX_ID, description="An id the store gave.")]

DEFAULT_MAX_BODY = 1024 * 1024
MAX_BODY_VARIABLE = "JOINEDUP_WEB_MAX_BODY_BYTES"


def max_body_from_environment() -> int:
    return settings().web.max_body_bytes


def _in_words(size: int) -> str:
    if size >= 1024 * 1024 and size % (1024 * 1024) == 0:
        return f"{size // (1024 * 1024)} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size} bytes"


class BodyTooLarge(HTTPException):
    """Raised from ``receive`` when a streamed body passes the limit: an ``HTTPException``,
    so FastAPI's body reading passes it on unchanged to the app's error handler."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, too_large(limit))


def too_large(limit: int) -> str:
    return f"the request's body is larger than the {_in_words(limit)} this service accepts"


def _declared_length(scope: Any) -> int | None:
    value = Headers(scope=scope).get("content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None  # the HTTP server refuses a malformed length before the app sees it


async def _refuse(scope: Any, receive: Any, send: Any, limit: int) -> None:
    from starlette.responses import Response

    from joinedup.http.auth import is_api
    from joinedup.http.errors import error_page, problem

    request = Request(scope, receive)
    response: Response
    if is_api(request):
        response = problem(413, too_large(limit))
    else:  # the error page looks up the session (a database read): not on the event loop
        response = await run_in_threadpool(error_page, request, 413, too_large(limit))
    await response(scope, receive, send)


class BodyLimit:
    """Pure ASGI middleware refusing bodies over ``limit`` bytes (see the module's doc)."""

    def __init__(self, app: Any, limit: int | None = None) -> None:
        self.app = app
        self.limit = limit or max_body_from_environment()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = _declared_length(scope)
        if declared is not None and declared > self.limit:
            await _refuse(scope, receive, send, self.limit)
            return
        received = 0

        async def counted() -> Any:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.limit:
                    raise BodyTooLarge(self.limit)
            return message

        await self.app(scope, counted, send)

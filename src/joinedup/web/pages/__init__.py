"""Server-rendered pages, one module per area; each has a ``router`` (and may add
navigation entries with ``joinedup.web.navigation.add``)."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from joinedup.web.pages import agreements, child, home, privacy, quality, review, signin

    return [m.router for m in (signin, home, child, review, quality, agreements, privacy)]

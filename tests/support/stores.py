"""SQLite stores for integration tests: load a synthetic partnership once per session, then
give each test a private copy (tests may write: re-link, decide, score)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine

from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.store import make_engine, upgrade


def linked_sqlite_store(partnership: Path, path: Path, *, link_each: bool = True) -> Engine:
    """Every delivery of ``partnership`` ingested into a new SQLite store at ``path``, then
    batch-linked. The engine is returned open (dispose it when done)."""
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    for delivery in deliveries_in(partnership):
        ingest(engine, delivery, link=link_each)
    link(engine)
    return engine


@contextmanager
def private_copy(path: Path, folder: Path) -> Iterator[Engine]:
    """An engine on a copy of the store at ``path``, made in ``folder``."""
    copy = folder / path.name
    shutil.copy(path, copy)
    engine = make_engine(f"sqlite:///{copy}")
    try:
        yield engine
    finally:
        engine.dispose()

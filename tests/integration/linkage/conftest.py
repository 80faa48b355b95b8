"""One small synthetic partnership, ingested and linked once per session (copied per test)."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.store import make_engine, upgrade
from joinedup.synth import generate_partnership

CHILDREN = 400
SEED = 7


@pytest.fixture(scope="session")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("linkage") / "partnership"
    generate_partnership(out, children=CHILDREN, seed=SEED)
    return out


@pytest.fixture(scope="session")
def linked_db(partnership: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("linked") / "linked.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    for delivery in deliveries_in(partnership):
        ingest(engine, delivery)
    link(engine)
    engine.dispose()
    return path


@pytest.fixture
def linked(linked_db: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the linked store (tests may re-link and decide reviews)."""
    copy = tmp_path / "linked.db"
    shutil.copy(linked_db, copy)
    engine = make_engine(f"sqlite:///{copy}")
    yield engine
    engine.dispose()

"""One small synthetic partnership, ingested and linked once per session (copied per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from joinedup.synth import generate_partnership
from tests.support.stores import linked_sqlite_store, private_copy

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
    linked_sqlite_store(partnership, path).dispose()
    return path


@pytest.fixture
def linked(linked_db: Path, tmp_path: Path) -> Iterator[Engine]:
    """A private copy of the linked store (tests may re-link and decide reviews)."""
    with private_copy(linked_db, tmp_path) as engine:
        yield engine

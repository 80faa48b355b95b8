"""One small synthetic partnership, ingested and linked once per session (copied per test)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine

from joinedup.linkage import model as linkage_model
from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.store import make_engine
from joinedup.synth import generate_partnership
from tests.conftest import BACKENDS
from tests.support.databases import MigratedStores
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


@pytest.fixture(scope="module", params=BACKENDS)
def linked_on_each(
    request: pytest.FixtureRequest,
    partnership: Path,
    linked_db: Path,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_stores: MigratedStores,
) -> Iterator[Engine]:
    """The partnership ingested and batch-linked, once per backend and module (its tests
    share it: each adds its own people). PostgreSQL reuses the model SQLite trained."""
    folder = tmp_path_factory.mktemp("on-each")
    if request.param == "sqlite":
        with private_copy(linked_db, folder) as engine:
            yield engine
        return
    url = migrated_stores.postgresql()
    engine = make_engine(url)
    try:
        for delivery in deliveries_in(partnership):
            ingest(engine, delivery, link=False)
        with private_copy(linked_db, folder) as sqlite, sqlite.connect() as c:
            model = linkage_model.load_active(c)
        assert model is not None
        with engine.begin() as c:
            linkage_model.save(c, model)
        link(engine)
        yield engine
    finally:
        engine.dispose()
        migrated_stores.release(url)

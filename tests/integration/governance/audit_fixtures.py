"""Fixtures for the audit, retention and transparency tests: one migrated store per module
and backend (tests/support/databases.py: copied, not migrated), emptied after every test, and
a signing key of each test's own. Import them into a test module to use them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select

from joinedup.store import make_engine
from joinedup.store.tables import metadata
from tests.conftest import BACKENDS
from tests.support.databases import MigratedStores


@pytest.fixture(scope="module", params=BACKENDS)
def migrated_store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_stores: MigratedStores,
) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = migrated_stores.sqlite(tmp_path_factory.mktemp("store") / "joinedup-test.db")
    else:
        url = migrated_stores.postgresql()
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        if request.param != "sqlite":
            migrated_stores.release(url)


@pytest.fixture
def engine(migrated_store: Engine) -> Iterator[Engine]:
    """The module's store, emptied after the test of every row the migrations did not seed
    (the agencies are reference data every test relies on)."""
    with migrated_store.connect() as connection:
        seeded = {
            table.name
            for table in metadata.sorted_tables
            if connection.execute(select(table).limit(1)).first() is not None
        }
    yield migrated_store
    with migrated_store.begin() as connection:
        for table in reversed(metadata.sorted_tables):
            if table.name not in seeded:
                connection.execute(delete(table))


@pytest.fixture(autouse=True)
def audit_key_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A signing key and a witness of this test's own, whatever the backend (the module's
    store is emptied between tests: another test's witness would rightly call that a
    deletion); no automatic checkpoints unless a test asks for them."""
    keys = tmp_path / "audit-keys"
    monkeypatch.setenv("JOINEDUP_AUDIT_KEY_DIR", str(keys))
    monkeypatch.setenv("JOINEDUP_AUDIT_WITNESS", str(tmp_path / "audit-witness.log"))
    monkeypatch.delenv("JOINEDUP_AUDIT_SIGNING_KEY", raising=False)
    monkeypatch.delenv("JOINEDUP_AUDIT_TRUSTED_KEYS", raising=False)
    monkeypatch.setenv("JOINEDUP_AUDIT_CHECKPOINT_EVERY", "0")
    return keys

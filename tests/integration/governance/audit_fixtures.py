"""Fixtures for the audit, retention and transparency tests: one migrated store per module
and backend (migrating per test would dominate the run time), emptied after every test, and
a signing key of each test's own. Import them into a test module to use them."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, delete, select

from joinedup.store import make_engine, upgrade
from joinedup.store.tables import metadata
from tests.conftest import (
    BACKENDS,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_schema_url,
)


@pytest.fixture(scope="module", params=BACKENDS)
def migrated_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Engine]:
    schema = None
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('store') / 'joinedup-test.db'}"
    else:
        schema = f"t_{uuid.uuid4().hex[:12]}"
        create_postgres_schema(schema)
        url = postgres_schema_url(schema)
    engine = make_engine(url)
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        if schema:
            drop_postgres_schema(schema)


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

"""Shared fixtures: a real, migrated store on SQLite and, when configured, PostgreSQL.

``JOINEDUP_TEST_DATABASE_URL`` (CI sets it to the machine's PostgreSQL) adds a PostgreSQL run
of every test that uses the ``engine`` fixture. Each PostgreSQL test gets its own schema,
dropped afterwards, so tests never see each other's rows.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from joinedup.store import make_engine, normalise_database_url, upgrade

POSTGRES_URL = os.environ.get("JOINEDUP_TEST_DATABASE_URL", "").strip()
NO_POSTGRES = (
    "JOINEDUP_TEST_DATABASE_URL is not set: the PostgreSQL half of the store tests runs in CI "
    "(.ci/run sets it to postgresql://postgres@127.0.0.1:5432/test)"
)

BACKENDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param(
        "postgresql",
        id="postgresql",
        marks=[pytest.mark.postgres, pytest.mark.skipif(not POSTGRES_URL, reason=NO_POSTGRES)],
    ),
]


def postgres_schema_url(schema: str) -> str:
    """The test database URL with ``search_path`` pinned to one schema."""
    base = normalise_database_url(POSTGRES_URL)
    separator = "&" if "?" in base else "?"
    return f"{base}{separator}options=-csearch_path%3D{schema}"


def create_postgres_schema(schema: str) -> None:
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()


def drop_postgres_schema(schema: str) -> None:
    admin = make_engine(POSTGRES_URL)
    with admin.begin() as connection:
        connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def audit_files_outside_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """The audit signing key (~/.config/joinedup) and witness (~/.local/state/joinedup) of
    every store the tests make, in the run's temporary folder instead of the home folder;
    shared by the xdist workers, which copy one web store between them."""
    root = tmp_path_factory.getbasetemp()
    if os.environ.get("PYTEST_XDIST_WORKER"):
        root = root.parent
    patch = pytest.MonkeyPatch()
    patch.setenv("XDG_CONFIG_HOME", str(root / "xdg-config"))
    patch.setenv("XDG_STATE_HOME", str(root / "xdg-state"))
    patch.setenv("XDG_DATA_HOME", str(root / "xdg-data"))
    yield
    patch.undo()


@pytest.fixture
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty database of the requested backend (no tables yet)."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'joinedup-test.db'}"
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_postgres_schema(schema)
    try:
        yield postgres_schema_url(schema)
    finally:
        drop_postgres_schema(schema)


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """A migrated store (``joinedup db upgrade`` applied) on the requested backend."""
    engine = make_engine(database_url)
    upgrade(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session", autouse=True)
def event_flow() -> None:
    """The platform's event flow, as every entry point installs it (joinedup.bootstrap)."""
    from joinedup import bootstrap

    bootstrap.wire()


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    # Every test that touches the store runs once per backend.
    if "database_url" in metafunc.fixturenames and "backend" not in metafunc.fixturenames:
        metafunc.parametrize("database_url", BACKENDS, indirect=True)

"""Shared fixtures: a real, migrated store on SQLite and, when configured, PostgreSQL.

``JOINEDUP_TEST_DATABASE_URL`` (CI sets it to the machine's PostgreSQL) adds a PostgreSQL run
of every test that uses the ``engine`` fixture. Each PostgreSQL test gets a schema of its
own, so tests never see each other's rows. A test using ``engine`` gets a store migrated
once per process and copied (SQLite) or emptied back to the migrated state (PostgreSQL):
tests/support/databases.py.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from joinedup.store import make_engine, normalise_database_url, upgrade
from tests.support import passwords
from tests.support.databases import MigratedStores

POSTGRES_URL = os.environ.get("JOINEDUP_TEST_DATABASE_URL", "").strip()
NO_POSTGRES = (
    "JOINEDUP_TEST_DATABASE_URL is not set: the PostgreSQL half of the store tests runs in CI "
    "(.ci/run sets it to postgresql://postgres@127.0.0.1:5432/test)"
)

# The URLs ``database_url`` gave already migrated (copies of a migrated template).
MIGRATED: set[str] = set()

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


@pytest.fixture(scope="session", autouse=True)
def cheap_password_hashing() -> Iterator[None]:
    """The accounts the tests make hash their passwords with argon2's cheapest parameters
    (tests/support/passwords.py says why; tests/unit/test_password_hashing.py checks the
    product's own)."""
    from joinedup.accounts import secrets

    patch = pytest.MonkeyPatch()
    patch.setattr(secrets, "_hasher", passwords.TEST_HASHER)
    secrets._dummy_hash.cache_clear()
    yield
    patch.undo()
    secrets._dummy_hash.cache_clear()


@pytest.fixture(scope="session")
def migrated_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedStores]:
    """This process's migrated templates (made on first use), copied for each test."""
    stores = MigratedStores(tmp_path_factory.getbasetemp(), POSTGRES_URL)
    yield stores
    stores.close()


@pytest.fixture
def database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_stores: MigratedStores
) -> Iterator[str]:
    """A URL of a database of the requested backend: empty (no tables yet), or already
    migrated - a copy of a template migrated once - when the test also uses ``engine``."""
    backend = getattr(request, "param", "sqlite")
    migrated = "engine" in request.fixturenames
    if backend == "sqlite":
        path = tmp_path / "joinedup-test.db"
        if migrated:
            url = migrated_stores.sqlite(path)
            MIGRATED.add(url)
            yield url
            MIGRATED.discard(url)
            return
        yield f"sqlite:///{path}"
        return
    if migrated:
        url = migrated_stores.postgresql()
        MIGRATED.add(url)
        try:
            yield url
        finally:
            MIGRATED.discard(url)
            migrated_stores.release(url)
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
    if database_url not in MIGRATED:
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


# The files whose tests take longest, heaviest first (CPU time, measured alone with
# ``--durations``: docs/performance.md, "The test suite's running time"). They are run
# before the rest: pytest-xdist's ``load`` scheduling hands each worker a run of tests in
# collection order and then small batches as they finish, so a heavy file collected late
# (tests/web/ sorts last) is left running alone on one worker while the other has finished.
# Started first, one worker works through them while the other takes the light tests, and
# the run ends on light tests, evenly. (This holds while they are under half the suite.)
HEAVIEST_FIRST = (
    "tests/web/test_bad_form_input.py",
    "tests/web/test_crawl.py",
    "tests/integration/interventions/test_interventions.py",
    "tests/integration/risk/test_exploitation.py",
    "tests/integration/ingest/test_partnership_accounting.py",
    "tests/integration/linkage/test_spark_backend.py",  # one test: Spark's JVM starting
)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    rank = {name: n for n, name in enumerate(HEAVIEST_FIRST)}

    def place(item: pytest.Item) -> int:
        return rank.get(item.nodeid.split("::")[0], len(rank))

    items.sort(key=place)  # stable: every other test keeps its order

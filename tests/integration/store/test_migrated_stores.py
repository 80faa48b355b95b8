"""The test stores copied or reused instead of migrated (tests/support/databases.py) are
exactly what the migrations make: the speed-up must not let one test see another's rows."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import OperationalError

from joinedup.store import make_engine, upgrade
from joinedup.store.migrate import current_revision, head_revision
from joinedup.store.tables import metadata
from tests.conftest import POSTGRES_URL
from tests.support.databases import MigratedStores

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
needs_postgres = pytest.mark.skipif(not POSTGRES_URL, reason="JOINEDUP_TEST_DATABASE_URL unset")


@pytest.fixture
def stores(tmp_path: Path) -> Iterator[MigratedStores]:
    stores = MigratedStores(tmp_path, POSTGRES_URL)
    yield stores
    stores.close()


def contents(engine: Engine) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, in primary-key order."""
    with engine.connect() as connection:
        return {
            table.name: [
                tuple(row) for row in connection.execute(select(table).order_by(*table.primary_key))
            ]
            for table in metadata.sorted_tables
        }


def scribble(engine: Engine) -> None:
    """What a test might leave behind: rows in several tables, a seeded row changed, a
    sequence moved on."""
    with engine.begin() as connection:
        connection.execute(update(metadata.tables["agency"]).values(name="Renamed"))
        for number in range(3):
            connection.execute(
                insert(metadata.tables["person"]).values(id=f"P{number}", created_at=NOW)
            )
            add_concern(connection, f"P{number}")


def add_concern(connection: Connection, person_id: str) -> int:
    concern = metadata.tables["concern"]
    return int(
        connection.execute(
            insert(concern)
            .values(
                person_id=person_id,
                kind="worry",
                text="a test's row",
                recorded_by="tester",
                role="practitioner",
                agency="police",
                purpose="safeguarding",
                recorded_at=NOW,
            )
            .returning(concern.c.id)
        ).scalar_one()
    )


def fresh(url: str) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    return engine


def test_a_sqlite_copy_is_a_migrated_store(stores: MigratedStores, tmp_path: Path) -> None:
    copied = make_engine(stores.sqlite(tmp_path / "copy.db"))
    assert (tmp_path / "copy.db").stat().st_mode & 0o777 == 0o600  # private, as a new store
    migrated = fresh(f"sqlite:///{tmp_path / 'migrated.db'}")
    assert current_revision(copied) == head_revision(copied)
    assert contents(copied) == contents(migrated)
    scribble(copied)
    copied.dispose()
    again = make_engine(stores.sqlite(tmp_path / "again.db"))
    assert contents(again) == contents(migrated)  # a copy of the template, not of a copy
    again.dispose()
    migrated.dispose()


@needs_postgres
def test_a_postgres_store_is_put_back_as_migrated(stores: MigratedStores) -> None:
    url = stores.postgresql()
    engine = make_engine(url)
    before = contents(engine)
    assert before["agency"], "the migrations seed the agencies"
    scribble(engine)
    assert contents(engine) != before
    engine.dispose()
    stores.release(url)

    again = stores.postgresql()
    assert make_url_database(again) == make_url_database(url)  # the same schema, reused
    assert again != url  # under a URL of its own (the witness and caches key stores by URL)
    engine = make_engine(again)
    assert contents(engine) == before
    with engine.begin() as connection:  # the sequences start again as migrated
        connection.execute(insert(metadata.tables["person"]).values(id="P9", created_at=NOW))
        assert add_concern(connection, "P9") == 1
    engine.dispose()
    stores.release(again)


@needs_postgres
def test_a_postgres_store_a_test_altered_is_not_lent_again(stores: MigratedStores) -> None:
    url = stores.postgresql()
    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(text("alter table person add column extra text"))
    engine.dispose()
    stores.release(url)
    again = stores.postgresql()
    assert make_url_database(again) != make_url_database(url)
    engine = make_engine(again)
    with engine.connect() as connection:
        columns = connection.execute(
            text(
                "select column_name from information_schema.columns"
                " where table_name = 'person' and table_schema = current_schema()"
            )
        ).scalars()
        assert "extra" not in set(columns)
    engine.dispose()
    stores.release(again)


@needs_postgres
def test_a_postgres_store_left_connected_is_still_put_back(stores: MigratedStores) -> None:
    url = stores.postgresql()
    leaked_engine = make_engine(url)
    leaked = leaked_engine.connect()  # a session the test forgot to close
    leaked.execute(text("select 1"))
    stores.release(url)
    with pytest.raises(OperationalError):  # it was ended
        leaked.execute(text("select 1"))
    leaked.close()
    leaked_engine.dispose()
    engine = make_engine(stores.postgresql())
    with engine.connect() as connection:
        assert connection.scalar(text("select 1")) == 1
    engine.dispose()


def make_url_database(url: str) -> str:
    """Which schema a PostgreSQL test URL pins (its search_path option)."""
    from sqlalchemy import make_url

    return str(make_url(url).query["options"])

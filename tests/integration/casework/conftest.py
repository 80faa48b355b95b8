"""One small synthetic partnership, ingested, linked and governed by the example agreements,
once per session and backend (SQLite, and PostgreSQL when configured)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, text

from joinedup.linkage.batch import link
from joinedup.services import EXAMPLE_AGREEMENTS, deliveries_in, ingest, load_agreements
from joinedup.store import make_engine, upgrade
from joinedup.synth import generate_partnership
from tests.conftest import (
    POSTGRES_URL,
    create_postgres_schema,
    drop_postgres_schema,
    postgres_schema_url,
)

CHILDREN = 500
SEED = 11


@pytest.fixture(scope="session")
def casework_partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("casework") / "partnership"
    generate_partnership(out, children=CHILDREN, seed=SEED)
    return out


def _load(url: str, partnership: Path) -> Engine:
    engine = make_engine(url)
    upgrade(engine)
    for delivery in deliveries_in(partnership):
        ingest(engine, delivery, link=False)
    link(engine)
    load_agreements(engine, [EXAMPLE_AGREEMENTS], loaded_by="tests")
    return engine


@pytest.fixture(
    scope="session",
    params=[
        "sqlite",
        pytest.param(
            "postgresql",
            marks=[
                pytest.mark.postgres,
                pytest.mark.skipif(
                    not POSTGRES_URL, reason="JOINEDUP_TEST_DATABASE_URL is not set"
                ),
            ],
        ),
    ],
)
def store(
    request: pytest.FixtureRequest,
    casework_partnership: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Engine]:
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("casework-db") / "casework.db"
        engine = _load(f"sqlite:///{path}", casework_partnership)
        yield engine
        engine.dispose()
        return
    schema = f"t_{uuid.uuid4().hex[:12]}"
    create_postgres_schema(schema)
    engine = _load(postgres_schema_url(schema), casework_partnership)
    try:
        yield engine
    finally:
        engine.dispose()
        drop_postgres_schema(schema)


def lead_involvement(
    engine: Engine, agency: str, *, with_agency_events: str | None = None
) -> tuple[str, str, str | None]:
    """(person_id, practitioner_key, team) of an active lead involvement in ``agency``,
    optionally of a person who also has events from ``with_agency_events``."""
    extra = ""
    if with_agency_events:
        extra = (
            " and exists (select 1 from linkage_record o join event e on e.agency_id = o.agency_id"
            " and e.person_source_id = o.source_id where o.person_id = lr.person_id"
            f" and o.agency_id = '{with_agency_events}')"
        )
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "select lr.person_id, i.practitioner_key, p.team from involvement i"
                " join linkage_record lr on lr.agency_id = i.agency_id"
                " and lr.source_id = i.person_source_id"
                " left join practitioner p on p.agency_id = i.agency_id"
                " and p.practitioner_key = i.practitioner_key"
                f" where i.agency_id = :agency and i.end_date is null{extra}"
                " order by lr.person_id limit 1"
            ),
            {"agency": agency},
        ).first()
    assert row is not None, f"the test partnership has no open {agency} involvement"
    return row[0], row[1], row[2]

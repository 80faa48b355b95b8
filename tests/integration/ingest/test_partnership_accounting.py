"""A whole 20,000-child synthetic partnership ingests with no unexplained row.

For every file of every agency: rows in the file (as the manifest counts them) = accepted +
quarantined, as reported and as stored; every accepted row is a source record or an
unchanged duplicate of one; every quarantined row is kept with at least one reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.services import deliveries_in, ingest
from joinedup.store import tables as t

pytestmark = pytest.mark.slow

CHILDREN = 20_000


@pytest.fixture(scope="session")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from joinedup.synth import generate_partnership

    out = tmp_path_factory.mktemp("partnership") / "p"
    generate_partnership(out, children=CHILDREN, seed=20)
    return out


def test_every_row_of_every_agency_is_accounted_for(engine: Engine, partnership: Path) -> None:
    folders = deliveries_in(partnership)
    assert sorted(f.name for f in folders) == sorted(
        [
            "social_care",
            "health",
            "police",
            "education",
            "housing",
            "probation",
            "substance_misuse",
            "adult_mental_health",
        ]
    )
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        report = ingest(engine, folder)
        files = {f.path: f for f in report.files}
        assert set(files) == {f["path"] for f in manifest["files"]}, folder.name
        for entry in manifest["files"]:
            counts = files[entry["path"]]
            assert counts.rows == entry["rows"], (folder.name, entry["path"])
            assert counts.rows == counts.accepted + counts.quarantined, (folder.name, entry)
        with engine.connect() as connection:
            stored = connection.execute(
                select(
                    t.delivery_file.c.path,
                    t.delivery_file.c.rows,
                    t.delivery_file.c.accepted,
                    t.delivery_file.c.quarantined,
                ).where(t.delivery_file.c.delivery_id == report.delivery_id)
            ).all()
            assert {r.path: (r.rows, r.accepted, r.quarantined) for r in stored} == {
                p: (c.rows, c.accepted, c.quarantined) for p, c in files.items()
            }
            accepted_rows = connection.execute(
                select(func.count())
                .select_from(t.source_record)
                .where(
                    t.source_record.c.agency_id == report.agency,
                    t.source_record.c.first_delivery_id == report.delivery_id,
                )
            ).scalar_one()
            quarantined = (
                connection.execute(
                    select(t.quarantined_row.c.reason_codes).where(
                        t.quarantined_row.c.delivery_id == report.delivery_id
                    )
                )
                .scalars()
                .all()
            )
        # a first delivery: every accepted row is a new source record
        assert accepted_rows == report.total("accepted") == report.total("inserted")
        assert len(quarantined) == report.total("quarantined")
        assert all(codes for codes in quarantined)
        # synthetic data is messy but mostly usable, as real deliveries are
        assert report.total("quarantined") <= 0.05 * report.total("rows"), report.to_dict()

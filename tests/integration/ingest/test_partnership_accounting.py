"""A whole 5,000-child synthetic partnership ingests with no unexplained row.

For every file of every agency: rows in the file (as the manifest counts them) = accepted +
quarantined, as reported and as stored; every accepted row is a source record or an
unchanged duplicate of one; every quarantined row is kept with at least one reason.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.ingest.parse_process import QUEUED_BATCHES
from joinedup.ingest.parse_side import BATCH_ROWS
from joinedup.services import deliveries_in, ingest
from joinedup.store import tables as t

pytestmark = pytest.mark.slow

# Every row is accounted for one at a time, so the claim does not grow with the partnership;
# what size adds is files of many batches with the parse side ahead of the writer (batches of
# BATCH_ROWS, QUEUED_BATCHES queued), and some rows quarantined: both asserted below. 5,000
# children give that (attendance ~11,000 rows) at a quarter of the 20,000 this once ingested,
# twice (SQLite, PostgreSQL), for minutes of the suite. The ingest at scale is bench_ingest's.
CHILDREN = 5_000


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
    largest_file, quarantined_anywhere = 0, 0
    for folder in folders:
        manifest = json.loads((folder / "manifest.json").read_text())
        largest_file = max([largest_file, *(f["rows"] for f in manifest["files"])])
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
        quarantined_anywhere += len(quarantined)
    # the size still matters: a file the writer takes in more batches than wait in the queue,
    # and rows kept in quarantine (with their reasons, checked above)
    assert largest_file > (QUEUED_BATCHES + 1) * BATCH_ROWS
    assert quarantined_anywhere > 0

"""``joinedup synth --returns``: the CIN census, SSDA903 and Annex A deliveries the generator
writes from the same children ingest with every row accounted for, and linking puts each
return's child with the same person as that child's SSD record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.store import tables as t
from joinedup.store.linkage_tables import linkage_record

RETURNS = {
    "social_care_cin_census": "cin-census-xml/1",
    "social_care_ssda903": "ssda903-csv/1",
    "social_care_annex_a": "annex-a-csv/1",
}


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from joinedup.synth import SynthOptions, generate_partnership

    out = tmp_path_factory.mktemp("returns") / "p"
    generate_partnership(out, children=1500, seed=23, options=SynthOptions(returns=True))
    return out


def test_generated_returns_ingest_and_link_to_the_same_children(
    engine: Engine, partnership: Path
) -> None:
    folders = {f.name: f for f in deliveries_in(partnership)}
    assert set(RETURNS) <= set(folders)
    for name, folder in folders.items():
        manifest = json.loads((folder / "manifest.json").read_text())
        report = ingest(engine, folder, link=False)
        if name not in RETURNS:
            continue
        assert (manifest["agency"], manifest["format"]) == ("social_care", RETURNS[name])
        counts = {f.path: f for f in report.files}
        for entry in manifest["files"]:
            got = counts[entry["path"]]
            # every row of the return is accounted for, and the generator's are all clean
            assert (got.rows, got.accepted, got.quarantined) == (entry["rows"], entry["rows"], 0)
        assert report.total("rows") > 0, name
    link(engine)
    with engine.connect() as connection:
        ssd = dict(
            connection.execute(
                select(linkage_record.c.source_id, linkage_record.c.person_id).where(
                    linkage_record.c.source_table == "ssd_person"
                )
            ).all()
        )
        for table in ("cin_child", "ssda903_header"):
            linked = connection.execute(
                select(linkage_record.c.source_id, linkage_record.c.person_id).where(
                    linkage_record.c.source_table == table
                )
            ).all()
            assert linked, table
            same = sum(ssd.get(child) == person for child, person in linked)
            assert same / len(linked) >= 0.95, (table, same, len(linked))
        # Annex A's events name children the authority's other returns hold
        orphans = connection.execute(
            select(func.count())
            .select_from(t.event)
            .where(
                t.event.c.source_table.like("annex_a_%"),
                t.event.c.person_source_id.not_in(select(t.person_record.c.source_id)),
            )
        ).scalar_one()
        assert orphans == 0

"""``school-census-xml/1``: the School Census each school already sends the DfE (CBDS XML).

The hostile corpus (``tests/data/hostile/education``): each file refused whole with a one-line
message naming the element or problem and its line (nothing stored), or taken with exactly
the expected rows quarantined and every row accounted for. Then the generator's census
deliveries (``joinedup synth --returns``): every row accepted, and each census pupil linked to
the same person as that pupil's record in the CSV feed, with the same attendance."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from joinedup.errors import DeliveryRejected
from joinedup.ingest import ingest_delivery
from joinedup.ingest.reading import HeaderError
from joinedup.linkage.batch import link
from joinedup.services import deliveries_in, ingest
from joinedup.store import tables as t
from joinedup.store.linkage_tables import linkage_record
from tests.support.hostile import corpus, write_files

CENSUS = "school_census.xml"
FORMAT = "school-census-xml/1"

REFUSED = {
    "school_census_malformed.xml": r"is not well-formed XML: line 6: Opening and ending tag "
    r"mismatch: Pupils line 4 and Pupil",
    "school_census_wrong_root.xml": r"has root element <SchoolCensus> at line 2; "
    r"expected <Message>",
    "school_census_is_a_cin_census.xml": r"holds a <Child> record at line \d+; this format's "
    r"records are <SchoolInformation>, <PupilOnRoll>",
    "school_census_doctype.xml": r"declares a DOCTYPE",
}


def _deliver(folder: Path, name: str) -> Path:
    data = corpus(f"education/{name}")
    try:
        return write_files(folder, "education", {CENSUS: data}, feed_format=FORMAT)
    except HeaderError:  # a file that cannot be counted: the manifest claims one row
        folder.mkdir(parents=True, exist_ok=True)
        (folder / CENSUS).write_bytes(data)
        entry = {"path": CENSUS, "rows": 1, "sha256": hashlib.sha256(data).hexdigest()}
        manifest = {
            "agency": "education",
            "format": FORMAT,
            "extracted_at": "2026-11-20T06:00:00Z",
            "files": [entry],
        }
        (folder / "manifest.json").write_text(json.dumps(manifest))
        return folder


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_a_census_that_cannot_be_read_is_refused_whole(
    engine: Engine, tmp_path: Path, name: str
) -> None:
    folder = _deliver(tmp_path / "d", name)
    with pytest.raises(DeliveryRejected) as caught:
        ingest_delivery(engine, folder)
    message = str(caught.value)
    assert "\n" not in message and "Traceback" not in message
    assert re.search(f"{CENSUS}: {REFUSED[name]}", message), message
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.source_record)).scalar() == 0


def _quarantined(engine: Engine) -> dict[int, list[str]]:
    with engine.connect() as connection:
        rows = connection.execute(
            select(t.quarantined_row.c.row_number, t.quarantined_row.c.reason_codes)
        ).all()
    return {r.row_number: r.reason_codes for r in rows}


def test_hostile_pupils_are_quarantined_one_by_one_and_every_row_is_accounted_for(
    engine: Engine, tmp_path: Path
) -> None:
    report = ingest_delivery(engine, _deliver(tmp_path / "d", "school_census_hostile.xml"))
    (got,) = report.files
    # the school and nine pupils
    assert (got.rows, got.accepted, got.quarantined) == (10, 4, 6)
    assert _quarantined(engine) == {
        3: ["MISSING_REQUIRED"],  # no UPN
        5: ["INVALID_CODE"],  # an exclusion category the DfE does not have
        6: ["INCONSISTENT"],  # more sessions missed than possible
        7: ["INVALID_CODE"],  # attendance for a term joinedup has no dates for
        8: ["DUPLICATE_KEY"],  # the first pupil again
        9: ["FORMULA_INJECTION"],  # a surname a spreadsheet would run
    }
    # kept, with warnings: the census names no DSL; 30 February; born in 2031; a postcode
    # that is not one; and UPNs whose check letter is wrong (the corpus's are made up)
    warned = {"MISSING_CONTACT", "INVALID_DATE", "FUTURE_DATE", "INVALID_POSTCODE", "INVALID_UPN"}
    assert warned <= set(got.findings)
    with engine.connect() as connection:
        pupils = connection.execute(
            select(t.person_record.c.source_id).where(
                t.person_record.c.source_table == "census_pupils"
            )
        ).scalars()
        assert sorted(pupils) == [
            "A123456789012",
            "B123456789012",
            "G123456789012",
        ]


def test_a_census_of_no_pupils_is_the_school_alone(engine: Engine, tmp_path: Path) -> None:
    report = ingest_delivery(engine, _deliver(tmp_path / "d", "school_census_no_pupils.xml"))
    (got,) = report.files
    assert (got.rows, got.accepted, got.quarantined) == (1, 1, 0)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.person_record)).scalar() == 0


def test_pupils_of_a_census_without_its_school_are_kept_with_a_warning(
    engine: Engine, tmp_path: Path
) -> None:
    report = ingest_delivery(engine, _deliver(tmp_path / "d", "school_census_no_school.xml"))
    (got,) = report.files
    assert (got.rows, got.accepted, got.quarantined) == (1, 1, 0)
    assert "UNKNOWN_REFERENCE" in got.findings


@pytest.fixture(scope="module")
def partnership(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from joinedup.synth import SynthOptions, generate_partnership

    out = tmp_path_factory.mktemp("census") / "p"
    generate_partnership(out, children=400, seed=31, options=SynthOptions(returns=True))
    return out


def test_generated_census_ingests_whole_and_links_to_the_csv_pupils(
    engine: Engine, partnership: Path
) -> None:
    folders = {f.name: f for f in deliveries_in(partnership)}
    census = [name for name in folders if name.startswith("education_school_census_")]
    assert len(census) >= 3
    for name, folder in folders.items():
        report = ingest(engine, folder, link=False)
        if name not in census:
            continue
        for entry in json.loads((folder / "manifest.json").read_text())["files"]:
            got = next(f for f in report.files if f.path == entry["path"])
            assert (got.rows, got.accepted, got.quarantined) == (entry["rows"], entry["rows"], 0)
    link(engine)
    with engine.connect() as connection:
        person_of = {
            (r.source_table, r.source_id): r.person_id
            for r in connection.execute(
                select(
                    linkage_record.c.source_table,
                    linkage_record.c.source_id,
                    linkage_record.c.person_id,
                ).where(linkage_record.c.agency_id == "education")
            )
        }
        census_pupils = [k for k in person_of if k[0] == "census_pupils"]
        assert census_pupils
        same = sum(person_of[k] == person_of.get(("pupils", k[1])) for k in census_pupils)
        assert same == len(census_pupils)
        # a census pupil's attendance is the CSV's: the same terms, with the same keys
        keys = connection.execute(
            select(t.event.c.source_id, func.count())
            .where(t.event.c.agency_id == "education", t.event.c.event_type == "ATTENDANCE")
            .group_by(t.event.c.source_id)
        ).all()
        assert keys and {n for _, n in keys} <= {1, 2}
        assert sum(n == 2 for _, n in keys) > 0

"""The CSV returns children's social care already makes: SSDA903 (looked-after children)
and Ofsted's Annex A lists, ingested with every row accounted for, and their hostile cases
refused or quarantined row by row."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from joinedup.errors import DeliveryRejected
from joinedup.ingest import ingest_delivery
from joinedup.store import tables as t
from tests.support.deliveries import csv_text
from tests.support.hostile import write_files

HEADER = ["CHILD", "SEX", "DOB", "ETHNIC", "UPN", "MOTHER", "MC_DOB"]
EPISODES = [
    "CHILD",
    "DECOM",
    "RNE",
    "LS",
    "CIN",
    "PLACE",
    "PLACE_PROVIDER",
    "DEC",
    "REC",
    "REASON_PLACE_CHANGE",
    "HOME_POST",
    "PL_POST",
    "URN",
]
MISSING = ["CHILD", "DOB", "MISSING", "MIS_START", "MIS_END"]
REVIEWS = ["CHILD", "DOB", "REVIEW", "REVIEW_CODE"]
UASC = ["CHILD", "DOB", "SEX", "DUC"]
LIST_1 = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age",
    "Date of Contact",
    "Contact Source",
]
LIST_7 = [
    "Child Unique ID",
    "Gender",
    "Ethnicity",
    "Date of Birth",
    "Age",
    "Does the Child have a Disability",
    "Child Protection Plan Start Date",
    "Initial Category of Abuse",
    "Latest Category of Abuse",
    "Child Protection Plan End Date",
    "Number of Previous Child Protection Plans",
    "Allocated Team",
    "Allocated Worker",
]


def returns(folder: Path, feed_format: str, files: dict[str, str]) -> Path:
    encoded = {name: text.encode("utf-8") for name, text in files.items()}
    return write_files(folder, "social_care", encoded, feed_format=feed_format)


def _rows(engine: Engine, table: Any) -> list[dict[str, Any]]:
    with engine.connect() as connection:
        return [dict(r) for r in connection.execute(select(table)).mappings()]


def _counts(report: Any) -> dict[str, tuple[int, int, int]]:
    return {f.path: (f.rows, f.accepted, f.quarantined) for f in report.files}


def ssda903(folder: Path, **override: str) -> Path:
    files = {
        "header.csv": csv_text(
            HEADER,
            [
                ["L1", "1", "01/05/2014", "WBRI", "C383200012001", "", ""],
                ["L2", "2", "2012-11-30", "BCRB", "", "", ""],
            ],
        ),
        "episodes.csv": csv_text(
            EPISODES,
            [
                [
                    "L1",
                    "03/02/2025",
                    "S",
                    "C2",
                    "N1",
                    "U1",
                    "PR1",
                    "10/08/2025",
                    "E3",
                    "",
                    "LS6 2",
                    "LS7 1",
                    "SC1",
                ],
                [
                    "L1",
                    "10/08/2025",
                    "P",
                    "C2",
                    "N1",
                    "U4",
                    "PR1",
                    "",
                    "",
                    "CARPL",
                    "LS6 2",
                    "LS9 8",
                    "",
                ],
                [
                    "L2",
                    "14/03/2026",
                    "S",
                    "V2",
                    "N2",
                    "U1",
                    "PR0",
                    "",
                    "",
                    "",
                    "LS1 1",
                    "LS1 2",
                    "",
                ],
            ],
        ),
        "missing.csv": csv_text(MISSING, [["L1", "01/05/2014", "M", "02/09/2025", "03/09/2025"]]),
        "reviews.csv": csv_text(REVIEWS, [["L1", "01/05/2014", "01/03/2025", "PN1"]]),
        "uasc.csv": csv_text(UASC, [["L2", "30/11/2012", "2", ""]]),
        "oc2.csv": csv_text(["CHILD", "DOB", "SDQ_SCORE"], [["L1", "01/05/2014", "12"]]),
    }
    files.update(override)
    return returns(folder, "ssda903-csv/1", files)


def test_ssda903_children_and_episodes(engine: Engine, tmp_path: Path) -> None:
    report = ingest_delivery(engine, ssda903(tmp_path / "d"))
    assert _counts(report) == {
        "header.csv": (2, 2, 0),
        "episodes.csv": (3, 3, 0),
        "missing.csv": (1, 1, 0),
        "reviews.csv": (1, 1, 0),
        "uasc.csv": (1, 1, 0),
        "oc2.csv": (1, 1, 0),  # kept as an unused file, with a warning
    }
    people = {p["source_id"]: p for p in _rows(engine, t.person_record)}
    assert str(people["L1"]["date_of_birth"]) == "2014-05-01" and people["L1"]["sex"] == "M"
    assert people["L1"]["upn"] == "C383200012001" and people["L2"]["ethnicity"] == "BCRB"
    events = {e["source_id"]: e for e in _rows(engine, t.event)}
    assert set(events) == {
        "L1:LOOKED_AFTER:2025-02-03",
        "L1:LOOKED_AFTER:2025-08-10",
        "L2:LOOKED_AFTER:2026-03-14",
        "L1:MISSING_EPISODE:2025-09-02",
        "L1:CLA_REVIEW:2025-03-01",
    }
    first = events["L1:LOOKED_AFTER:2025-02-03"]
    assert first["codes"] == ["C2", "N1", "U1"] and str(first["ended_on"]) == "2025-08-10"
    assert ingest_delivery(engine, ssda903(tmp_path / "d")).status == "unchanged"


def test_ssda903_hostile_rows_are_quarantined_with_reasons(engine: Engine, tmp_path: Path) -> None:
    header = csv_text(
        HEADER,
        [
            ["L1", "1", "01/05/2014", "WBRI", "", "", ""],
            ["L1", "1", "01/05/2014", "WBRI", "", "", ""],  # the same child twice
            ["L3", "2", "31/02/2015", "ZZZZ", "NOT-A-UPN", "", ""],  # bad date, code, UPN
        ],
    )
    episodes = csv_text(
        EPISODES,
        [
            ["L1", "31/02/2025"] + [""] * 11,  # no such day
            ["L9", "01/01/2025"] + [""] * 11,  # a child not in header.csv
            ["L1", "01/01/2030"] + [""] * 11,  # after the extract
            ["L1", "yesterday"] + [""] * 11,
        ],
    )
    report = ingest_delivery(
        engine,
        ssda903(
            tmp_path / "d",
            **{"header.csv": header, "episodes.csv": episodes, "uasc.csv": csv_text(UASC, [])},
        ),
    )
    counts = _counts(report)
    assert counts["header.csv"] == (3, 2, 1) and counts["episodes.csv"] == (4, 0, 4)
    found = {
        (r["file"], r["row_number"]): r["reason_codes"] for r in _rows(engine, t.quarantined_row)
    }
    assert found == {
        ("header.csv", 2): ["DUPLICATE_KEY"],
        ("episodes.csv", 1): ["INVALID_DATE"],
        ("episodes.csv", 2): ["UNKNOWN_REFERENCE"],
        ("episodes.csv", 3): ["FUTURE_DATE"],
        ("episodes.csv", 4): ["INVALID_DATE"],
    }
    l3 = next(p for p in _rows(engine, t.person_record) if p["source_id"] == "L3")
    assert l3["date_of_birth"] is None and l3["upn"] is None and l3["ethnicity"] is None


def test_ssda903_without_its_header_file_is_refused(engine: Engine, tmp_path: Path) -> None:
    folder = returns(tmp_path / "d", "ssda903-csv/1", {"episodes.csv": csv_text(EPISODES, [])})
    with pytest.raises(DeliveryRejected, match="ssda903-csv/1 needs header.csv"):
        ingest_delivery(engine, folder)


def test_ssda903_missing_a_column_is_refused(engine: Engine, tmp_path: Path) -> None:
    folder = ssda903(tmp_path / "d", **{"header.csv": csv_text(["CHILD", "SEX"], [["L1", "1"]])})
    with pytest.raises(DeliveryRejected, match="header.csv is missing column.s. DOB"):
        ingest_delivery(engine, folder)


def test_annex_a_lists_become_events_of_the_authoritys_children(
    engine: Engine, tmp_path: Path
) -> None:
    list_1 = csv_text(
        LIST_1,
        [
            ["L1", "b) Male", "WBRI", "01/05/2014", "11", "05/01/2026", "1A"],
            ["L1", "b) Male", "WBRI", "01/05/2014", "11", "05/01/2026", "2B"],  # same day
            ["L2", "a) Female", "BCRB", "30/11/2012", "13", "", "1A"],  # no date
            ["L2", "a) Female", "BCRB", "30/11/2012", "13", "01/01/2011", "1A"],  # before birth
        ],
    )
    list_7 = csv_text(
        LIST_7,
        [
            [
                "L1",
                "b) Male",
                "WBRI",
                "01/05/2014",
                "11",
                "",
                "02/02/2026",
                "PHY",
                "NEG",
                "",
                "0",
                "T1",
                "W1",
            ]
        ],
    )
    folder = returns(
        tmp_path / "d",
        "annex-a-csv/1",
        {
            "list_1.csv": list_1,
            "list_7.csv": list_7,
            "list_11.csv": csv_text(["Individual adopter identifier"], [["A1"]]),
        },
    )
    report = ingest_delivery(engine, folder)
    assert _counts(report) == {
        "list_1.csv": (4, 3, 1),
        "list_7.csv": (1, 1, 0),
        "list_11.csv": (1, 1, 0),
    }
    found = {
        (r["file"], r["row_number"]): r["reason_codes"] for r in _rows(engine, t.quarantined_row)
    }
    assert found == {("list_1.csv", 3): ["MISSING_REQUIRED"]}
    assert report.files[0].findings["BEFORE_BIRTH"] == 1  # a warning: the event is kept
    events = {e["source_id"]: e for e in _rows(engine, t.event)}
    assert set(events) == {
        "L1:CONTACT:2026-01-05",
        "L1:CONTACT:2026-01-05#2",
        "L2:CONTACT:2011-01-01",
        "L1:CP_PLAN:2026-02-02",
    }
    assert events["L1:CP_PLAN:2026-02-02"]["codes"] == ["PHY", "NEG"]
    assert _rows(engine, t.person_record) == []  # Annex A names children; it holds no people


SAMPLE_WORKBOOK = Path(__file__).resolve().parents[2] / "data" / "returns" / "annex-a-sample.xlsx"


def test_the_annex_a_workbook_sample_ingests_with_every_row_accounted_for(
    engine: Engine, tmp_path: Path
) -> None:
    """liiatools' sample of Ofsted's Annex A workbook, a sheet per list, as authorities
    keep it: lists 1 to 8 become events, lists 9 to 11 are kept unused."""
    folder = write_files(
        tmp_path / "d",
        "social_care",
        {"annex_a.xlsx": SAMPLE_WORKBOOK.read_bytes()},
        feed_format="annex-a-csv/1",
    )
    report = ingest_delivery(engine, folder)
    (counts,) = report.files
    assert (counts.rows, counts.accepted, counts.quarantined) == (59, 59, 0)
    assert counts.findings["UNUSED_FILE"] == 16  # lists 9, 10 and 11
    events = _rows(engine, t.event)
    assert len(events) == 43
    assert {e["source_table"] for e in events} == {f"annex_a_list_{n}" for n in range(1, 9)}
    contact = next(e for e in events if e["source_id"] == "9212044:CONTACT:2020-09-16")
    assert contact["codes"] == ["q) 6: Police"] and contact["detail"]["Gender"] == "Female"
    assert ingest_delivery(engine, folder).status == "unchanged"


def test_a_file_that_is_not_a_workbook_is_refused(engine: Engine, tmp_path: Path) -> None:
    folder = tmp_path / "d"
    folder.mkdir()
    (folder / "annex_a.xlsx").write_bytes(b"Child Unique ID,Gender\nL1,a) Female\n")
    (folder / "manifest.json").write_text(
        '{"agency": "social_care", "format": "annex-a-csv/1", '
        '"extracted_at": "2026-11-20T06:00:00Z", "files": [{"path": "annex_a.xlsx", '
        '"rows": 1, "sha256": "'
        + hashlib.sha256((folder / "annex_a.xlsx").read_bytes()).hexdigest()
        + '"}]}'
    )
    with pytest.raises(
        DeliveryRejected, match=r"annex_a.xlsx: is not an Excel workbook \(.xlsx\)$"
    ):
        ingest_delivery(engine, folder)

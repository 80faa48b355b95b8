"""Quarantine: listing and showing refused rows, and reprocessing them against the store."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.ingest import ingest_delivery
from joinedup.ingest.quarantine import list_quarantined, show_quarantined
from joinedup.ingest.reprocess import reprocess_quarantine
from joinedup.services.accounts import add_user
from joinedup.store import UnitOfWork
from joinedup.store import tables as t
from tests.support.deliveries import (
    POLICE_PERSONS,
    agency_events_delivery,
    csv_text,
    fhir_delivery,
    make_delivery,
    police_delivery,
    ssd_delivery,
)

BAD_PERSONS = [
    ["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""],
    ["N2", "Tom", "=Smith", "2016-07-12", "M", "1 High Street", "LS6 2AB", ""],  # a formula
    ["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""],  # duplicate
    ["N4", "=cmd|' /C calc'!A0", "Evil", "1990-01-01", "M", "", "NOT A PC", ""],
    ["N5", "Amy", "Lee", "2010-02-30", "F", "", "LS6 2AB", ""],
]
BAD_INVOLVEMENTS = [
    ["I1", "N1", "VICTIM"],
    ["I9", "N1", "VICTIM"],
    ["I1", "N2", "WITNESS"],
    ["I1", "N5", "FRIEND"],
]
LATER = "2026-11-27T06:00:00Z"


def _rows(engine: Engine) -> dict[tuple[str, int], dict[str, Any]]:
    with engine.connect() as connection:
        rows = connection.execute(select(t.quarantined_row)).mappings().all()
    return {(r["file"], r["row_number"]): dict(r) for r in rows}


def _list(engine: Engine, **kwargs: Any) -> dict[str, Any]:
    with engine.connect() as connection:
        return list_quarantined(connection, **kwargs)


def _show(engine: Engine, row_id: int) -> dict[str, Any]:
    with engine.connect() as connection:
        return show_quarantined(connection, row_id)


def _bad_police(engine: Engine, tmp_path: Path) -> int:
    folder = police_delivery(tmp_path / "p1", persons=BAD_PERSONS, involvements=BAD_INVOLVEMENTS)
    return ingest_delivery(engine, folder).delivery_id


def test_list_counts_by_reason_code_first_and_filters(engine: Engine, tmp_path: Path) -> None:
    _bad_police(engine, tmp_path)
    housing = agency_events_delivery(
        tmp_path / "h1",
        persons=[["H1", "Ann", "Lee", "1980-01-01", "F", "", "", "", "", ""]],
        events=[["E1", "H9", "2026-02-01T10:00:00Z", "RENT_ARREARS", ""]],
    )
    housing_id = ingest_delivery(engine, housing).delivery_id
    everything = _list(engine)
    assert everything["total"] == 7
    assert everything["by_code"] == {
        "UNKNOWN_REFERENCE": 3,
        "DUPLICATE_KEY": 1,
        "FORMULA_INJECTION": 2,
        "INVALID_CODE": 1,
    }
    first = everything["rows"][0]  # newest delivery first
    assert (first["agency"], first["delivery_id"], first["file"], first["row_number"]) == (
        "housing",
        housing_id,
        "events.csv",
        1,
    )
    assert first["reason_codes"] == ["UNKNOWN_REFERENCE"] and first["status"] == "open"
    assert first["message"].startswith("events.csv row 1 (line 2): person_id 'H9'")
    assert set(first) == {
        "id", "agency", "delivery_id", "file", "row_number", "reason_codes", "message", "status",
        "resolved_by_delivery_id",
    }  # fmt: skip

    police = _list(engine, agency_id="police", code="UNKNOWN_REFERENCE")
    assert police["total"] == 2 and police["by_code"] == {"UNKNOWN_REFERENCE": 2}
    assert [(r["file"], r["row_number"]) for r in police["rows"]] == [
        ("involvements.csv", 2),
        ("involvements.csv", 3),
    ]
    limited = _list(engine, limit=2)
    assert (limited["total"], limited["shown"], len(limited["rows"])) == (7, 2, 2)
    assert _list(engine, status="resolved")["total"] == 0
    assert _list(engine, status="all")["total"] == 7


def test_show_is_the_whole_row_with_its_findings_and_delivery(
    engine: Engine, tmp_path: Path
) -> None:
    delivery_id = _bad_police(engine, tmp_path)
    row = _rows(engine)[("persons.csv", 4)]
    shown = _show(engine, row["id"])
    assert shown["values"] == dict(zip(POLICE_PERSONS, BAD_PERSONS[3], strict=True))
    assert json.loads(shown["raw"]) == BAD_PERSONS[3]
    assert [(f["severity"], f["code"], f["field"]) for f in shown["findings"]] == [
        ("error", "FORMULA_INJECTION", "forenames"),
        ("warning", "INVALID_POSTCODE", "postcode"),
    ]
    assert shown["reason_codes"] == ["FORMULA_INJECTION"]
    assert shown["delivery"]["id"] == delivery_id
    assert shown["delivery"]["feed_format"] == "pole-csv/1"
    assert shown["delivery"]["source_path"] == str((tmp_path / "p1").resolve())
    assert (shown["status"], shown["resolution"]) == ("open", "open: not in the store")
    assert (shown["file"], shown["row_number"], shown["source_table"]) == (
        "persons.csv",
        4,
        "persons",
    )


def test_reprocess_accepts_a_row_whose_reference_arrived_later(
    engine: Engine, tmp_path: Path
) -> None:
    involvements = [["I1", "N1", "VICTIM"], ["I9", "N2", "CHILD_PRESENT"], ["I1", "N7", "WITNESS"]]
    first = ingest_delivery(engine, police_delivery(tmp_path / "p1", involvements=involvements))
    before = _rows(engine)
    assert set(before) == {("involvements.csv", 2), ("involvements.csv", 3)}
    # A correction delivery supplies the incident the involvement named.
    i9 = [["I9", "2026-05-03T10:00:00Z", "ASSAULT", "LS6 2AB", "", "Fight"]]
    ingest_delivery(
        engine,
        police_delivery(tmp_path / "p2", persons=[], incidents=i9, involvements=[],
                        extracted_at=LATER),
    )  # fmt: skip

    report = reprocess_quarantine(engine, "police").to_dict()
    assert (report["examined"], report["accepted"], report["still_open"]) == (2, 1, 1)
    assert (report["inserted"], report["updated"], report["not_reprocessable"]) == (1, 0, 0)
    outcomes = {(r["file"], r["row_number"]): r["outcome"] for r in report["results"]}
    assert outcomes == {("involvements.csv", 2): "accepted", ("involvements.csv", 3): "still_open"}

    after = _rows(engine)
    accepted = after[("involvements.csv", 2)]
    assert accepted["status"] == "resolved"
    assert accepted["resolved_by_delivery_id"] == first.delivery_id  # its own: reprocessed
    still = after[("involvements.csv", 3)]
    assert (still["status"], still["reason_codes"]) == ("open", ["UNKNOWN_REFERENCE"])
    assert still["message"].startswith("involvements.csv row 3 (line 4): person_id 'N7'")
    with UnitOfWork(engine) as uow:
        events = uow.person_records.events_of("police", "N2")
        record = (
            uow.connection.execute(
                select(t.source_record).where(t.source_record.c.source_id == "I9|N2|CHILD_PRESENT")
            )
            .mappings()
            .one()
        )
        # An event nobody handles is not written (joinedup.bootstrap): nothing in the outbox.
        outbox = uow.connection.execute(select(t.outbox.c.event_type)).scalars().all()
    assert [(e.event_type, e.role, e.detail["incident_id"]) for e in events] == [
        ("ASSAULT", "CHILD_PRESENT", "I9")
    ]
    assert record["first_delivery_id"] == first.delivery_id and record["row_number"] == 2
    assert outbox == []
    assert "accepted on reprocess" in _show(engine, accepted["id"])["resolution"]

    again = reprocess_quarantine(engine).to_dict()  # nothing new: changes nothing
    assert (again["examined"], again["accepted"], again["still_open"]) == (1, 0, 1)


def test_reprocess_refreshes_the_reasons_of_rows_that_still_fail(
    engine: Engine, tmp_path: Path
) -> None:
    persons = [
        ["H1", "Ann", "Lee", "1980-01-01", "F", "", "", "", "", ""],
        ["H7", "Gus", "=Moe", "2001-01-01", "M", "", "", "", "", ""],  # a formula for a surname
    ]
    events = [
        ["E2", "H9", "2026-02-01T10:00:00Z", "RENT_ARREARS", ""],
        ["E3", "H8", "2026-02-02T10:00:00Z", "RENT_ARREARS", ""],  # H8 never arrives
    ]
    ingest_delivery(engine, agency_events_delivery(tmp_path / "h1", persons=persons, events=events))
    # H9 arrives, born after the event the first delivery recorded for them: one of the two
    # dates is wrong, so the event is accepted with a warning rather than lost.
    h9 = [["H9", "Ida", "Fox", "2026-06-01", "F", "", "", "", "", ""]]
    folder = agency_events_delivery(tmp_path / "h2", persons=h9, events=[], extracted_at=LATER)
    ingest_delivery(engine, folder)

    report = reprocess_quarantine(engine, "housing").to_dict()
    results = {(r["file"], r["row_number"]): (r["outcome"], r["reason_codes"])
               for r in report["results"]}  # fmt: skip
    assert results == {
        ("events.csv", 1): ("accepted", ["BEFORE_BIRTH"]),  # kept, with its warning
        ("events.csv", 2): ("still_open", ["UNKNOWN_REFERENCE"]),
        ("persons.csv", 2): ("still_open", ["FORMULA_INJECTION"]),
    }
    with UnitOfWork(engine) as uow:
        kept = uow.person_records.events_of("housing", "H9")
    assert [e.event_type for e in kept] == ["RENT_ARREARS"]
    row = _rows(engine)[("events.csv", 2)]
    assert (row["status"], row["reason_codes"]) == ("open", ["UNKNOWN_REFERENCE"])
    assert row["message"].startswith("events.csv row 2 (line 3): person_id 'H8'")
    assert row["message"].endswith("[re-checked against the store]")


def test_rows_reprocess_cannot_revalidate_stay_open_with_the_reason(
    engine: Engine, tmp_path: Path
) -> None:
    persons = csv_text(POLICE_PERSONS, BAD_PERSONS[:3]) + "N9,A,B,1990-01-01,F,,LS6 2AB,,extra\n"
    folder = make_delivery(
        tmp_path / "p1",
        "police",
        {
            "persons.csv": persons,
            "incidents.csv": csv_text(["incident_id", "occurred_at", "category", "postcode",
                                       "dash_risk", "summary"], []),
            "involvements.csv": csv_text(["incident_id", "person_id", "role"],
                                         [["I9", "N1", "VICTIM"]]),
        },
    )  # fmt: skip
    ingest_delivery(engine, folder)
    i9 = [["I9", "2026-05-03T10:00:00Z", "ASSAULT", "LS6 2AB", "", "Fight"]]
    later = police_delivery(tmp_path / "p2", persons=[], incidents=i9, involvements=[],
                            extracted_at=LATER)  # fmt: skip
    ingest_delivery(engine, later)
    shutil.rmtree(folder)  # the delivery folder is gone: CSV values lose their column names

    report = reprocess_quarantine(engine).to_dict()
    results = {(r["file"], r["row_number"]): (r["outcome"], r["note"]) for r in report["results"]}
    assert results[("persons.csv", 2)][0] == "not_reprocessable"  # future DOB, no header
    assert results[("persons.csv", 3)] == (
        "not_reprocessable",
        "only a corrected delivery can replace it",
    )
    assert results[("persons.csv", 4)][0] == "not_reprocessable"  # WRONG_FIELD_COUNT
    outcome, note = results[("involvements.csv", 1)]
    assert outcome == "not_reprocessable" and "no longer at the delivery's folder" in note
    assert report["accepted"] == 0
    assert all(r["status"] == "open" for r in _rows(engine).values())
    assert any("SHA-256" in limit for limit in report["limits"])


def test_reprocess_ndjson_rows_need_no_delivery_folder(engine: Engine, tmp_path: Path) -> None:
    amy = {
        "resourceType": "Patient",
        "id": "P1",
        "birthDate": "2015-01-01",
        "gender": "female",
        "name": [{"family": "Lee", "given": ["Amy"]}],
    }
    encounter = {"resourceType": "Encounter", "id": "enc1", "subject": {"reference": "Patient/P2"},
                 "class": {"code": "EMER"}, "period": {"start": "2026-03-01T10:00:00Z"},
                 "reasonCode": [{"text": "INJURY"}]}  # fmt: skip
    first = fhir_delivery(tmp_path / "h1", {"Patient": [amy], "Encounter": [encounter]})
    ingest_delivery(engine, first)
    ben = {"resourceType": "Patient", "id": "P2", "birthDate": "2016-01-01", "gender": "male",
           "name": [{"family": "Lee", "given": ["Ben"]}]}  # fmt: skip
    ingest_delivery(engine, fhir_delivery(tmp_path / "h2", {"Patient": [ben]}, extracted_at=LATER))
    shutil.rmtree(first)  # an NDJSON row is kept whole: the folder is not needed

    report = reprocess_quarantine(engine, "health").to_dict()
    assert (report["examined"], report["accepted"]) == (1, 1)
    with UnitOfWork(engine) as uow:
        events = uow.person_records.events_of("health", "P2")
    assert [(e.event_type, e.codes, e.occurred_on.isoformat()) for e in events] == [
        ("EMER", ["INJURY"], "2026-03-01")
    ]


def test_reprocess_rebuilds_facts_of_rows_in_the_store(engine: Engine, tmp_path: Path) -> None:
    person = {"pers_person_id": "C1", "pers_forename": "Amy", "pers_surname": "Lee",
              "pers_dob": "2015-01-01", "pers_sex": "F"}  # fmt: skip
    assessment = {"cina_assessment_id": "A1", "cina_person_id": "C1",
                  "cina_assessment_start_date": "2026-01-10"}  # fmt: skip
    factors = {"cinf_table_id": "F1", "cinf_assessment_id": "A1",
               "cinf_assessment_factors_json": '["3B","4B"]'}  # fmt: skip
    ingest_delivery(
        engine,
        ssd_delivery(
            tmp_path / "s1", {"ssd_person": [person], "ssd_cin_assessments": [assessment]}
        ),
    )
    # The factors arrive in a later delivery that does not repeat their assessment.
    later = ssd_delivery(
        tmp_path / "s2",
        {"ssd_person": [person], "ssd_assessment_factors": [factors]},
        extracted_at=LATER,
    )
    assert ingest_delivery(engine, later).total("quarantined") == 1

    report = reprocess_quarantine(engine, "social_care").to_dict()
    assert (report["accepted"], report["inserted"]) == (1, 1)
    with UnitOfWork(engine) as uow:
        events = uow.person_records.events_of("social_care", "C1")
    assert [(e.event_type, e.codes, e.occurred_on.isoformat()) for e in events] == [
        ("ASSESSMENT", [], "2026-01-10"),
        ("ASSESSMENT_FACTORS", ["3B", "4B"], "2026-01-10"),
    ]


@pytest.fixture
def cli_store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def test_cli_list_show_and_reprocess(cli_store: Engine, tmp_path: Path) -> None:
    involvements = [["I1", "N1", "VICTIM"], ["I9", "N2", "CHILD_PRESENT"], ["I1", "N7", "WITNESS"]]
    ingest_delivery(cli_store, police_delivery(tmp_path / "p1", involvements=involvements))
    add_user(cli_store, username="steward", role="PARTNERSHIP_ANALYST", agency="social_care",
             display_name="Data steward", password=None)  # fmt: skip
    add_user(cli_store, username="dsl", role="SCHOOL_DSL", agency="education",
             display_name="A school DSL", password=None)  # fmt: skip
    runner = CliRunner()
    # Quarantined rows hold personal data as delivered: data stewards only, and audited.
    refused = runner.invoke(app, ["quarantine", "list", "--as", "dsl"])
    assert refused.exit_code == 5, refused.output
    assert runner.invoke(app, ["quarantine", "list"]).exit_code == 2  # --as is required

    result = runner.invoke(
        app, ["quarantine", "list", "--agency", "police", "--json", "--as", "steward"]
    )
    assert result.exit_code == 0, result.output
    listed = json.loads(result.stdout)
    assert (listed["total"], listed["by_code"]) == (2, {"UNKNOWN_REFERENCE": 2})
    row_id = listed["rows"][0]["id"]

    result = runner.invoke(app, ["quarantine", "list", "--as", "steward"])
    text = " ".join(result.stdout.split())
    assert result.exit_code == 0 and "2 open quarantined rows" in text
    assert text.index("UNKNOWN_REFERENCE") < text.index("involvements.csv")  # summary first

    result = runner.invoke(app, ["quarantine", "show", str(row_id), "--json", "--as", "steward"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.stdout)
    assert shown["values"] == {"incident_id": "I9", "person_id": "N2", "role": "CHILD_PRESENT"}
    assert shown["findings"][0]["code"] == "UNKNOWN_REFERENCE"
    result = runner.invoke(app, ["quarantine", "show", str(row_id), "--as", "steward"])
    assert (
        result.exit_code == 0
        and "As delivered" in result.stdout
        and "CHILD_PRESENT" in (result.stdout)
    )
    assert runner.invoke(app, ["quarantine", "show", "--help"]).stdout.count("personal data") == 1

    i9 = [["I9", "2026-05-03T10:00:00Z", "ASSAULT", "LS6 2AB", "", "Fight"]]
    ingest_delivery(
        cli_store,
        police_delivery(tmp_path / "p2", persons=[], incidents=i9, involvements=[],
                        extracted_at=LATER),
    )  # fmt: skip
    result = runner.invoke(app, ["quarantine", "reprocess", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == {
        "agency", "examined", "accepted", "still_open", "not_reprocessable", "superseded",
        "inserted", "updated", "unchanged", "results", "limits",
    }  # fmt: skip
    assert (report["accepted"], report["still_open"]) == (1, 1)
    result = runner.invoke(app, ["quarantine", "reprocess", "--agency", "police"])
    assert result.exit_code == 0 and "Reprocessed 1 open quarantined row:" in " ".join(
        result.stdout.split()
    )
    result = runner.invoke(
        app, ["quarantine", "list", "--status", "resolved", "--json", "--as", "steward"]
    )
    assert [r["id"] for r in json.loads(result.stdout)["rows"]] == [row_id]

    assert runner.invoke(app, ["quarantine", "show", "999", "--as", "steward"]).exit_code == 4
    assert (
        runner.invoke(
            app, ["quarantine", "list", "--status", "closed", "--as", "steward"]
        ).exit_code
        == 2
    )
    assert runner.invoke(app, ["quarantine", "reprocess", "--agency", "fire"]).exit_code == 2


def test_an_older_row_accepted_never_resolves_a_newer_one(engine: Engine, tmp_path: Path) -> None:
    child = [["I9", "N2", "CHILD_PRESENT"]]  # I9 is in neither delivery
    ingest_delivery(engine, police_delivery(tmp_path / "p1", involvements=child))
    newer = police_delivery(tmp_path / "p2", involvements=child, extracted_at=LATER)
    ingest_delivery(engine, newer)
    i9 = [["I9", "2026-05-03T10:00:00Z", "ASSAULT", "LS6 2AB", "", "Fight"]]
    third = police_delivery(tmp_path / "p3", persons=[], incidents=i9, involvements=[],
                            extracted_at="2026-11-28T06:00:00Z")  # fmt: skip
    ingest_delivery(engine, third)
    shutil.rmtree(newer)  # the newer row cannot be re-read; the older one can

    report = reprocess_quarantine(engine).to_dict()
    assert [(r["delivery_id"], r["outcome"]) for r in report["results"]] == [
        (1, "accepted"),
        (2, "not_reprocessable"),
    ]
    rows = _list(engine, status="all")["rows"]
    assert {(r["delivery_id"], r["status"]) for r in rows} == {(1, "resolved"), (2, "open")}

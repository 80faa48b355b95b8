"""Hostile deliveries: every one either rejected whole with a message naming the file and the
problem (and nothing stored), or ingested with exactly the expected rows quarantined, each with
its reason, and every other row accepted. Never a crash, never a write outside the store.

The corpus is ``tests/data/hostile/`` (bytes exactly as delivered); cases too big to commit
(a 10 MB field, a 60 MB file) are written at test time.
"""

from __future__ import annotations

import json
import os
import re
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.domain.identifiers import upn_check_letter
from joinedup.errors import DeliveryRejected
from joinedup.ingest import ADAPTERS, IngestReport, ingest_delivery
from joinedup.ingest.base import DeliveryContext
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import RowChecks
from joinedup.store import UnitOfWork, make_engine, upgrade
from joinedup.store import tables as t
from tests.conftest import BACKENDS
from tests.support.databases import MigratedStores
from tests.support.deliveries import csv_text, write_manifest
from tests.support.hostile import (
    DEFAULT_INCIDENTS,
    DEFAULT_PERSONS,
    big_housing_delivery,
    corpus,
    police,
    snapshot,
    table_counts,
    write_files,
)

PERSONS, INCIDENTS, INVOLVEMENTS = "persons.csv", "incidents.csv", "involvements.csv"
PATIENT, ENCOUNTER = "Patient.ndjson", "Encounter.ndjson"


# --- expected outcomes ------------------------------------------------------------------------
@dataclass(frozen=True)
class Rejected:
    """``DeliveryRejected`` naming ``file`` and matching ``problem``; nothing stored."""

    file: str
    problem: str


@dataclass(frozen=True)
class Accepted:
    """Taken, with exactly these counts, quarantined rows and warnings (all else clean)."""

    files: dict[str, tuple[int, int, int]]  # path -> (rows, accepted, quarantined)
    quarantined: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    warnings: dict[tuple[str, int], list[str]] = field(default_factory=dict)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    unlisted: list[str] = field(default_factory=list)
    check: Callable[[Engine, IngestReport], None] | None = None


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[Path], Path]  # a scratch folder -> the delivery folder
    expect: Rejected | Accepted


CLEAN_POLICE_REST = {INCIDENTS: (2, 2, 0), INVOLVEMENTS: (0, 0, 0)}


def persons_case(
    case_id: str, corpus_file: str, expect_persons: tuple[int, int, int], **expect: Any
) -> Case:
    """A police delivery whose persons.csv is a corpus file (the other files clean)."""
    return Case(
        case_id,
        lambda tmp: police(tmp / "d", persons=corpus(f"police/{corpus_file}")),
        Accepted({PERSONS: expect_persons, **CLEAN_POLICE_REST}, **expect),
    )


def persons_rejected(case_id: str, corpus_file: str, problem: str) -> Case:
    return Case(
        case_id,
        lambda tmp: police(tmp / "d", persons=corpus(f"police/{corpus_file}")),
        Rejected(PERSONS, problem),
    )


# --- checks some cases add ------------------------------------------------------------------
def _quarantined(engine: Engine, delivery_id: int) -> dict[tuple[str, int], dict[str, Any]]:
    query = select(t.quarantined_row).where(t.quarantined_row.c.delivery_id == delivery_id)
    with engine.connect() as connection:
        rows = connection.execute(query).mappings().all()
    return {(r["file"], r["row_number"]): dict(r) for r in rows}


def _unterminated_quote_keeps_the_text(engine: Engine, report: IngestReport) -> None:
    row = _quarantined(engine, report.delivery_id)[(PERSONS, 2)]
    # the unterminated field swallowed the following records; all of it is kept as delivered
    assert row["raw"].startswith('N2,"Jane,Smith') and "N4,Gary,Jones" in row["raw"]
    assert "persons.csv row 2" in row["message"]


def _nul_is_kept_escaped(engine: Engine, report: IngestReport) -> None:
    rows = _quarantined(engine, report.delivery_id)
    assert "\x00" not in rows[(PATIENT, 5)]["raw"] and "\\x00" in rows[(PATIENT, 5)]["raw"]
    assert rows[(PATIENT, 4)]["raw"].startswith("b'\\x80\\x81")  # undecodable bytes, escaped


def _nhs_numbers_cleaned(engine: Engine, _: IngestReport) -> None:
    with UnitOfWork(engine) as uow:
        found = {
            pid: uow.person_records.get("health", "Patient", pid).nhs_number  # type: ignore[union-attr]
            for pid in ("P1", "P2", "P3", "P4", "P5")
        }
    assert found == {"P1": "9434765919", "P2": None, "P3": None, "P4": None, "P5": "9434765919"}


def _absurd_dob_is_dropped(engine: Engine, _: IngestReport) -> None:
    with UnitOfWork(engine) as uow:
        timer = uow.person_records.get("police", "persons", "N1")
        time_traveller = uow.person_records.get("police", "persons", "N2")
    assert timer is not None and timer.date_of_birth is None
    # born in the future: the record stays (it can still link on names and address)
    assert time_traveller is not None and time_traveller.date_of_birth is None


def _overlong_key_is_not_kept_as_a_key(engine: Engine, report: IngestReport) -> None:
    row = _quarantined(engine, report.delivery_id)[(INVOLVEMENTS, 1)]
    assert row["source_id"] is None and "I" * 200 in row["raw"]


def _ten_megabyte_field_is_kept_bounded(engine: Engine, report: IngestReport) -> None:
    row = _quarantined(engine, report.delivery_id)[(PERSONS, 2)]
    assert 1_000_000 < len(row["raw"]) <= 2_000_000
    assert "surname is 10,000,000 characters" in row["message"]


# --- builders for cases that are not one corpus file ----------------------------------------
def _police_with_manifest(change: Callable[[dict[str, Any], Path], Any]) -> Callable[[Path], Path]:
    """A clean police delivery whose manifest.json is then changed by ``change``."""

    def build(tmp: Path) -> Path:
        folder = police(tmp / "d")
        manifest = json.loads((folder / "manifest.json").read_text())
        replaced = change(manifest, folder)
        data = manifest if replaced is None else replaced
        if not isinstance(data, bytes):
            data = json.dumps(data).encode()
        (folder / "manifest.json").write_bytes(data)
        return folder

    return build


def _file_entry(path: str, **values: Any) -> Callable[[dict[str, Any], Path], None]:
    def change(manifest: dict[str, Any], _: Path) -> None:
        entry = next(e for e in manifest["files"] if e["path"] == path)
        entry.update(values)

    return change


def _traversal(path: str) -> Callable[[Path], Path]:
    """persons.csv listed under a path that leaves the folder, where a decoy file waits."""

    def change(manifest: dict[str, Any], folder: Path) -> None:
        decoy = folder.parent / "x.csv"
        decoy.write_bytes((folder / PERSONS).read_bytes())
        (folder / "sub").mkdir()
        (folder / "sub" / "x.csv").write_bytes(decoy.read_bytes())
        manifest["files"][0]["path"] = path

    return _police_with_manifest(change)


def _without(key: str) -> Callable[[dict[str, Any], Path], dict[str, Any]]:
    return lambda manifest, _: {k: v for k, v in manifest.items() if k != key}


def _setting(**values: Any) -> Callable[[dict[str, Any], Path], dict[str, Any]]:
    return lambda manifest, _: {**manifest, **values}


def _static_manifest(name: str) -> Callable[[Path], Path]:
    return _police_with_manifest(lambda _m, _f: corpus(f"manifests/{name}"))


def _symlinked_persons(target: str | None) -> Callable[[Path], Path]:
    def build(tmp: Path) -> Path:
        folder = police(tmp / "d")
        real = tmp / "elsewhere.csv"
        real.write_bytes((folder / PERSONS).read_bytes())
        (folder / PERSONS).unlink()
        (folder / PERSONS).symlink_to(target or real)
        return folder

    return build


def _symlinked_manifest(tmp: Path) -> Path:
    folder = police(tmp / "d")
    (folder / "manifest.json").rename(tmp / "manifest.json")
    (folder / "manifest.json").symlink_to(tmp / "manifest.json")
    return folder


def _tampered(tmp: Path) -> Path:
    folder = police(tmp / "d")  # then the same row count, different bytes
    data = (folder / PERSONS).read_bytes().replace(b"Jane", b"Joan")
    (folder / PERSONS).write_bytes(data)
    return folder


def _absent_file(tmp: Path) -> Path:
    folder = police(tmp / "d")
    (folder / PERSONS).unlink()
    return folder


def _listed_directory(tmp: Path) -> Path:
    folder = police(tmp / "d")
    (folder / "extra").mkdir()
    manifest = json.loads((folder / "manifest.json").read_text())
    manifest["files"].append({"path": "extra", "rows": 0, "sha256": "0" * 64})
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def _unlisted_files(tmp: Path) -> Path:
    folder = police(tmp / "d")
    (folder / "notes.txt").write_text("not part of the delivery")
    (folder / "secret.csv").write_text(csv_text(["person_id"], [["S1"]]))
    os.mkfifo(folder / "pipe.csv")  # opening it to read would block: proof it is never read
    return folder


def _unused_listed_files(tmp: Path) -> Path:
    folder = police(tmp / "d")
    long_name = "x" * 120 + ".csv"
    (folder / "extra.csv").write_text(csv_text(["a", "b"], [["1", "2"], ["3", "4"]]))
    (folder / long_name).write_text(csv_text(["a"], [["1"]]))
    write_manifest(folder, "police", [PERSONS, INCIDENTS, INVOLVEMENTS, "extra.csv", long_name])
    return folder


def _ten_megabyte_field(tmp: Path) -> Path:
    rows = [DEFAULT_PERSONS[0], ["N2", "Tom", "S" * 10_000_000, "2016-07-12", "M", "", "", ""]]
    return police(tmp / "d", persons=rows)


def _before_birth(tmp: Path) -> Path:
    return police(
        tmp / "d",
        incidents=[["I9", "2010-05-01T10:00:00Z", "DOMESTIC_ABUSE", "LS6 2AB", "STANDARD", "x"]],
        involvements=[["I9", "N1", "VICTIM"], ["I9", "N2", "CHILD_PRESENT"]],
    )


def _long_values(tmp: Path) -> Path:
    persons = [
        DEFAULT_PERSONS[0],
        ["X" * 300, "Long", "Key", "1990-01-01", "F", "", "", ""],
        ["N3", "Long", "S" * 250, "1990-01-01", "F", "", "", ""],
        ["N4", "Long", "Address", "1990-01-01", "F", "A" * 201, "", ""],
        ["L" * 200, "Just", "Fits", "1990-01-01", "F", "", "", ""],
    ]
    incidents = [*DEFAULT_INCIDENTS, ["I" * 200, "2026-05-02T10:00:00Z", "THEFT", "", "", "x"]]
    involvements = [["I" * 200, "L" * 200, "VICTIM"], ["I1", "N1", "VICTIM"]]
    return police(tmp / "d", persons=persons, incidents=incidents, involvements=involvements)


def _health(**files: bytes) -> Callable[[Path], Path]:
    return lambda tmp: write_files(tmp / "d", "health", files)


def _housing(tmp: Path) -> Path:
    header = ["person_id", "forenames", "surname", "date_of_birth", "gender", "address_line"]
    header += ["postcode", "nhs_number", "key_worker_name", "key_worker_email"]
    persons = [
        ["H1", "Amy", "Smith", "2000-01-01", "F", "", "", "94347654AB", "", ""],
        ["H2", "Ben", "Smith", "2001-01-01", "M", "", "", "٩٤٣٤٧٦٥٩١٩", "", ""],
    ]
    events = [
        ["E1", "H1", "1999-06-01T10:00:00Z", "RENT_ARREARS", "before she was born"],
        ["E2", "H1", "2026-01-01T10:00:00Z", "RENT_ARREARS", "+fled the property"],
        ["E3", "NOBODY", "2026-01-01T10:00:00Z", "RENT_ARREARS", ""],
        ["E4", "H1", "2026-01-01T10:00:00Z", "=cmd|' /C calc'!A0", ""],
        ["E5", "H2", "2026-01-01T10:00:00Z", "EVICTION_NOTICE", ""],
    ]
    return write_files(
        tmp / "d",
        "housing",
        {
            "persons.csv": csv_text(header, persons).encode(),
            "events.csv": csv_text(
                ["event_id", "person_id", "occurred_at", "type", "detail"], events
            ).encode(),
        },
    )


def _school_numbers(tmp: Path) -> Path:
    upn = upn_check_letter("383000000001") + "383000000001"
    pupil = [upn, "Amy", "Smith", "2015-01-01", "F", "LS6 2AB", "100001"]
    attendance_header = ["upn", "urn", "term", "sessions_possible"]
    attendance_header += ["sessions_authorised_absence", "sessions_unauthorised_absence"]
    return write_files(
        tmp / "d",
        "education",
        {
            "schools.csv": csv_text(
                ["urn", "name", "phase", "dsl_name", "dsl_email"],
                [["100001", "Hill Primary", "PRIMARY", "A Lead", "dsl@hill.example"]],
            ).encode(),
            "pupils.csv": csv_text(
                ["upn", "legal_forename", "legal_surname", "date_of_birth", "sex"]
                + ["postcode", "urn"],
                [pupil],
            ).encode(),
            "attendance.csv": csv_text(
                attendance_header,
                [
                    [upn, "100001", "2025-AUT", "120", "4", "2"],
                    [upn, "100001", "2026-SPR", "99999999", "0", "0"],
                    [upn, "100001", "2026-SUM", "٣", "0", "0"],
                    [upn, "100001", "2026-SUM", "1" + "0" * 150, "1" + "0" * 150, "0"],
                ],
            ).encode(),
        },
    )


def _ssd_deep_json(tmp: Path) -> Path:
    return write_files(
        tmp / "d",
        "social_care",
        {
            "ssd_person.csv": csv_text(
                ["pers_person_id", "pers_forename", "pers_surname", "pers_dob"],
                [["P1", "Amy", "Smith", "2015-01-01"]],
            ).encode(),
            "ssd_cin_assessments.csv": csv_text(
                ["cina_assessment_id", "cina_person_id", "cina_assessment_start_date"],
                [["A1", "P1", "2020-01-01"]],
            ).encode(),
            "ssd_assessment_factors.csv": csv_text(
                ["cinf_table_id", "cinf_assessment_id", "cinf_assessment_factors_json"],
                [["F1", "A1", "[" * 1500 + "]" * 1500], ["F2", "A1", '["3B", "4B"]']],
            ).encode(),
        },
    )


# --- the table ------------------------------------------------------------------------------
CASES = [
    # CSV that is not RFC 4180
    persons_case(
        "csv-bad-quoting",
        "persons_bad_quoting.csv",
        (5, 4, 1),
        quarantined={(PERSONS, 3): ["MALFORMED_CSV"]},
    ),
    persons_case(
        "csv-unterminated-quote",
        "persons_unterminated_quote.csv",
        (2, 1, 1),
        quarantined={(PERSONS, 2): ["MALFORMED_CSV"]},
        check=_unterminated_quote_keeps_the_text,
    ),
    persons_case(
        "csv-wrong-field-count",
        "persons_wrong_field_count.csv",
        (4, 2, 2),
        quarantined={(PERSONS, 2): ["WRONG_FIELD_COUNT"], (PERSONS, 3): ["WRONG_FIELD_COUNT"]},
    ),
    # encodings
    persons_case(
        "csv-latin1-row",
        "persons_latin1.csv",
        (3, 2, 1),
        quarantined={(PERSONS, 2): ["INVALID_ENCODING"]},
    ),
    persons_rejected("csv-utf16-with-bom", "persons_utf16.csv", r"header row is not UTF-8"),
    persons_rejected("csv-utf16-without-bom", "persons_utf16le.csv", r"header row contains NUL"),
    persons_case(
        "csv-utf8-bom",
        "persons_bom.csv",
        (2, 2, 0),  # a BOM in "person_id" would reject
    ),
    # headers
    persons_rejected(
        "csv-missing-required-column", "persons_missing_column.csv", r"missing column\(s\) surname"
    ),
    persons_case(
        "csv-extra-columns",
        "persons_extra_columns.csv",
        (2, 2, 0),
        ignored_columns={PERSONS: ["shoe_size", "notes"]},
    ),
    persons_rejected(
        "csv-duplicate-header",
        "persons_duplicate_header.csv",
        r"header repeats column\(s\) surname",
    ),
    persons_rejected("csv-empty-file", "persons_empty.csv", r"file is empty \(no header row\)"),
    persons_case("csv-header-only", "persons_header_only.csv", (0, 0, 0)),
    persons_case("csv-blank-lines-are-not-rows", "persons_blank_lines.csv", (3, 3, 0)),
    # formula injection: refused in names, keys and codes; kept (with a warning) in free text
    persons_case(
        "csv-formula-injection-in-names",
        "persons_formula_injection.csv",
        (8, 2, 6),
        quarantined={(PERSONS, n): ["FORMULA_INJECTION"] for n in range(2, 8)},
    ),
    Case(
        "csv-formula-prefix-in-free-text",
        lambda tmp: police(tmp / "d", incidents=corpus("police/incidents_formula_injection.csv")),
        Accepted(
            {PERSONS: (3, 3, 0), INCIDENTS: (5, 4, 1), INVOLVEMENTS: (0, 0, 0)},
            quarantined={(INCIDENTS, 4): ["FORMULA_INJECTION"]},
            warnings={(INCIDENTS, n): ["FORMULA_PREFIX"] for n in (1, 2, 3)},
        ),
    ),
    # control characters and NUL bytes
    persons_case(
        "csv-control-characters",
        "persons_control_characters.csv",
        (7, 2, 5),
        quarantined={
            (PERSONS, 2): ["CONTROL_CHARACTERS"],
            (PERSONS, 3): ["CONTROL_CHARACTERS"],
            (PERSONS, 4): ["CONTROL_CHARACTERS"],
            (PERSONS, 6): ["INVALID_ENCODING"],
            (PERSONS, 7): ["INVALID_ENCODING"],  # NUL in an optional column: still refused
        },
    ),
    # sizes
    Case(
        "csv-10mb-field",
        _ten_megabyte_field,
        Accepted(
            {PERSONS: (2, 1, 1), **CLEAN_POLICE_REST},
            quarantined={(PERSONS, 2): ["FIELD_TOO_LONG"]},
            check=_ten_megabyte_field_is_kept_bounded,
        ),
    ),
    Case(
        "values-longer-than-the-store-holds",
        _long_values,
        Accepted(
            {PERSONS: (5, 2, 3), INCIDENTS: (3, 3, 0), INVOLVEMENTS: (2, 1, 1)},
            quarantined={
                (PERSONS, 2): ["FIELD_TOO_LONG"],
                (PERSONS, 3): ["FIELD_TOO_LONG"],
                (PERSONS, 4): ["FIELD_TOO_LONG"],
                (INVOLVEMENTS, 1): ["FIELD_TOO_LONG"],  # key built from two 200-char ids
            },
            check=_overlong_key_is_not_kept_as_a_key,
        ),
    ),
    # dates
    persons_case(
        "csv-absurd-birth-dates",
        "persons_absurd_dates.csv",
        (5, 5, 0),
        warnings={
            (PERSONS, 1): ["IMPLAUSIBLE_DATE"],
            (PERSONS, 2): ["FUTURE_DATE"],  # born in the future: DOB dropped, person kept
            (PERSONS, 3): ["INVALID_DATE"],
            (PERSONS, 4): ["INVALID_DATE"],
        },
        check=_absurd_dob_is_dropped,
    ),
    Case(
        "csv-absurd-event-times",
        lambda tmp: police(tmp / "d", incidents=corpus("police/incidents_absurd_dates.csv")),
        Accepted(
            {PERSONS: (3, 3, 0), INCIDENTS: (5, 2, 3), INVOLVEMENTS: (0, 0, 0)},
            quarantined={
                (INCIDENTS, 1): ["IMPLAUSIBLE_DATE"],
                (INCIDENTS, 2): ["FUTURE_DATE"],
                (INCIDENTS, 4): ["INVALID_DATE"],
            },
            warnings={(INCIDENTS, 3): ["MISSING_OFFSET"]},
        ),
    ),
    Case(
        "event-before-birth",
        _before_birth,
        Accepted(
            # kept with a warning: one of the two dates is wrong, the event is real
            {PERSONS: (3, 3, 0), INCIDENTS: (1, 1, 0), INVOLVEMENTS: (2, 2, 0)},
            warnings={(INVOLVEMENTS, 2): ["BEFORE_BIRTH"]},
        ),
    ),
    # other agencies' formats
    Case(
        "agency-events-mixed",
        _housing,
        Accepted(
            {"persons.csv": (2, 2, 0), "events.csv": (5, 3, 2)},
            quarantined={
                ("events.csv", 3): ["UNKNOWN_REFERENCE"],
                ("events.csv", 4): ["FORMULA_INJECTION"],
            },
            warnings={
                ("persons.csv", 1): ["INVALID_NHS_NUMBER"],
                ("persons.csv", 2): ["INVALID_NHS_NUMBER"],  # Arabic-Indic digits
                ("events.csv", 1): ["BEFORE_BIRTH"],
                ("events.csv", 2): ["FORMULA_PREFIX"],
            },
        ),
    ),
    Case(
        "school-census-absurd-numbers",
        _school_numbers,
        Accepted(
            {"schools.csv": (1, 1, 0), "pupils.csv": (1, 1, 0), "attendance.csv": (4, 1, 3)},
            quarantined={
                ("attendance.csv", 2): ["INVALID_NUMBER"],
                ("attendance.csv", 3): ["INVALID_NUMBER"],
                ("attendance.csv", 4): ["INVALID_NUMBER"],
            },
        ),
    ),
    Case(
        "ssd-deeply-nested-json-codes",
        _ssd_deep_json,
        Accepted(
            {
                "ssd_person.csv": (1, 1, 0),
                "ssd_cin_assessments.csv": (1, 1, 0),
                "ssd_assessment_factors.csv": (2, 2, 0),
            },
            warnings={("ssd_assessment_factors.csv", 1): ["INVALID_JSON"]},
        ),
    ),
    # NDJSON
    Case(
        "ndjson-malformed-lines",
        _health(**{PATIENT: corpus("health/Patient_malformed.ndjson")}),
        Accepted(
            {PATIENT: (12, 1, 11)},
            quarantined={
                (PATIENT, 2): ["INVALID_JSON"],  # truncated object
                (PATIENT, 3): ["INVALID_JSON"],  # an array
                (PATIENT, 4): ["INVALID_ENCODING"],  # binary garbage
                (PATIENT, 5): ["INVALID_JSON"],  # NUL bytes (valid UTF-8, not JSON)
                (PATIENT, 6): ["INVALID_JSON"],  # NaN
                (PATIENT, 7): ["INVALID_JSON"],  # nested past the recursion limit
                (PATIENT, 8): ["INVALID_JSON"],  # nested 100 deep
                (PATIENT, 9): ["INVALID_JSON"],  # a 5,000-digit number
                (PATIENT, 10): ["INVALID_ENCODING"],  # \u0000 in a string
                (PATIENT, 11): ["INVALID_ENCODING"],  # unpaired surrogate
                (PATIENT, 12): ["INVALID_JSON"],  # truncated last line
            },
            check=_nul_is_kept_escaped,
        ),
    ),
    Case(
        "ndjson-blank-lines-are-not-rows",
        _health(**{PATIENT: corpus("health/Patient_blank_lines.ndjson")}),
        Accepted({PATIENT: (2, 2, 0)}),
    ),
    Case(
        "fhir-wrong-types-everywhere",
        _health(
            **{
                PATIENT: corpus("health/Patient_wrong_types.ndjson"),
                ENCOUNTER: corpus("health/Encounter_wrong_types.ndjson"),
            }
        ),
        Accepted(
            {PATIENT: (5, 2, 3), ENCOUNTER: (4, 2, 2)},
            quarantined={
                (PATIENT, 2): ["INVALID_TYPE"],
                (PATIENT, 4): ["WRONG_RESOURCE_TYPE"],
                (PATIENT, 5): ["INVALID_TYPE"],
                (ENCOUNTER, 2): ["INVALID_DATE", "MISSING_REQUIRED"],
                (ENCOUNTER, 3): ["INVALID_TYPE", "MISSING_REQUIRED"],
            },
            warnings={  # warnings are kept for quarantined rows too
                (ENCOUNTER, 4): ["BEFORE_BIRTH"],
                (PATIENT, 2): ["INVALID_CODE", "INVALID_DATE"],
                (ENCOUNTER, 3): ["INVALID_TYPE"],
                (PATIENT, 3): [
                    "INVALID_CODE",
                    "INVALID_DATE",
                    "INVALID_NHS_NUMBER",
                    "INVALID_POSTCODE",
                    "INVALID_TYPE",
                    "INVALID_TYPE",
                ],
            },
        ),
    ),
    Case(
        "fhir-nhs-numbers",
        _health(**{PATIENT: corpus("health/Patient_nhs_numbers.ndjson")}),
        Accepted(
            {PATIENT: (5, 5, 0)},
            warnings={(PATIENT, n): ["INVALID_NHS_NUMBER"] for n in (2, 3, 4)},
            check=_nhs_numbers_cleaned,
        ),
    ),
    # the manifest itself
    Case(
        "manifest-not-json",
        _static_manifest("not_json.json"),
        Rejected("manifest.json", r"not valid JSON"),
    ),
    Case(
        "manifest-binary",
        _static_manifest("binary.json"),
        Rejected("manifest.json", r"not valid JSON"),
    ),
    Case(
        "manifest-utf16",
        _static_manifest("utf16.json"),
        Rejected("manifest.json", r"not valid JSON"),
    ),
    Case(
        "manifest-deeply-nested",
        _static_manifest("deeply_nested.json"),
        Rejected("manifest.json", r"manifest.json is nested deeper than 64 levels"),
    ),
    Case(
        "manifest-huge-number",
        _static_manifest("huge_number.json"),
        Rejected("manifest.json", r"not valid JSON \(Exceeds the limit"),
    ),
    Case(
        "manifest-array",
        _static_manifest("array.json"),
        Rejected("manifest.json", r"must hold a JSON object"),
    ),
    Case(
        "manifest-string",
        _static_manifest("string.json"),
        Rejected("manifest.json", r"must hold a JSON object"),
    ),
    *(
        Case(
            f"manifest-without-{key}",
            _police_with_manifest(_without(key)),
            Rejected("manifest.json", rf"has no '{key}'"),
        )
        for key in ("agency", "format", "extracted_at", "files")
    ),
    Case(
        "manifest-wrong-agency-format-pair",
        _police_with_manifest(_setting(format="fhir-r4-bulk/1")),
        Rejected("manifest.json", r"agency police delivers pole-csv/1, not fhir-r4-bulk/1"),
    ),
    Case(
        "manifest-unknown-agency",
        _police_with_manifest(_setting(agency={"$ne": "police"})),
        Rejected("manifest.json", r"unknown agency \{'\$ne': 'police'\}"),
    ),
    Case(
        "manifest-extracted-at-without-offset",
        _police_with_manifest(_setting(extracted_at="2026-11-20T06:00:00")),
        Rejected("manifest.json", r"extracted_at needs a UTC offset"),
    ),
    Case(
        "manifest-extracted-at-not-a-string",
        _police_with_manifest(_setting(extracted_at=20261120)),
        Rejected("manifest.json", r"extracted_at 20261120 is not ISO 8601"),
    ),
    Case(
        "manifest-extracted-at-year-9999",
        _police_with_manifest(_setting(extracted_at="9999-12-31T23:59:59-14:00")),
        Rejected("manifest.json", r"is not a plausible time"),
    ),
    *(
        Case(
            f"manifest-partnership-{name}",
            _police_with_manifest(_setting(partnership=value)),
            Rejected("manifest.json", r"partnership must be a name of at most 200"),
        )
        for name, value in (("too-long", "x" * 201), ("nul", "a\x00b"), ("object", {"a": 1}))
    ),
    Case(
        "manifest-lists-no-files",
        _police_with_manifest(_setting(files=[])),
        Rejected("manifest.json", r"lists no files"),
    ),
    Case(
        "manifest-file-entry-not-an-object",
        _police_with_manifest(_setting(files=["persons.csv"])),
        Rejected("manifest.json", r"files\[0\] needs path, rows and sha256"),
    ),
    Case(
        "manifest-required-file-not-listed",
        _police_with_manifest(lambda m, _: {**m, "files": m["files"][1:]}),
        Rejected(PERSONS, r"pole-csv/1 needs persons.csv, which manifest.json does not list"),
    ),
    Case(
        "manifest-file-listed-twice",
        _police_with_manifest(lambda m, _: {**m, "files": [*m["files"], m["files"][0]]}),
        Rejected(PERSONS, r"persons.csv is listed twice"),
    ),
    # paths that would leave the delivery
    *(
        Case(f"path-{name}", _traversal(path), Rejected(repr(path)[:40], problem))
        for name, path, problem in (
            ("dot-dot", "../x.csv", r"leaves the delivery folder"),
            ("absolute", "/etc/passwd", r"leaves the delivery folder"),
            ("sub-dot-dot", "sub/../../x", r"leaves the delivery folder"),
            ("backslash", "..\\x.csv", r"leaves the delivery folder"),
            ("sub-folder", "sub/x.csv", r"files must sit directly in the folder"),
            ("nul", "persons.csv\x00", r"not a plausible file name"),
            ("too-long", "p" * 256 + ".csv", r"not a plausible file name"),
        )
    ),
    Case("symlinked-file", _symlinked_persons(None), Rejected(PERSONS, r"is a symbolic link")),
    Case(
        "symlink-to-etc-passwd",
        _symlinked_persons("/etc/passwd"),
        Rejected(PERSONS, r"is a symbolic link"),
    ),
    Case(
        "symlinked-manifest",
        _symlinked_manifest,
        Rejected("manifest.json", r"manifest.json is missing \(or is not a regular file\)"),
    ),
    # the files against the manifest
    Case(
        "listed-but-absent",
        _absent_file,
        Rejected(PERSONS, r"listed in manifest.json but is not in the delivery"),
    ),
    Case(
        "listed-directory",
        _listed_directory,
        Rejected("extra", r"listed in manifest.json but is not in the delivery"),
    ),
    Case(
        "sha256-mismatch",
        _tampered,
        Rejected(PERSONS, r"SHA-256 expected [0-9a-f]{64}, actual [0-9a-f]{64}"),
    ),
    Case(
        "row-count-mismatch",
        _police_with_manifest(_file_entry(INCIDENTS, rows=5)),
        Rejected(INCIDENTS, r"rows expected 5, actual 2"),
    ),
    *(
        Case(
            f"rows-not-a-count-{name}",
            _police_with_manifest(_file_entry(INCIDENTS, rows=value)),
            Rejected(INCIDENTS, rf"rows must be a whole number, not {re.escape(repr(value))}"),
        )
        for name, value in (("float", 2.0), ("bool", True), ("negative", -1), ("text", "2"))
    ),
    Case(
        "sha256-wrong-length",
        _police_with_manifest(_file_entry(INCIDENTS, sha256="abc")),
        Rejected(INCIDENTS, r"sha256 must be 64 hex characters"),
    ),
    Case(
        "sha256-not-hex",  # 64 characters, but not a checksum (the API's schema says hex too)
        _police_with_manifest(_file_entry(INCIDENTS, sha256="z" * 64)),
        Rejected(INCIDENTS, r"sha256 must be 64 hex characters"),
    ),
    Case(
        "files-not-in-manifest-are-not-read",
        _unlisted_files,
        Accepted(
            {PERSONS: (3, 3, 0), **CLEAN_POLICE_REST},
            unlisted=["notes.txt", "pipe.csv", "secret.csv"],
        ),
    ),
    Case(
        "listed-files-outside-the-format",
        _unused_listed_files,
        Accepted(
            {
                PERSONS: (3, 3, 0),
                **CLEAN_POLICE_REST,
                "extra.csv": (2, 2, 0),
                "x" * 120 + ".csv": (1, 1, 0),
            },
            warnings={
                ("extra.csv", 1): ["UNUSED_FILE"],
                ("extra.csv", 2): ["UNUSED_FILE"],
                ("x" * 120 + ".csv", 1): ["UNUSED_FILE"],
            },
        ),
    ),
]


# --- the test -------------------------------------------------------------------------------
@pytest.fixture(scope="module", params=BACKENDS)
def store(
    request: pytest.FixtureRequest,
    tmp_path_factory: pytest.TempPathFactory,
    migrated_stores: MigratedStores,
) -> Any:
    """One migrated store per backend for the whole table (a store per case would take
    minutes); each case's assertions are scoped to its own delivery, and a rejected case
    must leave every table's count as it was."""
    if request.param == "sqlite":
        engine = make_engine(
            migrated_stores.sqlite(tmp_path_factory.mktemp("store") / "hostile.db")
        )
        yield engine
        engine.dispose()
        return
    url = migrated_stores.postgresql()
    engine = make_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()
        migrated_stores.release(url)


def _findings(engine: Engine, delivery_id: int, severity: str) -> dict[tuple[str, int], list[str]]:
    finding = t.row_finding
    query = select(finding.c.file, finding.c.row_number, finding.c.code).where(
        finding.c.delivery_id == delivery_id, finding.c.severity == severity
    )
    found: dict[tuple[str, int], list[str]] = {}
    with engine.connect() as connection:
        for file, row_number, code in connection.execute(query):
            found.setdefault((file, row_number), []).append(code)
    return {key: sorted(codes) for key, codes in found.items()}


@pytest.mark.timeout(120)  # a read of the FIFO in the unlisted-files case would block
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_hostile_delivery(
    case: Case, store: Engine, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = case.build(tmp_path / "scratch")
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)  # anything written relative to the working directory shows up
    files_before = snapshot(tmp_path)
    tables_before = table_counts(store)

    if isinstance(case.expect, Rejected):
        with pytest.raises(DeliveryRejected) as raised:
            ingest_delivery(store, folder)
        message = str(raised.value)
        assert case.expect.file in message, message
        assert re.search(case.expect.problem, message), message
        assert "\n" not in message and len(message) < 1000
        assert table_counts(store) == tables_before  # nothing of it stored
    else:
        expect = case.expect
        report = ingest_delivery(store, folder)
        assert report.status == "ingested"
        assert {f.path: (f.rows, f.accepted, f.quarantined) for f in report.files} == expect.files
        for f in report.files:  # every row has exactly one fate
            assert (
                f.rows
                == f.accepted + f.quarantined
                == f.inserted + f.updated + f.unchanged + f.quarantined
            )
        quarantined = _quarantined(store, report.delivery_id)
        expected = {key: sorted(codes) for key, codes in expect.quarantined.items()}
        assert {key: sorted(row["reason_codes"]) for key, row in quarantined.items()} == expected
        errors = _findings(store, report.delivery_id, "error")
        assert {key: sorted(set(codes)) for key, codes in errors.items()} == expected
        assert _findings(store, report.delivery_id, "warning") == expect.warnings
        assert report.ignored_columns == expect.ignored_columns
        assert report.unlisted_files == expect.unlisted
        after = table_counts(store)
        assert after["delivery"] == tables_before["delivery"] + 1
        assert after["source_record"] - tables_before["source_record"] == report.total("inserted")
        assert after["quarantined_row"] - tables_before["quarantined_row"] == sum(
            q for *_, q in expect.files.values()
        )
        if expect.check:
            expect.check(store, report)

    # never a write outside the store: the delivery and everything around it untouched
    assert snapshot(tmp_path) == files_before


class _RecordingRow(dict):  # type: ignore[type-arg]
    """A delivered row that remembers which columns a parser asked for (all empty)."""

    def __init__(self) -> None:
        super().__init__({"(not a column)": None})  # non-empty: parsers use `values or {}`
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return default


def test_every_column_an_adapter_reads_is_declared() -> None:
    """``ignored_columns`` reports exactly the columns no parser reads: every CSV parser
    reads its required and optional columns, and no others."""
    for adapter in ADAPTERS.values():
        for spec in adapter.files:
            if spec.kind != "csv":
                continue
            row = _RecordingRow()
            context = DeliveryContext("housing", datetime(2026, 11, 20, tzinfo=UTC))
            spec.parse(RawRow(1, 2, row, "[]"), RowChecks(), context)
            assert row.read == {*spec.required_columns, *spec.optional_columns}, spec.path


def test_a_huge_file_streams_in_bounded_memory(tmp_path: Path) -> None:
    """A 60 MB events file (600 rows, 100 of them 600 KB each) ingests with a traced memory
    peak far below the file size: rows are streamed, and written in batches bounded in rows
    and in characters (before the character bound, one batch held every huge row at once).

    SQLite only: the reading and batching under test are the same for both stores."""
    folder = tmp_path / "d"
    folder.mkdir()
    header = "person_id,forenames,surname,date_of_birth,gender,address_line,postcode\n"
    (folder / "persons.csv").write_text(header + "H1,Amy,Smith,1990-01-01,F,1 High St,LS6 2AB\n")
    huge = "y" * 600_000
    with (folder / "events.csv").open("w", encoding="utf-8") as handle:
        handle.write("event_id,person_id,occurred_at,type,detail\n")
        for n in range(600):
            detail = huge if n % 6 == 5 else f"note {n}"
            handle.write(f"E{n},H1,2026-01-01T10:00:00Z,RENT_ARREARS,{detail}\n")
    write_manifest(folder, "housing", ["persons.csv", "events.csv"])
    size = (folder / "events.csv").stat().st_size
    assert size > 60_000_000

    engine = make_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    tracemalloc.start()
    try:
        report = ingest_delivery(engine, folder)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        engine.dispose()
    events = next(f for f in report.files if f.path == "events.csv")
    assert (events.rows, events.accepted, events.quarantined) == (600, 500, 100)
    assert events.findings == {"FIELD_TOO_LONG": 100}  # free text over 4,000 characters
    assert peak < size / 4, f"peak {peak:,} bytes for a {size:,}-byte file"


# --- the command line -----------------------------------------------------------------------
def _cli(database_url: str, *args: str) -> Any:
    runner = CliRunner()
    return runner.invoke(app, list(args), env={"JOINEDUP_DATABASE_URL": database_url})


def test_cli_exits_zero_with_quarantined_rows(
    engine: Engine, database_url: str, tmp_path: Path
) -> None:
    folder = police(tmp_path / "d", persons=corpus("police/persons_formula_injection.csv"))
    result = _cli(database_url, "ingest", str(folder), "--json")
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    report = json.loads(result.stdout)
    assert (report["rows"], report["accepted"], report["quarantined"]) == (10, 4, 6)
    assert report["files"][PERSONS]["findings"] == {"FORMULA_INJECTION": 6}


@pytest.mark.parametrize(
    ("build", "reason"),
    [
        (_tampered, r"persons\.csv: SHA-256 expected [0-9a-f]{64}, actual [0-9a-f]{64}"),
        (_static_manifest("not_json.json"), r"manifest\.json is not valid JSON"),
        (_traversal("../x.csv"), r"file path '\.\./x\.csv' in manifest\.json leaves the delivery"),
    ],
    ids=["sha256-mismatch", "manifest-not-json", "path-traversal"],
)
def test_cli_rejects_with_one_line_and_no_traceback(
    build: Callable[[Path], Path], reason: str, engine: Engine, database_url: str, tmp_path: Path
) -> None:
    folder = build(tmp_path)
    before = table_counts(engine)
    for args in (["ingest", str(folder)], ["ingest", str(folder), "--json"]):
        result = _cli(database_url, *args)
        assert result.exit_code == DeliveryRejected.exit_code, result.output
        assert "Traceback" not in result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and lines[0].startswith("error: delivery "), result.stderr
        assert re.search(reason, lines[0]), lines[0]
        assert result.stdout == ""
    assert table_counts(engine) == before


def test_large_delivery_helper_counts(tmp_path: Path) -> None:
    """The atomicity test's generator writes what its manifest says (guards that test)."""
    folder = big_housing_delivery(tmp_path / "d", 100)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {f["path"]: f["rows"] for f in manifest["files"]} == {
        "persons.csv": 100,
        "events.csv": 200,
    }

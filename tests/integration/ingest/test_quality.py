"""The data-quality report: exact figures from small deliveries with known problems."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine
from typer.testing import CliRunner

from joinedup.cli import app
from joinedup.ingest import ingest_delivery
from joinedup.ingest.quality import agency_quality, all_agencies_quality
from tests.support.deliveries import (
    agency_events_delivery,
    police_delivery,
    school_census_delivery,
    valid_nhs_numbers,
    valid_upn,
)

NHS = valid_nhs_numbers(3)
D1_EXTRACTED = "2026-11-20T06:00:00Z"
D1_RECEIVED = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
D2_EXTRACTED = "2026-11-27T06:00:00Z"
D2_RECEIVED = datetime(2026, 11, 28, 6, 0, tzinfo=UTC)
# The CLI reports as at the day after the first delivery, as the store tests do: "now" would
# make timeliness (and so the worst problems) depend on the day the suite runs.
AS_OF = ["--as-of", "2026-11-21T06:00:00Z"]

# Housing: 8 person rows (one quarantined: a formula for a surname), 4 events (one names no
# person).
HOUSING_PERSONS = [
    ["H1", "Ann", "Lee", "1980-01-01", "F", "1 A St", "LS6 2AB", NHS[0], "", ""],
    ["H2", "Bob", "Lee", "1979-02-02", "M", "", "LS6 2AB", NHS[1], "", ""],
    ["H3", "Cat", "Ray", "1990-03-03", "F", "", "NOT A PC", "", "", ""],
    ["H4", "Dan", "Ray", "1991-04-04", "M", "", "LS7 1AA", "1234567890", "", ""],
    ["H5", "Eve", "Kay", "", "F", "", "LS7 1AA", "", "", ""],
    ["H6", "ann", "LEE", "1980-01-01", "F", "", "LS6 2AB", NHS[0], "", ""],
    ["H7", "Gus", "=Moe", "2001-01-01", "M", "", "LS6 2AB", "", "", ""],
    ["H8", "Hal", "Noe", "1985-05-05", "X", "", "LS8 1AB", NHS[0], "", ""],
]
HOUSING_EVENTS = [
    ["E1", "H1", "2026-01-01T10:00:00Z", "HOMELESS_APPLICATION", ""],
    ["E2", "H9", "2026-02-01T10:00:00Z", "RENT_ARREARS", ""],
    ["E3", "H2", "2026-03-01T10:00:00Z", "RENT_ARREARS", ""],
    ["E4", "H3", "2026-04-01T10:00:00Z", "EVICTION_NOTICE", ""],
]
WORST_AFTER_D1 = [
    "43% of person records have no NHS number (14% were delivered with an invalid one, "
    "which was dropped)",
    "43% of person records share an NHS number with another record of this agency "
    "(1 group): possible duplicates",
    "29% of person records share a name and date of birth with another record of this "
    "agency (1 group): possible duplicates",
    "14% of person records have no date of birth",
    "14% of person records have no postcode (14% were delivered with an invalid one, "
    "which was dropped)",
]
TOP_KEYS = {
    "agency",
    "agency_name",
    "feed_format",
    "generated_at",
    "deliveries",
    "person_records",
    "rows_delivered",
    "worst_problems",
    "completeness",
    "duplicates",
    "timeliness",
    "quarantine",
    "warnings",
    "trend",
    "findings",
}


def _housing(engine: Engine, tmp_path: Path, *, second: bool = False) -> None:
    folder = agency_events_delivery(
        tmp_path / "housing-1",
        persons=HOUSING_PERSONS,
        events=HOUSING_EVENTS,
        extracted_at=D1_EXTRACTED,
    )
    ingest_delivery(engine, folder, received_at=D1_RECEIVED)
    if second:
        corrected = [
            ["H3", "Cat", "Ray", "1990-03-03", "F", "", "LS8 1AB", "", "", ""],
            ["H4", "Dan", "Ray", "1991-04-04", "M", "", "LS7 1AA", NHS[2], "", ""],
            ["H7", "Gus", "Moe", "1987-01-01", "M", "", "LS6 2AB", "", "", ""],
        ]
        folder = agency_events_delivery(
            tmp_path / "housing-2", persons=corrected, events=[], extracted_at=D2_EXTRACTED
        )
        ingest_delivery(engine, folder, received_at=D2_RECEIVED)


def _report(engine: Engine, agency: str, now: datetime) -> dict[str, Any]:
    with engine.connect() as connection:
        return agency_quality(connection, agency, now)


def _fields(report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["field"]: f for f in report["completeness"]}


def test_completeness_validity_and_duplicates(engine: Engine, tmp_path: Path) -> None:
    _housing(engine, tmp_path)
    report = _report(engine, "housing", datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    assert set(report) == TOP_KEYS
    assert (report["deliveries"], report["person_records"], report["rows_delivered"]) == (1, 7, 12)
    fields = _fields(report)
    figures = {
        name: (f["present"], f["missing"], f["invalid"], f["completeness_percent"],
               f["validity_percent"])
        for name, f in fields.items()
        if f["expected"]
    }  # fmt: skip
    assert figures == {
        "nhs_number": (4, 3, 1, 57.1, 80.0),
        "date_of_birth": (6, 1, 0, 85.7, 100.0),
        "postcode": (6, 1, 1, 85.7, 85.7),
        "forenames": (7, 0, 0, 100.0, 100.0),
        "surname": (7, 0, 0, 100.0, 100.0),
        "sex": (6, 1, 1, 85.7, 85.7),
    }
    assert fields["upn"]["expected"] is False
    assert report["duplicates"] == {
        "same_nhs_number": {"groups": 1, "records": 3, "percent": 42.9},
        "same_upn": {"groups": 0, "records": 0, "percent": 0.0},
        "same_name_and_dob": {"groups": 1, "records": 2, "percent": 28.6},
    }
    assert report["quarantine"] == {
        "rows_delivered": 12,
        "quarantined_at_ingest": 2,
        "quarantined_percent": 16.7,
        "open": 2,
        "resolved": 0,
        "open_by_code": {"FORMULA_INJECTION": 1, "UNKNOWN_REFERENCE": 1},
    }
    assert report["warnings"] == {"rows_with_warnings": 3, "percent": 25.0}
    assert report["timeliness"]["mean_lag_hours"] == 12.0
    assert report["timeliness"]["newest_age_days"] == 1.0


def test_worst_problems_come_first_in_plain_language(engine: Engine, tmp_path: Path) -> None:
    _housing(engine, tmp_path)
    report = _report(engine, "housing", datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    assert [p["sentence"] for p in report["worst_problems"]] == WORST_AFTER_D1
    scores = [p["score"] for p in report["worst_problems"]]
    assert scores == sorted(scores, reverse=True)
    assert [p["kind"] for p in report["worst_problems"]] == [
        "completeness",
        "duplicates",
        "duplicates",
        "completeness",
        "completeness",
    ]
    findings = [(f["code"], f["severity"], f["rows"]) for f in report["findings"]]
    assert findings == [
        ("FORMULA_INJECTION", "error", 1),
        ("UNKNOWN_REFERENCE", "error", 1),
        ("INVALID_CODE", "warning", 1),
        ("INVALID_NHS_NUMBER", "warning", 1),
        ("INVALID_POSTCODE", "warning", 1),
    ]
    examples = {f["code"]: f["example"] for f in report["findings"]}
    assert examples["INVALID_NHS_NUMBER"] == (
        "nhs_number: invalid NHS number '…': modulus-11 check digit fails"
    )
    assert examples["FORMULA_INJECTION"] == (
        "surname starts with '…', which spreadsheets run as a formula"
    )
    # Counts and codes only: no delivered value reaches the report.
    text = json.dumps(report)
    for value in ("1234567890", NHS[0], "Ann", "Lee", "H9", "1980-01-01", "NOT A PC"):
        assert value not in text


def test_trend_over_two_deliveries(engine: Engine, tmp_path: Path) -> None:
    _housing(engine, tmp_path, second=True)
    report = _report(engine, "housing", datetime(2026, 12, 9, 6, 0, tzinfo=UTC))
    trend = [
        (d["rows"], d["quarantined"], d["quarantined_percent"], d["warning_percent"],
         d["open_quarantined"], d["records_current"], d["completeness"]["nhs_number"],
         d["completeness"]["postcode"], d["lag_hours"], d["invalid"])
        for d in report["trend"]
    ]  # fmt: skip
    assert trend == [
        (12, 2, 16.7, 25.0, 1, 5, 80.0, 100.0, 12.0,
         {"INVALID_CODE": 1, "INVALID_NHS_NUMBER": 1, "INVALID_POSTCODE": 1}),
        (3, 0, 0.0, 0.0, 0, 3, 33.3, 100.0, 24.0, {}),
    ]  # fmt: skip
    nhs = _fields(report)["nhs_number"]
    # H4's current version (delivery 2) has a valid NHS number: nothing invalid is current.
    assert (nhs["present"], nhs["invalid"], nhs["completeness_percent"]) == (5, 0, 62.5)
    assert report["quarantine"]["open"] == 1 and report["quarantine"]["resolved"] == 1
    assert report["quarantine"]["quarantined_percent"] == 13.3
    assert report["timeliness"] == {
        "newest_delivery_id": report["trend"][1]["delivery_id"],
        "newest_extracted_at": "2026-11-27T06:00:00+00:00",
        "newest_received_at": "2026-11-28T06:00:00+00:00",
        "newest_age_days": 12.0,
        "mean_lag_hours": 18.0,
        "max_lag_hours": 24.0,
        # no schedule for the agency (JOINEDUP_DELIVERY_SCHEDULE): never late
        "expected_every_hours": None,
        "hours_since_received": None,
        "late": None,
    }
    assert [p["sentence"] for p in report["worst_problems"][:2]] == [
        "38% of person records have no NHS number",
        "the newest delivery was extracted 12 days ago",
    ]


def test_police_duplicate_nominals_and_fields_the_feed_lacks(
    engine: Engine, tmp_path: Path
) -> None:
    persons = [
        ["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""],
        ["N2", "Tom", "Smith", "2016-07-12", "M", "1 High Street", "LS6 2AB", ""],
        ["N3", "Gary", "Jones", "1985-01-30", "M", "9 Low Road", "LS7 1AA", ""],
        ["N4", "JANE", "smith ", "1990-04-01", "F", "", "", ""],
        ["N5", "Gary", "Jones", "1985-01-30", "M", "", "LS7 1AA", ""],
    ]
    # received an hour after extraction, not "now": timeliness must not depend on the day
    # the test runs (it failed once the wall clock was 16 days past the extract)
    ingest_delivery(
        engine,
        police_delivery(tmp_path / "p", persons=persons),
        received_at=datetime(2026, 11, 20, 7, 0, tzinfo=UTC),
    )
    report = _report(engine, "police", datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    assert report["duplicates"]["same_name_and_dob"] == {"groups": 2, "records": 4, "percent": 80.0}
    fields = _fields(report)
    assert not fields["nhs_number"]["expected"] and not fields["upn"]["expected"]
    assert [p["sentence"] for p in report["worst_problems"]] == [
        "80% of person records share a name and date of birth with another record of this "
        "agency (2 groups): possible duplicates",
        "20% of person records have no postcode",
    ]


def _three_agencies(engine: Engine, tmp_path: Path) -> None:
    _housing(engine, tmp_path)
    ingest_delivery(engine, police_delivery(tmp_path / "police"))
    pupils = [
        {"upn": valid_upn(1), "legal_forename": "Amy", "legal_surname": "Lee",
         "date_of_birth": "2015-01-01", "sex": "F", "postcode": "LS6 2AB", "urn": "100001"},
        {"upn": valid_upn(2), "legal_forename": "Ben", "legal_surname": "Lee",
         "date_of_birth": "2016-01-01", "sex": "M", "postcode": "LS6 2AB", "urn": "100001"},
        {"upn": "X12345", "legal_forename": "Cal", "legal_surname": "Ng",
         "date_of_birth": "2015-06-01", "sex": "M", "postcode": "", "urn": "100001"},
    ]  # fmt: skip
    ingest_delivery(engine, school_census_delivery(tmp_path / "education", pupils=pupils))


def test_all_agencies_side_by_side(engine: Engine, tmp_path: Path) -> None:
    _three_agencies(engine, tmp_path)
    with engine.connect() as connection:
        summary = all_agencies_quality(connection, datetime(2026, 11, 21, 6, 0, tzinfo=UTC))
    rows = {a["agency"]: a for a in summary["agencies"]}
    assert len(rows) == 8 and rows["health"]["deliveries"] == 0
    assert rows["health"]["worst_problem"] is None
    education = rows["education"]
    assert education["completeness"]["upn"] == 66.7
    assert education["completeness"]["nhs_number"] is None  # not in the school census
    assert education["person_records"] == 3 and education["rows_delivered"] == 4
    assert rows["housing"]["completeness"]["nhs_number"] == 57.1
    assert rows["housing"]["quarantined_percent"] == 16.7
    assert rows["police"]["quarantined_percent"] == 0.0
    assert rows["housing"]["worst_problem"] == WORST_AFTER_D1[0]


@pytest.fixture
def cli_store(engine: Engine, monkeypatch: pytest.MonkeyPatch) -> Engine:
    monkeypatch.setenv("JOINEDUP_DATABASE_URL", engine.url.render_as_string(hide_password=False))
    return engine


def test_cli_quality_json_html_and_terminal(cli_store: Engine, tmp_path: Path) -> None:
    _three_agencies(cli_store, tmp_path)
    runner = CliRunner()
    result = runner.invoke(app, ["quality", "housing", "--json", *AS_OF])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert set(report) == TOP_KEYS
    assert [p["sentence"] for p in report["worst_problems"]] == WORST_AFTER_D1

    page = tmp_path / "housing.html"
    result = runner.invoke(app, ["quality", "housing", "--html", str(page), *AS_OF])
    assert result.exit_code == 0, result.output
    text = " ".join(result.stdout.split())
    assert "Worst problems" in text and WORST_AFTER_D1[0] in text
    assert "Trend across deliveries" in text and "Top findings" in text
    html = page.read_text(encoding="utf-8")
    for heading in (
        "<h1>Data quality: Housing</h1>",
        "<h2>Worst problems</h2>",
        "<h2>Completeness and validity</h2>",
        "<h2>Duplicates within the agency</h2>",
        "<h2>Timeliness</h2>",
        "<h2>Quarantine</h2>",
        "<h2>Trend across deliveries</h2>",
        "<h2>Top findings</h2>",
    ):
        assert heading in html
    assert '<html lang="en">' in html and '<th scope="col">' in html
    assert html.count("<svg") == 2 and 'role="img"' in html
    assert "<link" not in html and "<script" not in html and "src=" not in html
    assert f"<li>{WORST_AFTER_D1[3]}</li>" in html
    assert "1234567890" not in html and "Ann" not in html

    result = runner.invoke(
        app, ["quality", "--all", "--json", "--html", str(tmp_path / "a.html"), *AS_OF]
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert [a["agency"] for a in summary["agencies"]][:3] == ["social_care", "health", "police"]
    all_page = (tmp_path / "a.html").read_text(encoding="utf-8")
    assert "<h1>Data quality: every agency</h1>" in all_page and "<h2>Summary by agency" in all_page

    result = runner.invoke(app, ["quality", "--all"])
    assert result.exit_code == 0 and "education" in result.stdout


def test_cli_quality_needs_one_agency_or_all(cli_store: Engine) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["quality"]).exit_code == 2
    assert runner.invoke(app, ["quality", "police", "--all"]).exit_code == 2
    result = runner.invoke(app, ["quality", "fire_service"])
    assert result.exit_code == 2 and "unknown agency" in result.output
    result = runner.invoke(app, ["quality", "police", "--as-of", "last tuesday"])
    assert result.exit_code == 2 and "--as-of 'last tuesday' is not an ISO 8601" in result.output


def test_cli_quality_as_of_sets_the_clock_timeliness_is_measured_to(
    cli_store: Engine, tmp_path: Path
) -> None:
    _housing(cli_store, tmp_path)  # the newest extract: 2026-11-20 06:00
    runner = CliRunner()
    ages = {}
    for as_of in ("2026-11-21T06:00:00Z", "2026-12-20", "2026-12-20T06:00:00+12:00"):
        result = runner.invoke(app, ["quality", "housing", "--json", "--as-of", as_of])
        assert result.exit_code == 0, result.output
        report = json.loads(result.stdout)
        ages[as_of] = report["timeliness"]["newest_age_days"]
    # a date alone is midnight UTC; an offset is honoured
    assert ages == {
        "2026-11-21T06:00:00Z": 1.0,
        "2026-12-20": 29.8,
        "2026-12-20T06:00:00+12:00": 29.5,
    }

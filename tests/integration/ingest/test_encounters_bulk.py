# ruff: noqa: E501  (the table of lines reads best one line each)
"""FHIR Encounter lines found clean a chunk at a time (DuckDB) are exactly what the row-by-row
parse makes of them, and every line it would find something in takes that row-by-row way.

The lines are written canonically (sorted keys, compact), as the generator writes them, so
that each reaches DuckDB's checks rather than being turned away for its layout alone.
"""

from __future__ import annotations

import hashlib
import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from joinedup.ingest import fhir_encounters_bulk, parse_side
from joinedup.ingest.base import DeliveryContext
from joinedup.ingest.manifest import read_manifest
from joinedup.ingest.parsed_batch import CleanRow

EXTRACTED = "2026-11-01T06:00:00Z"


def _line(resource: dict[str, Any]) -> str:
    return json.dumps(resource, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _encounter(id_: Any = "E1", **changes: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Encounter",
        "id": id_,
        "subject": {"reference": "Patient/P1"},
        "class": {"code": "EMER", "system": "http://terminology.hl7.org/CodeSystem/v3-ActCode"},
        "period": {"start": "2025-03-04T10:20:00Z"},
        "reasonCode": [{"text": "INJURY"}],
        "serviceProvider": {"display": "WF1 Preston Medical Practice"},
        "status": "finished",
    }
    for key, value in changes.items():
        if value is None:
            resource.pop(key, None)
        else:
            resource[key] = value
    return resource


# (what it is, the line, whether the chunked checks take it as clean)
# fmt: off
LINES: list[tuple[str, str, bool]] = [
    ("clean", _line(_encounter("E1")), True),
    ("clean, no reason or provider", _line(_encounter("E2", reasonCode=None, serviceProvider=None)), True),
    ("clean, offset and fraction", _line(_encounter("E3", period={"start": "2025-03-04T10:20:00.5+01:00"})), True),
    ("clean, null resourceType", _line(_encounter("E4", resourceType="null-later")).replace('"null-later"', "null"), True),
    ("clean, empty provider", _line(_encounter("E5", serviceProvider={"display": ""})), True),
    ("clean, null reason text", _line(_encounter("E6", reasonCode=[{"text": "x"}])).replace('"x"', "null"), True),
    ("keys not sorted", json.dumps(_encounter("E7"), separators=(",", ":")), False),
    ("spaces after separators", json.dumps(_encounter("E8"), sort_keys=True), False),
    # taken by the chunked checks; the file's reader then reads it the usual way, which says
    # that the key is repeated
    ("repeated id", _line(_encounter("E1")), True),
    ("unknown patient", _line(_encounter("E9", subject={"reference": "Patient/NOBODY"})), False),
    ("before birth", _line(_encounter("E10", subject={"reference": "Patient/P2"}, period={"start": "2015-01-01T00:00:00Z"})), False),
    ("future start", _line(_encounter("E11", period={"start": "2027-01-01T00:00:00Z"})), False),
    ("no offset", _line(_encounter("E12", period={"start": "2025-03-04T10:20:00"})), False),
    ("not a date", _line(_encounter("E13", period={"start": "2025-02-30T10:20:00Z"})), False),
    ("before 1900", _line(_encounter("E14", period={"start": "1899-12-31T10:20:00Z"})), False),
    ("lower-case class", _line(_encounter("E15", **{"class": {"code": "emer"}})), False),
    ("unknown class", _line(_encounter("E16", **{"class": {"code": "HOME"}})), False),
    ("lower-case reason", _line(_encounter("E17", reasonCode=[{"text": "injury"}])), False),
    ("reason a list", _line(_encounter("E18", reasonCode=[{"text": ["INJURY"]}])), False),
    ("reasonCode an object", _line(_encounter("E19", reasonCode={"text": "INJURY"})), False),
    ("numeric id", _line(_encounter(20)), False),
    ("id with a space", _line(_encounter(" E21")), False),
    ("formula id", _line(_encounter("=E22")), False),
    ("long id", _line(_encounter("E" * 61)), False),
    ("long patient id", _line(_encounter("E23", subject={"reference": "Patient/" + "P" * 61})), False),
    ("wrong resource type", _line(_encounter("E24", resourceType="Patient")), False),
    ("subject a text", _line(_encounter("E25", subject="Patient/P1")), False),
    ("provider a list", _line(_encounter("E26", serviceProvider=[{"display": "X"}])), False),
    ("provider non-ASCII", _line(_encounter("E27", serviceProvider={"display": "Clinig Ysbyty Gŵyr"})), False),
    ("provider leading space", _line(_encounter("E28", serviceProvider={"display": " WF1"})), False),
    ("provider formula", _line(_encounter("E29", serviceProvider={"display": "=cmd"})), False),
    ("a float", _line(_encounter("E30", length=1.5)), False),
    ("an escape", _line(_encounter("E31", note="a\u0000b")), False),
    ("a repeated JSON key", _line(_encounter("E32"))[:-1] + ',"id":"E33"}', False),
    ("not JSON", '{"id":"E34",', False),
    ("not an object", '["E35"]', False),
    ("not UTF-8", '{"id":"E36\udcff"}', False),
    ("clean after the rest", _line(_encounter("E37", subject={"reference": "Patient/P2"}, period={"start": "2020-01-01T00:00:00Z"})), True),
]
# fmt: on


@pytest.fixture
def delivery(tmp_path: Path) -> Path:
    patients = [
        {"birthDate": born, "id": pid, "name": [{"family": "Rees"}], "resourceType": "Patient"}
        for pid, born in (("P1", "2010-01-01"), ("P2", "2019-06-01"))
    ]
    files = {
        "Patient.ndjson": "".join(_line(p) + "\n" for p in patients),
        # the lines exactly as listed, with a blank line among them, which is not a row
        "Encounter.ndjson": "\n".join(line for _, line, _ in LINES[:5])
        + "\n\n"
        + "".join(line + "\n" for _, line, _ in LINES[5:]),
    }
    entries = []
    for name, text in files.items():
        data = text.encode("utf-8", "surrogateescape")
        (tmp_path / name).write_bytes(data)
        rows = sum(1 for line in data.splitlines() if line.strip())
        entries.append({"path": name, "rows": rows, "sha256": hashlib.sha256(data).hexdigest()})
    manifest = {
        "agency": "health",
        "format": "fhir-r4-bulk/1",
        "partnership": "test",
        "extracted_at": EXTRACTED,
        "files": entries,
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    return tmp_path


def _parse(folder: Path) -> list[Any]:
    manifest = read_manifest(folder)
    return list(parse_side.parse_delivery(manifest, parse_side.plan_files(manifest)))


def test_chunked_checks_make_what_the_row_parse_makes(
    delivery: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    chunked = _parse(delivery)
    monkeypatch.setattr(parse_side, "BULK_READERS", {})
    row_by_row = _parse(delivery)
    assert chunked == row_by_row
    batch = next(b for b in chunked if getattr(b, "source_table", "") == "Encounter")
    assert batch.rows == len(LINES)


def test_only_lines_with_nothing_to_say_are_taken_as_clean(delivery: Path) -> None:
    extracted = read_manifest(delivery).extracted_at
    context = DeliveryContext("health", extracted, keys={"Patient": {"P1", "P2"}})
    context.births.update({"P1": date(2010, 1, 1), "P2": date(2019, 6, 1)})
    rows = list(fhir_encounters_bulk.encounter_rows(delivery / "Encounter.ndjson", context))
    assert [r.row_number for r in rows] == list(range(1, len(LINES) + 1))
    clean = [r.source_id for r in rows if isinstance(r, CleanRow)]
    assert clean == [json.loads(line)["id"] for _, line, taken in LINES if taken]

"""Build agency delivery folders for tests: files plus a correct (or deliberately wrong)
manifest.json, exactly as docs/feeds.md describes."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from joinedup.ingest.manifest import delivered_rows

FORMATS = {
    "social_care": "ssd-csv/1",
    "health": "fhir-r4-bulk/1",
    "police": "pole-csv/1",
    "education": "school-census-csv/1",
    "housing": "agency-events-csv/1",
    "probation": "agency-events-csv/1",
    "substance_misuse": "agency-events-csv/1",
    "adult_mental_health": "agency-events-csv/1",
}


def csv_text(header: Sequence[str], rows: Iterable[Sequence[Any] | dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        if isinstance(row, dict):
            row = [row.get(h, "") for h in header]
        writer.writerow(["" if v is None else v for v in row])
    return buffer.getvalue()


def ndjson_text(resources: Iterable[dict[str, Any]]) -> str:
    return "".join(json.dumps(r) + "\n" for r in resources)


def write_manifest(
    folder: Path,
    agency: str,
    files: Sequence[str],
    *,
    extracted_at: str = "2026-11-20T06:00:00Z",
    overrides: dict[str, dict[str, Any]] | None = None,
    feed_format: str | None = None,
) -> None:
    entries = []
    for name in files:
        path = folder / name
        entry = {
            "path": name,
            "rows": delivered_rows(path),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
        entry.update((overrides or {}).get(name, {}))
        entries.append(entry)
    manifest = {
        "agency": agency,
        "format": feed_format or FORMATS[agency],
        "partnership": "Testshire",
        "extracted_at": extracted_at,
        "files": entries,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2))


def make_delivery(folder: Path, agency: str, files: dict[str, str | bytes], **kwargs: Any) -> Path:
    """Write ``files`` (name -> content) into ``folder`` with a matching manifest."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, content in files.items():
        path = folder / name
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    write_manifest(folder, agency, list(files), **kwargs)
    return folder


POLICE_PERSONS = [
    "person_id",
    "forenames",
    "surname",
    "date_of_birth",
    "gender",
    "address_line",
    "postcode",
    "pnc_id",
]
POLICE_INCIDENTS = ["incident_id", "occurred_at", "category", "postcode", "dash_risk", "summary"]
POLICE_INVOLVEMENTS = ["incident_id", "person_id", "role"]


def police_delivery(
    folder: Path,
    *,
    persons: list[list[Any]] | None = None,
    incidents: list[list[Any]] | None = None,
    involvements: list[list[Any]] | None = None,
    **kwargs: Any,
) -> Path:
    """A small, valid police delivery; pass rows to replace any file's contents."""
    persons = (
        persons
        if persons is not None
        else [
            ["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""],
            ["N2", "Tom", "Smith", "2016-07-12", "M", "1 High Street", "LS6 2AB", ""],
            ["N3", "Gary", "Jones", "1985-01-30", "M", "9 Low Road", "LS7 1AA", "12/345678A"],
        ]
    )
    incidents = (
        incidents
        if incidents is not None
        else [
            ["I1", "2026-05-01T22:10:00Z", "DOMESTIC_ABUSE", "LS6 2AB", "HIGH", "Argument"],
            ["I2", "2026-06-02T14:00:00+01:00", "THEFT", "LS1 4AP", "", "Shop theft"],
        ]
    )
    involvements = (
        involvements
        if involvements is not None
        else [
            ["I1", "N1", "VICTIM"],
            ["I1", "N2", "CHILD_PRESENT"],
            ["I1", "N3", "SUSPECT"],
            ["I2", "N3", "SUSPECT"],
        ]
    )
    return make_delivery(
        folder,
        "police",
        {
            "persons.csv": csv_text(POLICE_PERSONS, persons),
            "incidents.csv": csv_text(POLICE_INCIDENTS, incidents),
            "involvements.csv": csv_text(POLICE_INVOLVEMENTS, involvements),
        },
        **kwargs,
    )


# --- other agencies -------------------------------------------------------------------------

AGENCY_PERSONS = [
    "person_id",
    "forenames",
    "surname",
    "date_of_birth",
    "gender",
    "address_line",
    "postcode",
    "nhs_number",
    "key_worker_name",
    "key_worker_email",
]
AGENCY_EVENTS = ["event_id", "person_id", "occurred_at", "type", "detail"]


def agency_events_delivery(
    folder: Path,
    agency: str = "housing",
    *,
    persons: list[list[Any]],
    events: list[list[Any]],
    **kwargs: Any,
) -> Path:
    """An ``agency-events-csv/1`` delivery (housing, probation, substance misuse, adult MH).

    ``persons`` rows follow ``AGENCY_PERSONS``; ``events`` rows follow ``AGENCY_EVENTS``.
    """
    return make_delivery(
        folder,
        agency,
        {
            "persons.csv": csv_text(AGENCY_PERSONS, persons),
            "events.csv": csv_text(AGENCY_EVENTS, events),
        },
        **kwargs,
    )


SCHOOLS = ["urn", "name", "phase", "dsl_name", "dsl_email"]
PUPILS = [
    "upn",
    "former_upn",
    "legal_forename",
    "legal_surname",
    "preferred_forename",
    "preferred_surname",
    "date_of_birth",
    "sex",
    "postcode",
    "urn",
    "entry_date",
    "leaving_date",
    "fsm_eligible",
    "sen_provision",
    "ethnicity",
]
ATTENDANCE = [
    "upn",
    "urn",
    "term",
    "sessions_possible",
    "sessions_authorised_absence",
    "sessions_unauthorised_absence",
]


def school_census_delivery(
    folder: Path,
    *,
    pupils: list[dict[str, Any]],
    schools: list[list[Any]] | None = None,
    attendance: list[list[Any]] | None = None,
    **kwargs: Any,
) -> Path:
    """A ``school-census-csv/1`` delivery; ``pupils`` are dicts over ``PUPILS`` (missing
    columns are empty), ``schools`` default to one primary school with URN 100001."""
    schools = (
        schools
        if schools is not None
        else [["100001", "Hill Primary", "PRIMARY", "A Lead", "dsl@hill.example"]]
    )
    return make_delivery(
        folder,
        "education",
        {
            "schools.csv": csv_text(SCHOOLS, schools),
            "pupils.csv": csv_text(PUPILS, pupils),
            "attendance.csv": csv_text(ATTENDANCE, attendance or []),
        },
        **kwargs,
    )


def fhir_delivery(folder: Path, resources: dict[str, list[dict[str, Any]]], **kwargs: Any) -> Path:
    """A ``fhir-r4-bulk/1`` delivery: resource type -> resources (``Patient`` is required)."""
    return make_delivery(
        folder,
        "health",
        {f"{kind}.ndjson": ndjson_text(items) for kind, items in resources.items()},
        **kwargs,
    )


def ssd_delivery(folder: Path, tables: dict[str, list[dict[str, Any]]], **kwargs: Any) -> Path:
    """An ``ssd-csv/1`` delivery: SSD table name -> rows as dicts (columns from the first)."""
    files = {}
    for table, rows in tables.items():
        header = list(rows[0]) if rows else []
        files[f"{table}.csv"] = csv_text(header, rows)
    return make_delivery(folder, "social_care", files, **kwargs)


def valid_nhs_numbers(count: int, start: int = 943476500) -> list[str]:
    """``count`` NHS numbers that pass the modulus-11 check (synthetic, outside CHI range)."""
    from joinedup.domain.identifiers import nhs_number_check_digit

    found: list[str] = []
    candidate = start
    while len(found) < count:
        check = nhs_number_check_digit(str(candidate))
        if check is not None:
            found.append(f"{candidate}{check}")
        candidate += 1
    return found


def valid_upn(serial: int, la: str = "383") -> str:
    """A valid permanent UPN for local authority ``la`` (synthetic)."""
    from joinedup.domain.identifiers import upn_check_letter

    tail = f"{la}{serial:09d}"
    return upn_check_letter(tail) + tail

"""Helpers for the hostile-input and atomicity tests: the corpus, delivery builders that take
corpus bytes or rows, a table census of the store, and a file-system snapshot (to prove an
ingest writes nothing outside the store)."""

from __future__ import annotations

import csv
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, inspect, select, table

from tests.support.deliveries import (
    POLICE_INCIDENTS,
    POLICE_INVOLVEMENTS,
    POLICE_PERSONS,
    csv_text,
    write_manifest,
)

CORPUS = Path(__file__).resolve().parent.parent / "data" / "hostile"

# A file's content: corpus bytes, text, or rows under the file's usual header.
Content = bytes | str | Sequence[Sequence[Any]]

DEFAULT_PERSONS = [
    ["N1", "Jane", "Smith", "1990-04-01", "F", "1 High Street", "LS6 2AB", ""],
    ["N2", "Tom", "Smith", "2016-07-12", "M", "1 High Street", "LS6 2AB", ""],
    ["N3", "Gary", "Jones", "1985-01-30", "M", "9 Low Road", "LS7 1AA", "12/345678A"],
]
DEFAULT_INCIDENTS = [
    ["I1", "2026-05-01T22:10:00Z", "DOMESTIC_ABUSE", "LS6 2AB", "HIGH", "Argument"],
    ["I2", "2026-06-02T14:00:00+01:00", "THEFT", "LS1 4AP", "", "Shop theft"],
]


def corpus(relative: str) -> bytes:
    return (CORPUS / relative).read_bytes()


def _bytes(content: Content, header: Sequence[str]) -> bytes:
    if isinstance(content, bytes):
        return content
    if isinstance(content, str):
        return content.encode("utf-8")
    return csv_text(header, content).encode("utf-8")


def write_files(folder: Path, agency: str, files: dict[str, bytes], **manifest: Any) -> Path:
    """Write ``files`` byte for byte into ``folder`` with a manifest that matches them."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    write_manifest(folder, agency, list(files), **manifest)
    return folder


def police(
    folder: Path,
    *,
    persons: Content = DEFAULT_PERSONS,
    incidents: Content = DEFAULT_INCIDENTS,
    involvements: Content = (),
    **manifest: Any,
) -> Path:
    """A police delivery; no involvements unless given, so each case is about one file."""
    return write_files(
        folder,
        "police",
        {
            "persons.csv": _bytes(persons, POLICE_PERSONS),
            "incidents.csv": _bytes(incidents, POLICE_INCIDENTS),
            "involvements.csv": _bytes(involvements, POLICE_INVOLVEMENTS),
        },
        **manifest,
    )


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the database (whichever capabilities created them)."""
    names = sorted(inspect(engine).get_table_names())
    with engine.connect() as connection:
        return {
            name: int(
                connection.execute(select(func.count()).select_from(table(name))).scalar_one()
            )
            for name in names
        }


def snapshot(root: Path, *, ignore_prefixes: Sequence[str] = ()) -> dict[str, tuple[int, ...]]:
    """Every path under ``root`` (symlinks not followed) with its type, size and mtime."""
    found: dict[str, tuple[int, ...]] = {}
    for directory, dirs, files in os.walk(root, followlinks=False):
        for name in dirs + files:
            path = Path(directory) / name
            relative = path.relative_to(root).as_posix()
            if any(relative.startswith(prefix) for prefix in ignore_prefixes):
                continue
            info = path.lstat()
            size = 0 if path.is_dir() and not path.is_symlink() else info.st_size
            found[relative] = (info.st_mode, size, info.st_mtime_ns)
    return found


HOUSING_PERSONS = [
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
HOUSING_EVENTS = ["event_id", "person_id", "occurred_at", "type", "detail"]
HOUSING_TYPES = ("HOMELESS_APPLICATION", "TEMPORARY_ACCOMMODATION", "RENT_ARREARS")


def big_housing_delivery(folder: Path, people: int, *, bad_every: int = 50) -> Path:
    """A housing delivery of ``people`` persons with two events each, streamed to disk.

    Every ``bad_every``-th event names a person not in the delivery (quarantined), so the
    delivery has accepted rows, warnings-free rows and quarantined rows alike.
    """
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "persons.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HOUSING_PERSONS)
        for i in range(people):
            writer.writerow(
                [
                    f"H{i}",
                    "Amy",
                    f"Smith{i % 97}",
                    f"{1960 + i % 50}-0{1 + i % 9}-1{i % 10}",
                    "MF"[i % 2],
                    f"{i % 300} High Street",
                    "LS6 2AB",
                    "",
                    f"Worker {i % 40}",
                    f"worker{i % 40}@housing.example",
                ]
            )
    with (folder / "events.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HOUSING_EVENTS)
        for n in range(2 * people):
            person = f"H{n // 2}" if n % bad_every else f"NOBODY{n}"
            writer.writerow(
                [
                    f"E{n}",
                    person,
                    f"2026-0{1 + n % 9}-1{n % 10}T10:00:00Z",
                    HOUSING_TYPES[n % 3],
                    f"note {n}",
                ]
            )
    write_manifest(folder, "housing", ["persons.csv", "events.csv"])
    return folder

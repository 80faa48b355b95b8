"""A batch of parsed rows as plain data: everything the writer stores, except the ids.

The parse side turns each batch of ``(RawRow, ParsedRow)`` pairs into a ``ParsedBatch`` that
needs no database: findings, quarantined rows, and for each accepted row its canonical JSON,
its SHA-256 and every derived row (person record, events, addresses, involvements, family
memberships, identifiers, practitioners). The writer allocates the ids, decides what is new or
changed, and inserts. Both ingest paths (in one process, or parsing in a second process) build
batches with these same functions, so they store the same bytes.

Only tuples, lists and dicts of text, numbers, dates and None: a batch crosses a process
boundary by pickle, and pickling the slotted dataclasses and enums of ``ParsedRow`` cost as much
as parsing them.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, NamedTuple

from joinedup.ingest.base import ParsedRow
from joinedup.ingest.canonical import canonical_and_digest
from joinedup.ingest.derived_rows import event_fields, person_fields
from joinedup.ingest.reading import RawRow
from joinedup.ingest.store_limits import SOURCE_ID_CHARS, too_long
from joinedup.ingest.validation import ERROR
from joinedup.store.repositories import address_values, family_values, involvement_values

# The source record id of a derived dict before the writer has allocated it: the writer
# overwrites the key (dicts keep the column order ``insert_dicts`` has always used).
UNALLOCATED = 0

# (person record fields | None, event fields, address dicts, involvement dicts, family dicts,
# identifier dicts, practitioner fields, police network rows as (table name, dict)): each
# without the source record id, which the writer prepends (tuples) or fills in (dicts).
Derived = tuple[
    tuple[Any, ...] | None,
    list[tuple[Any, ...]],
    list[dict[str, Any]],
    list[dict[str, Any]],
    list[dict[str, Any]],
    list[dict[str, Any]],
    list[tuple[Any, ...]],
    list[tuple[str, dict[str, Any]]],
]


# An accepted row: (source id, row number, canonical JSON (hashed, and stored as is), its
# SHA-256, what it derives or None). A plain tuple, not a NamedTuple: pickling a NamedTuple
# calls its class per row, a quarter more time for a batch.
AcceptedRow = tuple[str, int, str, str, Derived | None]


class CleanRow(NamedTuple):
    """A row found clean a chunk at a time (``fhir_encounters_bulk``), already as
    ``prepare_batch`` would make it: its line as delivered, for reading it the usual way
    after all (a key repeated in the file)."""

    row_number: int
    line_number: int
    line: bytes
    source_table: str
    source_id: str
    accepted: AcceptedRow

    @property
    def size(self) -> int:
        return len(self.line)


class ParsedBatch(NamedTuple):
    file: str
    source_table: str
    rows: int
    warnings: int  # accepted rows with at least one finding
    findings: list[dict[str, Any]]  # row_finding values without delivery_id
    quarantined: list[dict[str, Any]]  # quarantined_row values without delivery/agency id
    accepted: list[AcceptedRow]


class FileOpened(NamedTuple):
    """A file of the plan is being read; ``ignored`` are its columns the format does not use."""

    file: str
    ignored: list[str]


class FileDone(NamedTuple):
    file: str
    rows: int  # rows read from it (accepted + quarantined)


def prepare_batch(
    file: str, batch: Sequence[tuple[RawRow, ParsedRow] | CleanRow], agency_id: str
) -> ParsedBatch:
    """The batch as plain data, with its too-long findings added (which may quarantine a
    row), its canonical JSON and digests taken, and its derived rows built."""
    findings: list[dict[str, Any]] = []
    quarantined: list[dict[str, Any]] = []
    accepted: list[AcceptedRow] = []
    warnings = 0
    for item in batch:
        if isinstance(item, CleanRow):
            accepted.append(item.accepted)
            continue
        raw, row = item
        # whether the row is quarantined, asked once (``row.quarantined`` looks at every
        # finding); a value too long for the store quarantines it (an error)
        refused = bool(row.findings) and any(f.severity == ERROR for f in row.findings)
        if not refused:
            over = too_long(row)
            if over:
                row.findings.extend(over)
                refused = True
        for finding in row.findings:
            findings.append(
                {
                    "file": file,
                    "row_number": raw.row_number,
                    "severity": finding.severity,
                    "code": finding.code,
                    "field": finding.field,
                    "message": finding.message[:2000],
                }
            )
        if refused:
            quarantined.append(_quarantined(file, raw, row))
            continue
        if row.findings:
            warnings += 1
        payload, digest = canonical_and_digest(row.payload, raw.plain)
        accepted.append(
            (row.source_id or "", raw.row_number, payload, digest, _derived(row, agency_id))
        )
    first = batch[0] if batch else None
    table = (
        ""
        if first is None
        else first.source_table
        if isinstance(first, CleanRow)
        else first[1].source_table
    )
    return ParsedBatch(file, table, len(batch), warnings, findings, quarantined, accepted)


def _quarantined(file: str, raw: RawRow, row: ParsedRow) -> dict[str, Any]:
    errors = [f for f in row.findings if f.severity == "error"]
    where = f"{file} row {raw.row_number} (line {raw.line_number})"
    message = "; ".join(
        f"{f.field}: {f.message}" if f.field and not f.message.startswith(f.field) else f.message
        for f in errors
    )
    return {
        "file": file,
        "row_number": raw.row_number,
        "source_table": row.source_table,
        # a key too long to be one is kept in the raw row, not as the key
        "source_id": row.source_id
        if row.source_id is None or len(row.source_id) <= SOURCE_ID_CHARS
        else None,
        "raw": raw.delivered() or json.dumps(row.payload),
        "reason_codes": sorted({f.code for f in errors}),
        "message": f"{where}: {message}",
    }


def _derived(row: ParsedRow, agency_id: str) -> Derived | None:
    if not (
        row.person is not None
        or row.events
        or row.addresses
        or row.involvements
        or row.families
        or row.identifiers
        or row.practitioners
        or row.network
    ):
        return None
    return (
        None if row.person is None else person_fields(row.person),
        [event_fields(event) for event in row.events],
        [address_values(agency_id, pid, a, UNALLOCATED) for pid, a in row.addresses],
        [involvement_values(i, UNALLOCATED) for i in row.involvements],
        [family_values(f, UNALLOCATED) for f in row.families],
        [
            {
                "source_record_id": UNALLOCATED,
                "agency_id": agency_id,
                "person_source_id": i.person_source_id,
                "identifier_type": i.identifier_type,
                "value": i.value,
            }
            for i in row.identifiers
        ],
        [
            (
                p.agency,
                p.practitioner_key,
                p.name,
                p.email,
                p.team,
                p.role,
                p.phone,
                p.kind,
                p.hours,
            )
            for p in row.practitioners
        ],
        [(name, {"source_record_id": UNALLOCATED, **values}) for name, values in row.network],
    )

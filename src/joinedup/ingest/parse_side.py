"""The parse side of an ingest: a delivery's files read and parsed into plain batches.

Nothing here touches the store. ``parse_delivery`` reads each file of the plan in order with
one ``DeliveryContext`` (so later files can check references to earlier ones), parses its rows,
flags keys delivered twice in a file, and hands out ``ParsedBatch``es bounded in rows and
characters. The pipeline writes them, either as they come in the same process or as they
arrive from a second process that runs this (``parse_process``).
"""

from __future__ import annotations

import gc
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import msgpack

from joinedup.domain.agencies import FeedFormat
from joinedup.errors import DeliveryRejected
from joinedup.ingest.agency_events import AgencyEventsAdapter
from joinedup.ingest.annex_a import AnnexAAdapter
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow
from joinedup.ingest.cin_census import CinCensusAdapter
from joinedup.ingest.fhir import FhirBulkAdapter, parse_encounter
from joinedup.ingest.fhir_encounters_bulk import encounter_rows
from joinedup.ingest.manifest import Manifest
from joinedup.ingest.parsed_batch import (
    CleanRow,
    FileDone,
    FileOpened,
    ParsedBatch,
    prepare_batch,
)
from joinedup.ingest.pole import PoliceAdapter
from joinedup.ingest.reading import HeaderError, RawRow, ndjson_row, read_csv, read_ndjson
from joinedup.ingest.school_census import SchoolCensusAdapter
from joinedup.ingest.school_census_xml import SchoolCensusXmlAdapter
from joinedup.ingest.ssd import SsdAdapter
from joinedup.ingest.ssda903 import Ssda903Adapter
from joinedup.ingest.validation import Finding, RowChecks
from joinedup.ingest.xlsx_rows import read_xlsx
from joinedup.ingest.xml_rows import read_xml
from joinedup.store import tables as t

ADAPTERS: dict[FeedFormat, FeedAdapter] = {
    FeedFormat.SSD_CSV: SsdAdapter(),
    FeedFormat.FHIR_R4_BULK: FhirBulkAdapter(),
    FeedFormat.POLE_CSV: PoliceAdapter(),
    FeedFormat.SCHOOL_CENSUS_CSV: SchoolCensusAdapter(),
    FeedFormat.AGENCY_EVENTS_CSV: AgencyEventsAdapter(),
    FeedFormat.CIN_CENSUS_XML: CinCensusAdapter(),
    FeedFormat.SSDA903_CSV: Ssda903Adapter(),
    FeedFormat.ANNEX_A_CSV: AnnexAAdapter(),
    FeedFormat.SCHOOL_CENSUS_XML: SchoolCensusXmlAdapter(),
}
BATCH_ROWS = 2000
# ...and at most this many delivered characters: a file of huge rows must not fill memory.
BATCH_CHARS = 2_000_000
SOURCE_TABLE_CHARS: int = getattr(t.source_record.c.source_table.type, "length", 80)

# What the parse side hands the writer, in order: per file of the plan, FileOpened, its
# batches, FileDone.
Item = FileOpened | ParsedBatch | FileDone

# Files whose clean rows are found a chunk at a time (vectorised, in DuckDB) rather than
# parsed row by row, by the parse function that reads the rest: the reader that does it.
# Tests switch it off to compare the two ways.
BULK_READERS: dict[Any, Callable[[Path, DeliveryContext], Iterator[RawRow | CleanRow]]] = {
    parse_encounter: encounter_rows,
}


# Cyclic garbage collections during an ingest: each batch holds thousands of parsed rows
# (dicts, lists, records), so the default threshold (700 new objects) runs a collection every
# few rows and scans the whole batch again and again, though an ingest makes almost no cyclic
# garbage. A higher threshold for the ingest's duration cut its CPU time by about a sixth.
INGEST_GC_THRESHOLD = 100_000

_gc_lock = threading.Lock()
_gc_ingests: list[tuple[int, int, int]] = []  # the threshold before the first running ingest


@contextmanager
def fewer_collections() -> Iterator[None]:
    """The higher threshold while any ingest of this process runs (threads included)."""
    with _gc_lock:
        if not _gc_ingests:
            before = gc.get_threshold()
            gc.set_threshold(max(before[0], INGEST_GC_THRESHOLD), *before[1:])
        _gc_ingests.append(_gc_ingests[0] if _gc_ingests else before)
    try:
        yield
    finally:
        with _gc_lock:
            restore = _gc_ingests.pop()
            if not _gc_ingests:
                gc.set_threshold(*restore)


def _unused_file(path: str) -> FileSpec:
    """A file the format does not define: its rows are kept as delivered, with a warning."""

    table = f"unused:{path}"
    if len(table) > SOURCE_TABLE_CHARS:  # a long file name still gets its own, bounded, table
        digest = hashlib.sha256(path.encode("utf-8", "surrogatepass")).hexdigest()[:16]
        table = f"{table[: SOURCE_TABLE_CHARS - 17]}~{digest}"

    def parse(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
        checks.add(
            "UNUSED_FILE",
            None,
            f"{path} is not part of this feed format; the row is kept but not used",
            "warning",
        )
        return ParsedRow(
            table,
            f"row:{raw.row_number}",
            raw.row_number,
            raw.values or {},
            checks.findings,
        )

    return FileSpec(
        path,
        table,
        (),
        parse,
        required_file=False,
        kind="ndjson" if path.endswith(".ndjson") else "csv",
    )


def plan_files(manifest: Manifest) -> list[FileSpec]:
    """The delivery's files in processing order; rejects a delivery missing a required one."""
    adapter = ADAPTERS[manifest.feed_format]
    listed = {f.path for f in manifest.files}
    missing = [s.path for s in adapter.files if s.required_file and s.path not in listed]
    if missing:
        raise DeliveryRejected(
            f"delivery {manifest.folder} rejected: {adapter.format_id} needs "
            f"{', '.join(missing)}, which manifest.json does not list"
        )
    known = {s.path for s in adapter.files}
    planned = [s for s in adapter.files if s.path in listed]
    planned += [_unused_file(f.path) for f in manifest.files if f.path not in known]
    return planned


def parse_delivery(manifest: Manifest, plan: list[FileSpec]) -> Iterator[Item]:
    """Every file of ``plan``, in order, as plain batches; raises ``DeliveryRejected`` for a
    file whose header is unusable or lacks a required column."""
    context = DeliveryContext(manifest.agency.value, manifest.extracted_at)
    for spec in plan:
        yield from _parse_file(manifest, spec, context)


def _parse_file(manifest: Manifest, spec: FileSpec, context: DeliveryContext) -> Iterator[Item]:
    path = manifest.folder / spec.path
    agency = manifest.agency.value
    context.keys.setdefault(spec.source_table, set())
    ignored: list[str] = []
    rows: Iterator[RawRow | CleanRow]
    bulk = BULK_READERS.get(spec.parse)
    if spec.kind == "ndjson" and bulk is not None:
        rows = bulk(path, context)
    elif spec.kind == "ndjson":
        rows = read_ndjson(path)
    elif spec.kind in ("xml", "xlsx"):
        try:
            rows = (
                read_xml(path, spec.schema, spec.root, spec.records)
                if spec.kind == "xml"
                else read_xlsx(path)
            )
        except HeaderError as error:
            raise DeliveryRejected(
                f"delivery {manifest.folder} rejected: {spec.path}: {error}"
            ) from None
    else:
        try:
            header, rows = read_csv(path)
        except HeaderError as error:
            raise DeliveryRejected(
                f"delivery {manifest.folder} rejected: {spec.path}: {error}"
            ) from None
        missing = [c for c in spec.required_columns if c not in header]
        if missing:
            raise DeliveryRejected(
                f"delivery {manifest.folder} rejected: {spec.path} is missing column(s) "
                f"{', '.join(missing)}"
            )
        used = {*spec.required_columns, *spec.optional_columns}
        extra = [c for c in header if c not in used]
        if extra and not spec.source_table.startswith("unused:"):
            ignored = extra
    yield FileOpened(spec.path, ignored)
    seen: set[str] = set()
    batch: list[tuple[RawRow, ParsedRow] | CleanRow] = []
    batch_chars = 0
    total = 0
    floats = msgpack.Packer()
    for raw in rows:
        if isinstance(raw, CleanRow):
            if raw.source_id not in seen:
                seen.add(raw.source_id)
                if batch and _table(batch[0]) != raw.source_table:
                    total += len(batch)
                    yield prepare_batch(spec.path, batch, agency)
                    batch, batch_chars = [], 0
                batch.append(raw)
                batch_chars += raw.size
                if len(batch) >= BATCH_ROWS or batch_chars >= BATCH_CHARS:
                    total += len(batch)
                    yield prepare_batch(spec.path, batch, agency)
                    batch, batch_chars = [], 0
                continue
            # a key seen earlier in the file: read the usual way, which says so
            raw = ndjson_row(raw.row_number, raw.line_number, raw.line, floats)
        checks = RowChecks()
        if raw.values is None:
            row = ParsedRow(
                spec.source_table,
                None,
                raw.row_number,
                {},
                [Finding(raw.error_code or "UNREADABLE", None, raw.error or "")],
            )
        else:
            row = spec.parse(raw, checks, context)
        if row.source_id is not None and not row.quarantined:
            if row.source_id in seen:
                row.findings.append(
                    Finding(
                        "DUPLICATE_KEY",
                        None,
                        f"key {row.source_id!r} appears earlier in {spec.path}; "
                        "the first one was kept",
                    )
                )
            seen.add(row.source_id)
        if batch and _table(batch[0]) != row.source_table:
            # a batch fills one table; a file whose records fill two (a school census: its
            # school, then its pupils) is cut where the table changes
            total += len(batch)
            yield prepare_batch(spec.path, batch, agency)
            batch, batch_chars = [], 0
        batch.append((raw, row))
        batch_chars += raw.size
        if len(batch) >= BATCH_ROWS or batch_chars >= BATCH_CHARS:
            total += len(batch)
            yield prepare_batch(spec.path, batch, agency)
            batch, batch_chars = [], 0
    if batch:
        total += len(batch)
        yield prepare_batch(spec.path, batch, agency)
    yield FileDone(spec.path, total)


def _table(item: tuple[RawRow, ParsedRow] | CleanRow) -> str:
    """The source table a batch item fills."""
    return item.source_table if isinstance(item, CleanRow) else item[1].source_table

"""``ingest_delivery``: one agency delivery in, every row accounted for, all or nothing.

Order: the manifest (paths, counts, SHA-256) is checked before any row is read; then one
transaction reads each file in streaming batches, writes accepted rows and quarantines the
rest, checks that rows in = accepted + quarantined for every file, and commits. A crash or
kill anywhere before the commit leaves the store as it was. Re-ingesting the same delivery
(same manifest bytes) changes nothing.
"""

from __future__ import annotations

import gc
import hashlib
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import IntegrityError

from joinedup.domain.agencies import FeedFormat
from joinedup.domain.events import DeliveryIngested
from joinedup.errors import DeliveryRejected
from joinedup.ingest.agency_events import AgencyEventsAdapter
from joinedup.ingest.base import DeliveryContext, FeedAdapter, FileSpec, ParsedRow
from joinedup.ingest.fhir import FhirBulkAdapter
from joinedup.ingest.manifest import Manifest, read_manifest, unlisted_files, verify_files
from joinedup.ingest.pole import PoliceAdapter
from joinedup.ingest.reading import HeaderError, RawRow, read_csv, read_ndjson
from joinedup.ingest.school_census import SchoolCensusAdapter
from joinedup.ingest.ssd import SsdAdapter
from joinedup.ingest.validation import Finding, RowChecks
from joinedup.ingest.writer import BatchWriter, FileCounts
from joinedup.store import tables as t
from joinedup.store.unit_of_work import UnitOfWork

ADAPTERS: dict[FeedFormat, FeedAdapter] = {
    FeedFormat.SSD_CSV: SsdAdapter(),
    FeedFormat.FHIR_R4_BULK: FhirBulkAdapter(),
    FeedFormat.POLE_CSV: PoliceAdapter(),
    FeedFormat.SCHOOL_CENSUS_CSV: SchoolCensusAdapter(),
    FeedFormat.AGENCY_EVENTS_CSV: AgencyEventsAdapter(),
}
BATCH_ROWS = 2000
# ...and at most this many delivered characters: a file of huge rows must not fill memory.
BATCH_CHARS = 2_000_000
SOURCE_TABLE_CHARS: int = getattr(t.source_record.c.source_table.type, "length", 80)

# progress(file, rows done in that file, rows in that file)
Progress = Callable[[str, int, int], None]


def _raise_alerts(connection: Connection, delivery_id: int) -> None:
    from joinedup.alerts.intake import delivery_written

    delivery_written(connection, delivery_id)


# Called inside the delivery's transaction, after its rows are written and before commit,
# with the connection and the delivery id: what a delivery causes (alerts) commits with it.
BEFORE_COMMIT: list[Callable[[Connection, int], None]] = [_raise_alerts]


@dataclass
class IngestReport:
    folder: str
    agency: str
    feed_format: str
    status: str  # "ingested" | "unchanged"
    delivery_id: int
    files: list[FileCounts] = field(default_factory=list)
    ignored_columns: dict[str, list[str]] = field(default_factory=dict)
    unlisted_files: list[str] = field(default_factory=list)
    linking: dict[str, Any] | None = None  # what incremental linking did (services.ingest)

    def total(self, name: str) -> int:
        return sum(getattr(f, name) for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {
            "folder": self.folder,
            "agency": self.agency,
            "format": self.feed_format,
            "status": self.status,
            "delivery_id": self.delivery_id,
            "rows": self.total("rows"),
            "accepted": self.total("accepted"),
            "warnings": self.total("warnings"),
            "quarantined": self.total("quarantined"),
            "inserted": self.total("inserted"),
            "updated": self.total("updated"),
            "unchanged": self.total("unchanged"),
            "files": {f.path: f.to_dict() for f in self.files},
            "ignored_columns": self.ignored_columns,
            "linking": self.linking,
            "unlisted_files": self.unlisted_files,
        }


# Cyclic garbage collections during an ingest: each batch holds thousands of parsed rows
# (dicts, lists, records), so the default threshold (700 new objects) runs a collection every
# few rows and scans the whole batch again and again, though an ingest makes almost no cyclic
# garbage. A higher threshold for the ingest's duration cut its CPU time by about a sixth.
INGEST_GC_THRESHOLD = 100_000


_gc_lock = threading.Lock()
_gc_ingests: list[tuple[int, int, int]] = []  # the threshold before the first running ingest


@contextmanager
def _fewer_collections() -> Iterator[None]:
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


def _plan(manifest: Manifest, adapter: FeedAdapter) -> list[FileSpec]:
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


def ingest_delivery(
    engine: Engine,
    folder: Path,
    *,
    progress: Progress | None = None,
    received_at: datetime | None = None,
) -> IngestReport:
    """Ingest one agency delivery folder; raises ``DeliveryRejected`` to refuse it whole."""
    folder = Path(folder)
    manifest = read_manifest(folder)
    adapter = ADAPTERS[manifest.feed_format]
    plan = _plan(manifest, adapter)
    verify_files(manifest)
    report = IngestReport(
        str(folder),
        manifest.agency.value,
        manifest.feed_format.value,
        "ingested",
        0,
        unlisted_files=unlisted_files(manifest),
    )
    try:
        with _fewer_collections(), UnitOfWork(engine) as uow:
            earlier = uow.deliveries.find_by_manifest(manifest.agency.value, manifest.sha256)
            if earlier is not None:
                report.status, report.delivery_id = "unchanged", int(earlier["id"])
                report.files = [
                    FileCounts(
                        f["path"],
                        f["rows"],
                        f["accepted"],
                        f["warnings"],
                        f["quarantined"],
                        unchanged=f["accepted"],
                    )
                    for f in uow.deliveries.files(report.delivery_id)
                ]
                return report
            report.delivery_id = uow.deliveries.add(
                agency_id=manifest.agency.value,
                feed_format=manifest.feed_format.value,
                partnership=manifest.partnership,
                extracted_at=manifest.extracted_at,
                received_at=received_at or datetime.now(UTC),
                manifest_sha256=manifest.sha256,
                source_path=str(folder.resolve()),
                rows=0,
                accepted=0,
                warnings=0,
                quarantined=0,
                inserted=0,
                updated=0,
                unchanged=0,
            )
            writer = BatchWriter(uow.connection, manifest.agency.value, report.delivery_id)
            context = DeliveryContext(manifest.agency.value, manifest.extracted_at)
            for spec in plan:
                entry = manifest.file(spec.path)
                assert entry is not None
                counts = _ingest_file(manifest, spec, entry.rows, writer, context, report, progress)
                if counts.rows != entry.rows or counts.rows != counts.accepted + counts.quarantined:
                    raise DeliveryRejected(
                        f"delivery {folder} rejected: {spec.path} accounted for "
                        f"{counts.accepted} accepted + {counts.quarantined} quarantined of "
                        f"{entry.rows} rows"
                    )
                uow.deliveries.add_file(
                    delivery_id=report.delivery_id,
                    path=spec.path,
                    sha256=entry.sha256,
                    rows=counts.rows,
                    accepted=counts.accepted,
                    warnings=counts.warnings,
                    quarantined=counts.quarantined,
                )
                report.files.append(counts)
            for statement in adapter.finalise_sql():
                uow.connection.execute(text(statement))
            totals = {
                name: report.total(name)
                for name in (
                    "rows",
                    "accepted",
                    "warnings",
                    "quarantined",
                    "inserted",
                    "updated",
                    "unchanged",
                )
            }
            uow.deliveries.set_counts(report.delivery_id, **totals)
            for subscriber in BEFORE_COMMIT:
                subscriber(uow.connection, report.delivery_id)
            uow.emit(
                DeliveryIngested(
                    report.delivery_id,
                    report.agency,
                    totals["rows"],
                    totals["accepted"],
                    totals["quarantined"],
                )
            )
            uow.commit()
    except IntegrityError as error:
        if "uq_delivery_agency_manifest" in str(error) or "manifest" in str(error):
            raise DeliveryRejected(
                f"delivery {folder} is being ingested by another process; try again"
            ) from None
        raise
    return report


def _ingest_file(
    manifest: Manifest,
    spec: FileSpec,
    expected_rows: int,
    writer: BatchWriter,
    context: DeliveryContext,
    report: IngestReport,
    progress: Progress | None,
) -> FileCounts:
    path = manifest.folder / spec.path
    counts = FileCounts(spec.path)
    context.keys.setdefault(spec.source_table, set())
    if spec.kind == "ndjson":
        rows = read_ndjson(path)
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
            report.ignored_columns[spec.path] = extra
    seen: set[str] = set()
    batch: list[tuple[RawRow, ParsedRow]] = []
    batch_chars = 0
    for raw in rows:
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
        batch.append((raw, row))
        batch_chars += raw.size
        if len(batch) >= BATCH_ROWS or batch_chars >= BATCH_CHARS:
            writer.write(spec.path, batch, counts)
            batch, batch_chars = [], 0
            if progress:
                progress(f"{manifest.agency.value}/{spec.path}", counts.rows, expected_rows)
    if batch:
        writer.write(spec.path, batch, counts)
    if progress:
        progress(f"{manifest.agency.value}/{spec.path}", counts.rows, expected_rows)
    return counts

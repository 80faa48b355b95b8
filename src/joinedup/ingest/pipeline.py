"""``ingest_delivery``: one agency delivery in, every row accounted for, all or nothing.

Order: the manifest (paths, counts, SHA-256) is checked before any row is read; then one
transaction reads each file in streaming batches, writes accepted rows and quarantines the
rest, checks that rows in = accepted + quarantined for every file, and commits. A crash or
kill anywhere before the commit leaves the store as it was. Re-ingesting the same delivery
(same manifest bytes) changes nothing.

The rows are parsed by ``parse_side`` (here, or for a large delivery in a second process,
``parse_process``, so that parsing overlaps writing) and written by ``BatchWriter`` here, in
the one transaction.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, func, select, text
from sqlalchemy.exc import IntegrityError

from joinedup.config import settings
from joinedup.domain.events import DeliveryIngested
from joinedup.errors import DeliveryRejected
from joinedup.ingest.base import FileSpec
from joinedup.ingest.manifest import Manifest, read_manifest, unlisted_files, verify_files
from joinedup.ingest.parse_process import ParseProcess, ParseProcessFailed
from joinedup.ingest.parse_side import (
    ADAPTERS,
    BATCH_CHARS,
    BATCH_ROWS,
    INGEST_GC_THRESHOLD,
    Item,
    fewer_collections,
    parse_delivery,
    plan_files,
)
from joinedup.ingest.parsed_batch import FileDone, FileOpened
from joinedup.ingest.writer import BatchWriter, FileCounts
from joinedup.store import tables as t
from joinedup.store.bulk import BULK_LOAD_TABLES, create_indexes, drop_secondary_indexes
from joinedup.store.database import checkpoint_later
from joinedup.store.unit_of_work import UnitOfWork

__all__ = [
    "ADAPTERS",
    "BATCH_CHARS",
    "BATCH_ROWS",
    "INGEST_GC_THRESHOLD",
    "IngestReport",
    "ingest_delivery",
]

# Where a delivery is parsed: "auto" parses a delivery of at least PARSE_PROCESS_ROWS rows
# (by its manifest) in a second process, overlapping parsing with writing on two cores, and
# smaller ones here (starting an interpreter costs about 0.7 s of CPU); "always" and
# "never" force one way (tests run both on small deliveries).
PARSE_PROCESS_SETTING = "JOINEDUP_INGEST_PARSE_PROCESS"
PARSE_PROCESS_ROWS = 20_000

# A SQLite delivery of at least this many rows (by its manifest), the agency's first, into a
# store holding no more source records than it brings, is written with the secondary indexes
# of the tables it fills dropped and built again before the commit (store.bulk): cheaper than
# keeping them up to date row by row. A first delivery has no changed rows, so nothing in
# the load looks rows up by those indexes.
DEFERRED_INDEX_ROWS = 20_000

# progress(file, rows done in that file, rows in that file)
Progress = Callable[[str, int, int], None]


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


def _parse_in_second_process(manifest: Manifest) -> bool:
    setting = settings().ingest.parse_process
    if setting != "auto":
        return setting == "always"
    rows = sum(f.rows for f in manifest.files)
    affinity = getattr(os, "sched_getaffinity", None)
    cores = len(affinity(0)) if affinity else (os.cpu_count() or 1)
    return rows >= PARSE_PROCESS_ROWS and cores >= 2 and bool(sys.executable)


def ingest_delivery(
    engine: Engine,
    folder: Path,
    *,
    progress: Progress | None = None,
    received_at: datetime | None = None,
) -> IngestReport:
    """Ingest one agency delivery folder; raises ``DeliveryRejected`` to refuse it whole."""
    manifest = read_manifest(Path(folder))
    plan = plan_files(manifest)
    with ExitStack() as stack:
        items: Iterator[Item]
        if _parse_in_second_process(manifest):
            # started first: its interpreter starts up while the files are hashed
            items = stack.enter_context(ParseProcess(manifest, manifest.sha256)).items()
        else:
            items = parse_delivery(manifest, plan)
        verify_files(manifest)
        return _ingest(engine, manifest, plan, items, progress, received_at)


def _ingest(
    engine: Engine,
    manifest: Manifest,
    plan: list[FileSpec],
    items: Iterator[Item],
    progress: Progress | None,
    received_at: datetime | None,
) -> IngestReport:
    folder = manifest.folder
    adapter = ADAPTERS[manifest.feed_format]
    report = IngestReport(
        str(folder),
        manifest.agency.value,
        manifest.feed_format.value,
        "ingested",
        0,
        unlisted_files=unlisted_files(manifest),
    )
    try:
        with fewer_collections(), UnitOfWork(engine) as uow:
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
            deferred = _defer_indexes(uow.connection, manifest)
            for counts in _write_files(manifest, plan, items, writer, report, progress):
                entry = manifest.file(counts.path)
                assert entry is not None
                uow.deliveries.add_file(
                    delivery_id=report.delivery_id,
                    path=counts.path,
                    sha256=entry.sha256,
                    rows=counts.rows,
                    accepted=counts.accepted,
                    warnings=counts.warnings,
                    quarantined=counts.quarantined,
                )
                report.files.append(counts)
            create_indexes(uow.connection, deferred)
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
            # What a delivery causes (alerts, a re-score) runs in this transaction when it
            # commits, as the event flow says (joinedup.bootstrap): all of it or none of it.
            uow.emit(
                DeliveryIngested(
                    report.delivery_id,
                    report.agency,
                    totals["rows"],
                    totals["accepted"],
                    totals["quarantined"],
                )
            )
            with checkpoint_later(uow.connection):
                uow.commit()
    except IntegrityError as error:
        if "uq_delivery_agency_manifest" in str(error) or "manifest" in str(error):
            raise DeliveryRejected(
                f"delivery {folder} is being ingested by another process; try again"
            ) from None
        raise
    return report


def _defer_indexes(connection: Connection, manifest: Manifest) -> list[str]:
    """Drop the bulk-load tables' secondary indexes when this delivery is a large first load
    (``DEFERRED_INDEX_ROWS``); the statements that build them again."""
    rows = sum(f.rows for f in manifest.files)
    if connection.dialect.name != "sqlite" or rows < DEFERRED_INDEX_ROWS:
        return []
    record = t.source_record
    earlier = connection.execute(
        select(record.c.id).where(record.c.agency_id == manifest.agency.value).limit(1)
    ).first()
    if earlier is not None:
        return []
    held = connection.execute(select(func.max(record.c.id))).scalar() or 0  # about the rows
    if held > rows:  # building the indexes again would cost more than keeping them
        return []
    return drop_secondary_indexes(connection, BULK_LOAD_TABLES)


def _write_files(
    manifest: Manifest,
    plan: list[FileSpec],
    items: Iterator[Item],
    writer: BatchWriter,
    report: IngestReport,
    progress: Progress | None,
) -> Iterator[FileCounts]:
    """Write what the parse side hands over; yield each file's counts once it is written,
    after checking that every row of it is accounted for."""
    expected = iter(plan)
    counts: FileCounts | None = None
    for item in items:
        if isinstance(item, FileOpened):
            spec = next(expected, None)
            if spec is None or spec.path != item.file or counts is not None:
                raise ParseProcessFailed(f"the parse side sent {item.file} out of plan order")
            counts = FileCounts(item.file)
            if item.ignored:
                report.ignored_columns[item.file] = item.ignored
            entry = manifest.file(item.file)
            assert entry is not None
            rows_expected = entry.rows
        elif counts is None or item.file != counts.path:
            raise ParseProcessFailed(f"the parse side sent rows of {item.file} out of order")
        elif isinstance(item, FileDone):
            if item.rows != counts.rows:
                raise ParseProcessFailed(
                    f"the parse side read {item.rows} rows of {item.file}; {counts.rows} arrived"
                )
            if progress:
                progress(f"{manifest.agency.value}/{item.file}", counts.rows, rows_expected)
            if counts.rows != rows_expected or counts.rows != counts.accepted + counts.quarantined:
                raise DeliveryRejected(
                    f"delivery {manifest.folder} rejected: {item.file} accounted for "
                    f"{counts.accepted} accepted + {counts.quarantined} quarantined of "
                    f"{rows_expected} rows"
                )
            yield counts
            counts = None
        else:
            writer.write_batch(item, counts)
            if progress:
                progress(f"{manifest.agency.value}/{item.file}", counts.rows, rows_expected)
    if counts is not None or next(expected, None) is not None:
        raise ParseProcessFailed(f"the parse side stopped before the end of {manifest.folder}")

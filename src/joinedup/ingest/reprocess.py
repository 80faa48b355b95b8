"""Reprocess: re-validate open quarantined rows against what the store now knows.

``reprocess_quarantine(engine, agency_id=None)`` -> ``ReprocessReport``, whose ``to_dict()``
gives ``agency``, the counts ``examined``, ``accepted``, ``still_open``,
``not_reprocessable``, ``superseded`` (a later delivery already holds the key), ``inserted``,
``updated``, ``unchanged`` (what accepting did to the store), ``results`` (one entry per row:
``id``, ``agency``, ``delivery_id``, ``file``, ``row_number``, ``outcome``, ``reason_codes``,
``note``) and ``limits`` (``LIMITS``, in words).

Each open row is parsed again by its agency adapter's own parse function, with a
``StoreContext``: references resolve against all of the agency's current rows in the store,
not just the row's own delivery (an involvement naming an incident that a later correction
delivery supplied now passes). A row that now passes is accepted through ``BatchWriter`` as
an ingest would accept it (source_record and its version under the row's own delivery, and
the canonical rows derived from it), and the row is
marked resolved with ``resolved_by_delivery_id`` = its own delivery. A row that still fails
stays open with its reasons refreshed. Rows are taken agency by agency, oldest delivery
first, files in the adapter's order (people before their events), so a row accepted now can
satisfy a later row's reference. One unit of work: all of it or none of it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC
from itertools import groupby
from typing import Any

from sqlalchemy import Connection, Engine, select, text, update

from joinedup.domain.agencies import FeedFormat, agency
from joinedup.ingest.base import FeedAdapter, FileSpec, ParsedRow
from joinedup.ingest.pipeline import ADAPTERS
from joinedup.ingest.reading import RawRow
from joinedup.ingest.store_context import (
    StoreContext,
    StoreKnowledge,
    delivered_header,
    delivered_values,
)

# The writer's own bound on values its columns cannot hold (FIELD_TOO_LONG), applied before a
# row is accepted so that BatchWriter.write never quarantines a reprocessed row a second time.
from joinedup.ingest.store_limits import too_long as store_limits
from joinedup.ingest.validation import ERROR, Finding, RowChecks
from joinedup.ingest.writer import BatchWriter, FileCounts
from joinedup.store import tables as t
from joinedup.store.unit_of_work import UnitOfWork

# Reasons a re-validation cannot revisit: the row could not be read at all, or it repeated a
# key earlier in its own file (the first row was kept; only the agency can say which is right).
NOT_REPROCESSABLE = frozenset(
    {
        "MALFORMED_CSV",
        "INVALID_ENCODING",
        "WRONG_FIELD_COUNT",
        "INVALID_JSON",
        "UNREADABLE",
        "SCHEMA_INVALID",  # an XML record the return's schema refuses (kept as its XML)
    }
)
DUPLICATE = "DUPLICATE_KEY"
LIMITS = (
    "Rows that could not be read (MALFORMED_CSV, INVALID_ENCODING, WRONG_FIELD_COUNT, "
    "INVALID_JSON, SCHEMA_INVALID) and rows that repeated a key in their file (DUPLICATE_KEY) "
    "are not re-validated: only a corrected delivery replaces them.",
    "A CSV row is kept as its values without column names; reprocess re-reads the header of "
    "the delivered file, so it needs the delivery folder where it was ingested, unchanged "
    "(SHA-256 checked). Otherwise the row stays open, with the reason.",
    "Dates are checked against the row's own delivery's extract time, as at ingest.",
    "Delivery and file counts keep the figures of the ingest, and row findings keep what the "
    "ingest found; the quarantine status records what was accepted later.",
    "References resolve against the agency's current rows in the store: a reference to a row "
    "that is itself still quarantined stays unresolved.",
)


@dataclass
class ReprocessReport:
    agency: str | None
    counts: Counter[str] = field(default_factory=Counter)
    results: list[dict[str, Any]] = field(default_factory=list)

    def add(self, row: Any, outcome: str, codes: list[str], note: str) -> None:
        self.counts["examined"] += 1
        self.counts[outcome] += 1
        self.results.append(
            {
                "id": row["id"],
                "agency": row["agency_id"],
                "delivery_id": row["delivery_id"],
                "file": row["file"],
                "row_number": row["row_number"],
                "outcome": outcome,
                "reason_codes": codes,
                "note": note,
            }
        )

    def to_dict(self) -> dict[str, Any]:
        names = (
            "examined",
            "accepted",
            "still_open",
            "not_reprocessable",
            "superseded",
            "inserted",
            "updated",
            "unchanged",
        )
        return {
            "agency": self.agency,
            **{n: self.counts[n] for n in names},
            "results": sorted(self.results, key=lambda r: r["id"]),
            "limits": list(LIMITS),
        }


def reprocess_quarantine(engine: Engine, agency_id: str | None = None) -> ReprocessReport:
    """Re-validate every open quarantined row (of one agency, or all) against the store."""
    if agency_id is not None:
        agency(agency_id)
    report = ReprocessReport(agency_id)
    q = t.quarantined_row
    with UnitOfWork(engine) as uow:
        query = (
            select(q, t.delivery.c.extracted_at, t.delivery.c.source_path, t.delivery.c.feed_format)
            .join(t.delivery, t.delivery.c.id == q.c.delivery_id)
            .where(q.c.status == "open")
        )
        if agency_id:
            query = query.where(q.c.agency_id == agency_id)
        rows = (
            uow.connection.execute(query.order_by(q.c.agency_id, q.c.delivery_id, q.c.id))
            .mappings()
            .all()
        )
        # an agency may deliver in more than one format (social care's returns): each
        # delivery's rows are reparsed by the adapter of the format it came in
        ordered = sorted(rows, key=lambda r: (r["agency_id"], r["feed_format"]))
        for (agency_key, fmt), agency_rows in groupby(
            ordered, key=lambda r: (r["agency_id"], r["feed_format"])
        ):
            adapter = ADAPTERS[FeedFormat(fmt)]
            if _reprocess_agency(uow, adapter, agency_key, list(agency_rows), report):
                for statement in adapter.finalise_sql():
                    uow.connection.execute(text(statement))
        uow.commit()
    return report


def _reprocess_agency(
    uow: UnitOfWork, adapter: FeedAdapter, agency_id: str, rows: list[Any], report: ReprocessReport
) -> bool:
    """Reprocess one agency's open rows, delivery by delivery, file in adapter order."""
    knowledge = StoreKnowledge(uow.connection, agency_id, adapter)
    order = {spec.path: i for i, spec in enumerate(adapter.files)}
    specs = {spec.path: spec for spec in adapter.files}
    accepted_any = False
    for delivery_id, delivery_rows in groupby(rows, key=lambda r: r["delivery_id"]):
        ordered = sorted(delivery_rows, key=lambda r: (order.get(r["file"], 99), r["row_number"]))
        context = StoreContext(knowledge, _aware(ordered[0]["extracted_at"]))
        writer = BatchWriter(uow.connection, agency_id, delivery_id)
        for file, file_rows in groupby(ordered, key=lambda r: r["file"]):
            spec = specs.get(file)
            header = _Header(uow.connection, delivery_id, ordered[0]["source_path"], file)
            batch: list[tuple[RawRow, ParsedRow, Any]] = []
            seen: set[str] = set()
            for row in file_rows:
                parsed = _revalidate(row, spec, header, context, seen, report)
                if parsed is not None:
                    batch.append(parsed)
            if batch:
                _accept(uow, writer, file, batch, report)
                accepted_any = True
    return accepted_any


class _Header:
    """The header of one delivered CSV file, read (and its SHA-256 checked) at most once."""

    def __init__(self, connection: Connection, delivery_id: int, folder: str, file: str) -> None:
        self.args = (connection, delivery_id, folder, file)
        self.header: list[str] | None = None
        self.read = False

    def __call__(self) -> list[str] | None:
        if not self.read:
            self.header, self.read = delivered_header(*self.args), True
        return self.header


def _revalidate(
    row: Any,
    spec: FileSpec | None,
    header: Callable[[], list[str] | None],
    context: StoreContext,
    seen: set[str],
    report: ReprocessReport,
) -> tuple[RawRow, ParsedRow, Any] | None:
    """The row parsed again if it now passes; otherwise record why it stays open."""
    codes = list(row["reason_codes"])
    blocked = sorted(set(codes) & (NOT_REPROCESSABLE | {DUPLICATE}))
    values: dict[str, Any] | None = None
    why: str | None = "only a corrected delivery can replace it"
    if not blocked and spec is None:
        why = "its file is not part of this feed format"
    elif not blocked:
        values, why = delivered_values(row["raw"], header)
    if spec is None or values is None:
        _reopen(context.knowledge.connection, row["id"])
        report.add(row, "not_reprocessable", codes, why or "")
        return None
    raw = RawRow(row["row_number"], 0, values, row["raw"])
    try:
        parsed = spec.parse(raw, RowChecks(), context)
    except KeyError as missing:
        # A referenced row is in the store but its facts could not be rebuilt from it.
        parsed = ParsedRow(
            spec.source_table,
            row["source_id"],
            row["row_number"],
            values,
            [Finding("UNKNOWN_REFERENCE", None, f"{missing} could not be re-read from the store")],
        )
    if not parsed.quarantined:
        parsed.findings.extend(store_limits(parsed, context.agency))
    if parsed.source_id is not None and not parsed.quarantined:
        if parsed.source_id in seen:
            parsed.findings.append(
                Finding(
                    DUPLICATE,
                    None,
                    f"key {parsed.source_id!r} appears earlier in this file; the first was kept",
                )
            )
        seen.add(parsed.source_id)
    if parsed.quarantined:
        _refresh(context.knowledge.connection, row, parsed.findings)
        errors = sorted({f.code for f in parsed.findings if f.severity == ERROR})
        report.add(row, "still_open", errors, _sentence(parsed.findings))
        return None
    return raw, parsed, row


def _accept(
    uow: UnitOfWork,
    writer: BatchWriter,
    file: str,
    batch: list[tuple[RawRow, ParsedRow, Any]],
    report: ReprocessReport,
) -> None:
    """Write the rows that now pass, as an ingest would, and resolve their quarantine."""
    table = batch[0][1].source_table
    sr = t.source_record
    current = {
        r.source_id: r
        for r in uow.connection.execute(
            select(sr.c.source_id, sr.c.last_changed_delivery_id, sr.c.content_sha256).where(
                sr.c.agency_id == writer.agency_id,
                sr.c.source_table == table,
                sr.c.source_id.in_([parsed.source_id or "" for _, parsed, _ in batch]),
            )
        )
    }
    to_write = []
    for raw, parsed, row in batch:
        key = parsed.source_id or ""
        stored = current.get(key)
        if stored is not None and stored.last_changed_delivery_id > writer.delivery_id:
            # A later delivery already holds this key: never overwrite newer with older.
            later = stored.last_changed_delivery_id
            _resolve(uow.connection, row["id"], later)
            report.add(row, "superseded", [], f"delivery {later} holds a newer version")
            continue
        if stored is not None and stored.last_changed_delivery_id == writer.delivery_id:
            duplicate = Finding(
                DUPLICATE,
                None,
                f"key {key!r} was accepted from another row "
                "of this delivery; the first one was kept",
            )
            _refresh(uow.connection, row, [duplicate])
            report.add(row, "still_open", [DUPLICATE], duplicate.message)
            continue
        warnings = sorted({f.code for f in parsed.findings})
        # Its findings were recorded when the row was delivered: write none again.
        parsed.findings = []
        to_write.append((raw, parsed))
        _resolve(uow.connection, row["id"], writer.delivery_id)
        report.add(row, "accepted", warnings, "re-validated against the store and accepted")
    if not to_write:
        return
    counts = FileCounts(file)
    writer.write(file, to_write, counts)
    report.counts.update(
        inserted=counts.inserted, updated=counts.updated, unchanged=counts.unchanged
    )


def _reopen(connection: Connection, row_id: int) -> None:
    """Open again a row that accepting an older delivery's row with its key, earlier in this
    run, let the writer close: that older content is not this row's."""
    connection.execute(
        update(t.quarantined_row)
        .where(t.quarantined_row.c.id == row_id, t.quarantined_row.c.status == "resolved")
        .values(status="open", resolved_by_delivery_id=None)
    )


def _resolve(connection: Connection, row_id: int, delivery_id: int) -> None:
    connection.execute(
        update(t.quarantined_row)
        .where(t.quarantined_row.c.id == row_id)
        .values(status="resolved", resolved_by_delivery_id=delivery_id)
    )


_WHERE = re.compile(r"^(.*? row \d+ \(line \d+\)): ")


def _refresh(connection: Connection, row: Any, findings: list[Finding]) -> None:
    """Keep the row open with today's reasons (they may differ from the ingest's).

    Open again explicitly, as ``_reopen`` explains.
    """
    errors = [f for f in findings if f.severity == ERROR]
    prefix = _WHERE.match(row["message"])
    where = prefix.group(1) if prefix else f"{row['file']} row {row['row_number']}"
    connection.execute(
        update(t.quarantined_row)
        .where(t.quarantined_row.c.id == row["id"])
        .values(
            status="open",
            resolved_by_delivery_id=None,
            reason_codes=sorted({f.code for f in errors}),
            # The adapters word references "of this delivery": say where it was checked now.
            message=f"{where}: {_sentence(errors)} [re-checked against the store]",
        )
    )


def _sentence(findings: list[Finding]) -> str:
    """The writer's wording: 'field: message' unless the message already starts with it."""
    return "; ".join(
        f"{f.field}: {f.message}" if f.field and not f.message.startswith(f.field) else f.message
        for f in findings
        if f.severity == ERROR
    )


def _aware(value: Any) -> Any:
    # SQLite returns naive datetimes for timezone-aware columns; the store writes UTC only.
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value

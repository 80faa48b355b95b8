"""Writes parsed rows to the store in batches, inside the ingest's single transaction.

For each accepted row: a new key is inserted (version 1); an identical row is left alone
(idempotent re-delivery); a changed row gets a new version, its earlier version is kept and
marked superseded, and everything derived from it is replaced. Quarantined rows are kept
whole with their reasons. A row accepted now closes any open quarantine of the same key
(a correction delivery).
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, insert, select, update

from joinedup.domain.model import Practitioner
from joinedup.ingest.base import ParsedRow
from joinedup.ingest.canonical import canonical_and_digest, canonical_payload, content_hash
from joinedup.ingest.derived_rows import (
    EVENT_COLUMNS,
    PERSON_COLUMNS,
    event_tuple,
    person_tuple,
)
from joinedup.ingest.reading import RawRow
from joinedup.ingest.store_limits import SOURCE_ID_CHARS, too_long
from joinedup.store import tables as t
from joinedup.store.bulk import allocate_ids, insert_dicts, insert_rows
from joinedup.store.repositories import (
    PersonRecordRepository,
    PractitionerRepository,
    address_values,
    family_values,
    involvement_values,
)

__all__ = ["BatchWriter", "FileCounts", "canonical_payload", "content_hash"]


@dataclass
class FileCounts:
    path: str
    rows: int = 0
    accepted: int = 0
    warnings: int = 0
    quarantined: int = 0
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    findings: Counter[str] = field(default_factory=Counter)

    def to_dict(self) -> dict[str, Any]:
        return {
            "path": self.path,
            "rows": self.rows,
            "accepted": self.accepted,
            "warnings": self.warnings,
            "quarantined": self.quarantined,
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "findings": dict(sorted(self.findings.items())),
        }


_SOURCE_RECORD_COLUMNS = (
    "id",
    "agency_id",
    "source_table",
    "source_id",
    "content_sha256",
    "payload",
    "version",
    "first_delivery_id",
    "last_changed_delivery_id",
    "row_number",
)
_VERSION_COLUMNS = ("source_record_id", "version", "content_sha256", "payload", "delivery_id")


class BatchWriter:
    def __init__(self, connection: Connection, agency_id: str, delivery_id: int) -> None:
        self.connection = connection
        self.agency_id = agency_id
        self.delivery_id = delivery_id
        self.persons = PersonRecordRepository(connection)
        self.practitioners = PractitionerRepository(connection)
        # source tables of this agency that held no rows before this delivery: nothing in
        # them can be "existing", so the per-batch lookup is skipped (a first load).
        self._first_load: dict[str, bool] = {}
        # per source table, the keys quarantined by earlier deliveries and still open: a
        # later row with one of these keys resolves it. Read once per table, so a batch with
        # nothing to resolve (every batch of a first load) costs no UPDATE at all; an UPDATE
        # per batch scanned every open quarantined row of the agency and made large
        # PostgreSQL loads crawl.
        self._open_quarantine: dict[str, set[str]] = {}
        if connection.dialect.name == "postgresql":
            # The planner's statistics cannot see rows this transaction inserted, so on a
            # growing table it would seq-scan for every batch's key lookup (quadratic); the
            # unique index on (agency, table, source id) is always the right plan here.
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")

    def _is_first_load(self, table: str) -> bool:
        if table not in self._first_load:
            self._first_load[table] = (
                self.connection.execute(
                    select(t.source_record.c.id)
                    .where(
                        t.source_record.c.agency_id == self.agency_id,
                        t.source_record.c.source_table == table,
                    )
                    .limit(1)
                ).first()
                is None
            )
        return self._first_load[table]

    def write(self, file: str, batch: list[tuple[RawRow, ParsedRow]], counts: FileCounts) -> None:
        for _, row in batch:
            if not row.quarantined:
                row.findings.extend(too_long(row))
        quarantined = [(raw, row) for raw, row in batch if row.quarantined]
        accepted = [(raw, row) for raw, row in batch if not row.quarantined]
        counts.rows += len(batch)
        counts.quarantined += len(quarantined)
        counts.accepted += len(accepted)
        counts.warnings += sum(1 for _, row in accepted if row.findings)
        self._findings(file, batch, counts)
        self._quarantine(file, quarantined)
        if accepted:
            self._accept(accepted, counts)

    def _findings(
        self, file: str, batch: list[tuple[RawRow, ParsedRow]], counts: FileCounts
    ) -> None:
        values = []
        for raw, row in batch:
            for finding in row.findings:
                counts.findings[finding.code] += 1
                values.append(
                    {
                        "delivery_id": self.delivery_id,
                        "file": file,
                        "row_number": raw.row_number,
                        "severity": finding.severity,
                        "code": finding.code,
                        "field": finding.field,
                        "message": finding.message[:2000],
                    }
                )
        insert_dicts(self.connection, t.row_finding, values)

    def _quarantine(self, file: str, rows: list[tuple[RawRow, ParsedRow]]) -> None:
        if not rows:
            return
        values = []
        for raw, row in rows:
            errors = [f for f in row.findings if f.severity == "error"]
            where = f"{file} row {raw.row_number} (line {raw.line_number})"
            message = "; ".join(
                f"{f.field}: {f.message}"
                if f.field and not f.message.startswith(f.field)
                else f.message
                for f in errors
            )
            values.append(
                {
                    "delivery_id": self.delivery_id,
                    "agency_id": self.agency_id,
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
            )
        insert_dicts(self.connection, t.quarantined_row, values)

    def _accept(self, rows: list[tuple[RawRow, ParsedRow]], counts: FileCounts) -> None:
        table = rows[0][1].source_table
        keys = [row.source_id or "" for _, row in rows]
        existing = (
            {}
            if self._is_first_load(table)
            else {
                r.source_id: r
                for r in self.connection.execute(
                    select(
                        t.source_record.c.id,
                        t.source_record.c.source_id,
                        t.source_record.c.content_sha256,
                        t.source_record.c.version,
                    ).where(
                        t.source_record.c.agency_id == self.agency_id,
                        t.source_record.c.source_table == table,
                        t.source_record.c.source_id.in_(keys),
                    )
                )
            }
        )
        new: list[tuple[RawRow, ParsedRow, str, str]] = []
        changed = []
        for raw, row in rows:
            payload, digest = canonical_and_digest(row.payload, raw.plain)
            old = existing.get(row.source_id or "")
            if old is None:
                new.append((raw, row, digest, payload))
            elif old.content_sha256 != digest:
                changed.append((raw, row, digest, old))
            else:
                counts.unchanged += 1
        derived: list[tuple[ParsedRow, int]] = []
        if new:
            ids = allocate_ids(self.connection, t.source_record, len(new))
            # tuples straight to the driver: these two tables take every accepted row
            delivery = self.delivery_id
            insert_rows(
                self.connection,
                t.source_record,
                _SOURCE_RECORD_COLUMNS,
                [
                    (
                        sid,
                        self.agency_id,
                        table,
                        row.source_id or "",
                        digest,
                        payload,
                        1,
                        delivery,
                        delivery,
                        raw.row_number,
                    )
                    for sid, (raw, row, digest, payload) in zip(ids, new, strict=True)
                ],
            )
            insert_rows(
                self.connection,
                t.source_record_version,
                _VERSION_COLUMNS,
                [
                    (sid, 1, digest, payload, delivery)
                    for sid, (_, _, digest, payload) in zip(ids, new, strict=True)
                ],
            )
            derived.extend((row, sid) for sid, (_, row, _, _) in zip(ids, new, strict=True))
            counts.inserted += len(new)
        if changed:
            self._new_versions(changed)
            derived.extend((row, old.id) for _, row, _, old in changed)
            counts.updated += len(changed)
        self._derive(derived)
        self._close_quarantine(table, keys)

    def _new_versions(self, changed: list[tuple[RawRow, ParsedRow, str, Any]]) -> None:
        for raw, row, digest, old in changed:
            self.connection.execute(
                update(t.source_record)
                .where(t.source_record.c.id == old.id)
                .values(
                    content_sha256=digest,
                    payload=row.payload,
                    version=old.version + 1,
                    last_changed_delivery_id=self.delivery_id,
                    row_number=raw.row_number,
                )
            )
            self.connection.execute(
                update(t.source_record_version)
                .where(
                    t.source_record_version.c.source_record_id == old.id,
                    t.source_record_version.c.version == old.version,
                )
                .values(superseded_by_delivery_id=self.delivery_id)
            )
        self.connection.execute(
            insert(t.source_record_version),
            [
                {
                    "source_record_id": old.id,
                    "version": old.version + 1,
                    "content_sha256": digest,
                    "payload": row.payload,
                    "delivery_id": self.delivery_id,
                }
                for _, row, digest, old in changed
            ],
        )
        self.persons.replace_derived([old.id for *_, old in changed])

    def _derive(self, rows: list[tuple[ParsedRow, int]]) -> None:
        people: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        addresses: list[dict[str, Any]] = []
        involvements: list[dict[str, Any]] = []
        families: list[dict[str, Any]] = []
        identifiers: list[dict[str, Any]] = []
        practitioners: list[tuple[Practitioner, int | None]] = []
        for row, sid in rows:
            if row.person is not None:
                people.append(person_tuple(row.person, sid))
            for event in row.events:
                events.append(event_tuple(event, sid))
            addresses.extend(
                address_values(self.agency_id, pid, a, sid) for pid, a in row.addresses
            )
            involvements.extend(involvement_values(i, sid) for i in row.involvements)
            families.extend(family_values(f, sid) for f in row.families)
            identifiers.extend(
                {
                    "source_record_id": sid,
                    "agency_id": self.agency_id,
                    "person_source_id": i.person_source_id,
                    "identifier_type": i.identifier_type,
                    "value": i.value,
                }
                for i in row.identifiers
            )
            practitioners.extend((p, sid) for p in row.practitioners)
        insert_rows(self.connection, t.person_record, PERSON_COLUMNS, people)
        insert_rows(self.connection, t.event, EVENT_COLUMNS, events)
        for table, values in (
            (t.address, addresses),
            (t.involvement, involvements),
            (t.family_membership, families),
            (t.person_identifier, identifiers),
        ):
            insert_dicts(self.connection, table, values)
        if practitioners:
            self.practitioners.upsert_many(practitioners)

    def _open_quarantined_keys(self, table: str) -> set[str]:
        if table not in self._open_quarantine:
            q = t.quarantined_row.c
            self._open_quarantine[table] = {
                key
                for (key,) in self.connection.execute(
                    select(q.source_id).where(
                        q.agency_id == self.agency_id,
                        q.source_table == table,
                        q.status == "open",
                        q.delivery_id != self.delivery_id,
                        q.source_id.is_not(None),
                    )
                )
            }
        return self._open_quarantine[table]

    def _close_quarantine(self, table: str, keys: list[str]) -> None:
        still_open = self._open_quarantined_keys(table)
        resolved = still_open.intersection(keys)
        if not resolved:
            return
        still_open.difference_update(resolved)
        self.connection.execute(
            update(t.quarantined_row)
            .where(
                t.quarantined_row.c.agency_id == self.agency_id,
                t.quarantined_row.c.source_table == table,
                t.quarantined_row.c.source_id.in_(sorted(resolved)),
                t.quarantined_row.c.status == "open",
                t.quarantined_row.c.delivery_id != self.delivery_id,
            )
            .values(status="resolved", resolved_by_delivery_id=self.delivery_id)
        )

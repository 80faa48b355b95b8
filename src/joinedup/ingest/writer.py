"""Writes parsed rows to the store in batches, inside the ingest's single transaction.

A batch arrives as plain data (``parsed_batch.ParsedBatch``: built by the parse side, in this
process or in a second one); the writer looks up which keys exist, allocates ids and inserts.

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

from sqlalchemy import Connection, func, insert, select, update

from joinedup.domain.model import Practitioner
from joinedup.ingest.base import ParsedRow
from joinedup.ingest.canonical import canonical_payload, content_hash
from joinedup.ingest.derived_rows import EVENT_COLUMNS, PERSON_COLUMNS
from joinedup.ingest.parsed_batch import AcceptedRow, Derived, ParsedBatch, prepare_batch
from joinedup.ingest.reading import RawRow
from joinedup.store import pole_tables
from joinedup.store import tables as t
from joinedup.store.bulk import allocate_ids, insert_dicts, insert_rows
from joinedup.store.repositories import (
    PersonRecordRepository,
    PractitionerRepository,
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
# Version 1 of each source record in an id range, in id order (as the rows were inserted).
_FIRST_VERSIONS = (
    f"INSERT INTO source_record_version ({', '.join(_VERSION_COLUMNS)}) "
    "SELECT id, 1, content_sha256, NULL, ? FROM source_record "
    "WHERE id BETWEEN ? AND ? ORDER BY id"
)


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
        """Write parsed rows (quarantine reprocess hands them over this way)."""
        self.write_batch(prepare_batch(file, batch, self.agency_id), counts)

    def write_batch(self, batch: ParsedBatch, counts: FileCounts) -> None:
        """Write one batch the parse side prepared (in this process or in another)."""
        counts.rows += batch.rows
        counts.quarantined += len(batch.quarantined)
        counts.accepted += len(batch.accepted)
        counts.warnings += batch.warnings
        delivery = self.delivery_id
        for values in batch.findings:
            counts.findings[values["code"]] += 1
            values["delivery_id"] = delivery
        insert_dicts(self.connection, t.row_finding, batch.findings)
        for values in batch.quarantined:
            values["delivery_id"] = delivery
            values["agency_id"] = self.agency_id
        insert_dicts(self.connection, t.quarantined_row, batch.quarantined)
        if batch.accepted:
            self._accept(batch.source_table, batch.accepted, counts)

    def _accept(self, table: str, rows: list[AcceptedRow], counts: FileCounts) -> None:
        keys = [row[0] for row in rows]
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
        new: list[AcceptedRow] = []
        changed: list[tuple[AcceptedRow, Any]] = []
        for row in rows:
            old = existing.get(row[0])
            if old is None:
                new.append(row)
            elif old.content_sha256 != row[3]:
                changed.append((row, old))
            else:
                counts.unchanged += 1
        derived: list[tuple[Derived | None, int]] = []
        if new:
            ids = allocate_ids(self.connection, t.source_record, len(new))
            # tuples straight to the driver: these two tables take every accepted row
            delivery = self.delivery_id
            agency = self.agency_id
            insert_rows(
                self.connection,
                t.source_record,
                _SOURCE_RECORD_COLUMNS,
                [
                    (sid, agency, table, key, digest, payload, 1, delivery, delivery, number)
                    for sid, (key, number, payload, digest, _) in zip(ids, new, strict=True)
                ],
            )
            # the current version's payload is the record's own: NULL here, not a second copy
            if self.connection.dialect.name == "sqlite":
                # on SQLite the ids are one run (allocate_ids), so the first versions are
                # copied from the rows just written by SQLite itself, with no Python per row
                self.connection.exec_driver_sql(_FIRST_VERSIONS, (delivery, ids[0], ids[-1]))
            else:
                insert_rows(
                    self.connection,
                    t.source_record_version,
                    _VERSION_COLUMNS,
                    [
                        (sid, 1, digest, None, delivery)
                        for sid, (_, _, _, digest, _) in zip(ids, new, strict=True)
                    ],
                )
            derived.extend((row[4], sid) for sid, row in zip(ids, new, strict=True))
            counts.inserted += len(new)
        if changed:
            self._new_versions(changed)
            derived.extend((row[4], old.id) for row, old in changed)
            counts.updated += len(changed)
        self._derive(derived)
        self._close_quarantine(table, keys)

    def _new_versions(self, changed: list[tuple[AcceptedRow, Any]]) -> None:
        record = t.source_record
        version = t.source_record_version
        for (_, number, payload, digest, _), old in changed:
            # The superseded version takes its payload from the record (where the current
            # version's payload lives) before the record is overwritten; a version stored
            # before payloads were stored once has its own already.
            self.connection.execute(
                update(version)
                .where(version.c.source_record_id == old.id, version.c.version == old.version)
                .values(
                    superseded_by_delivery_id=self.delivery_id,
                    payload=func.coalesce(
                        version.c.payload,
                        select(record.c.payload).where(record.c.id == old.id).scalar_subquery(),
                    ),
                )
            )
            self.connection.execute(
                update(record)
                .where(record.c.id == old.id)
                .values(
                    content_sha256=digest,
                    # the canonical text read back: the same JSON value as delivered
                    payload=json.loads(payload),
                    version=old.version + 1,
                    last_changed_delivery_id=self.delivery_id,
                    row_number=number,
                )
            )
        self.connection.execute(
            insert(version),
            [
                {
                    "source_record_id": old.id,
                    "version": old.version + 1,
                    "content_sha256": digest,
                    # no payload (SQL NULL): the current version's is the record's
                    "delivery_id": self.delivery_id,
                }
                for (_, _, _, digest, _), old in changed
            ],
        )
        self.persons.replace_derived([old.id for _, old in changed])

    def _derive(self, rows: list[tuple[Derived | None, int]]) -> None:
        """Insert the derived rows of just-written source rows, with their ids filled in."""
        people: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        addresses: list[dict[str, Any]] = []
        involvements: list[dict[str, Any]] = []
        families: list[dict[str, Any]] = []
        identifiers: list[dict[str, Any]] = []
        practitioners: list[tuple[Practitioner, int | None]] = []
        network: dict[str, list[dict[str, Any]]] = {}
        for derived, sid in rows:
            if derived is None:
                continue
            (
                person,
                row_events,
                row_addresses,
                row_involvements,
                row_families,
                row_ids,
                row_pr,
                row_network,
            ) = derived
            if person is not None:
                people.append((sid, *person))
            if row_events:
                events.extend([(sid, *event) for event in row_events])
            # most rows derive a person record or events only: the rest is asked of once
            if (
                not (row_addresses or row_involvements or row_families or row_ids or row_pr)
                and not row_network
            ):
                continue
            for name, values in row_network:
                values["source_record_id"] = sid
                network.setdefault(name, []).append(values)
            for group, into in (
                (row_addresses, addresses),
                (row_involvements, involvements),
                (row_families, families),
                (row_ids, identifiers),
            ):
                for values in group:
                    values["source_record_id"] = sid
                into.extend(group)
            practitioners.extend((Practitioner(*p), sid) for p in row_pr)
        insert_rows(self.connection, t.person_record, PERSON_COLUMNS, people)
        insert_rows(self.connection, t.event, EVENT_COLUMNS, events)
        for table, dicts in (
            (t.address, addresses),
            (t.involvement, involvements),
            (t.family_membership, families),
            (t.person_identifier, identifiers),
        ):
            insert_dicts(self.connection, table, dicts)
        if practitioners:
            self.practitioners.upsert_many(practitioners)
        for table in pole_tables.DERIVED:
            insert_dicts(self.connection, table, network.get(table.name, []))

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

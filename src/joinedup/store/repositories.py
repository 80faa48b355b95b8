"""Repositories: map the domain's plain dataclasses to and from the store's tables.

They take an open ``Connection`` (given by the unit of work) and never commit. The ingest
writes through them, and tests read back what it wrote; the capabilities' own store-aware
modules query the tables directly (SQLAlchemy Core), and every read of personal data by a
feature goes through a governed service (``tests/unit/test_architecture.py``). The
practitioners' repository is ``store.practitioners`` (importable from here too).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, insert, select, update

from joinedup.domain.model import (
    Address,
    Event,
    EventCategory,
    FamilyMembership,
    Household,
    Involvement,
    Sex,
    SourcePersonRecord,
    SourceRef,
)
from joinedup.domain.names import folded_or_none
from joinedup.store import pole_tables
from joinedup.store import tables as t

# (re-exported: the practitioners' repository, where the ingest and unit of work take it)
from joinedup.store.practitioners import PractitionerRepository as PractitionerRepository


class DeliveryRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def find_by_manifest(self, agency_id: str, manifest_sha256: str) -> dict[str, Any] | None:
        row = (
            self.connection.execute(
                select(t.delivery).where(
                    t.delivery.c.agency_id == agency_id,
                    t.delivery.c.manifest_sha256 == manifest_sha256,
                )
            )
            .mappings()
            .first()
        )
        return dict(row) if row else None

    def add(self, **values: Any) -> int:
        result = self.connection.execute(insert(t.delivery).values(**values))
        key = result.inserted_primary_key
        assert key is not None
        return int(key[0])

    def set_counts(self, delivery_id: int, **counts: int) -> None:
        self.connection.execute(
            update(t.delivery).where(t.delivery.c.id == delivery_id).values(**counts)
        )

    def add_file(self, **values: Any) -> None:
        self.connection.execute(insert(t.delivery_file).values(**values))

    def all(self, agency_id: str | None = None) -> list[dict[str, Any]]:
        query = select(t.delivery).order_by(t.delivery.c.id)
        if agency_id:
            query = query.where(t.delivery.c.agency_id == agency_id)
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def files(self, delivery_id: int) -> list[dict[str, Any]]:
        query = (
            select(t.delivery_file)
            .where(t.delivery_file.c.delivery_id == delivery_id)
            .order_by(t.delivery_file.c.path)
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]


class SourceRecordRepository:
    """Rows as delivered, with their version history."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def current_hashes(self, agency_id: str, source_table: str) -> dict[str, tuple[int, str, int]]:
        """source_id -> (source_record.id, content hash, version) for one agency table."""
        rows = self.connection.execute(
            select(
                t.source_record.c.source_id,
                t.source_record.c.id,
                t.source_record.c.content_sha256,
                t.source_record.c.version,
            ).where(
                t.source_record.c.agency_id == agency_id,
                t.source_record.c.source_table == source_table,
            )
        )
        return {r.source_id: (r.id, r.content_sha256, r.version) for r in rows}

    def history(self, agency_id: str, source_table: str, source_id: str) -> list[dict[str, Any]]:
        """Every version of one record, oldest first (what the audit sees)."""
        version = t.source_record_version
        query = (
            select(
                *(c for c in version.c if c.name != "payload"),
                # NULL for the current version: its payload is the record's own
                func.coalesce(version.c.payload, t.source_record.c.payload).label("payload"),
            )
            .join(
                t.source_record, t.source_record.c.id == t.source_record_version.c.source_record_id
            )
            .where(
                t.source_record.c.agency_id == agency_id,
                t.source_record.c.source_table == source_table,
                t.source_record.c.source_id == source_id,
            )
            .order_by(t.source_record_version.c.version)
        )
        return [dict(r) for r in self.connection.execute(query).mappings()]

    def count(self, agency_id: str | None = None) -> int:
        query = select(func.count()).select_from(t.source_record)
        if agency_id:
            query = query.where(t.source_record.c.agency_id == agency_id)
        return int(self.connection.execute(query).scalar_one())


def _person_from_row(row: Any) -> SourcePersonRecord:
    return SourcePersonRecord(
        ref=SourceRef(row.agency_id, row.source_table, row.source_id),
        forenames=row.forenames,
        surname=row.surname,
        date_of_birth=row.date_of_birth,
        sex=Sex(row.sex),
        nhs_number=row.nhs_number,
        upn=row.upn,
        postcode=row.postcode,
        address_line=row.address_line,
        ethnicity=row.ethnicity,
        other_names=list(row.other_names or []),
        attributes=dict(row.attributes or {}),
    )


def person_record_values(record: SourcePersonRecord, source_record_id: int) -> dict[str, Any]:
    return {
        "source_record_id": source_record_id,
        "agency_id": record.ref.agency,
        "source_table": record.ref.source_table,
        "source_id": record.ref.source_id,
        "forenames": record.forenames,
        "surname": record.surname,
        "date_of_birth": record.date_of_birth,
        "sex": record.sex.value,
        "nhs_number": record.nhs_number,
        "upn": record.upn,
        "postcode": record.postcode,
        "address_line": record.address_line,
        "ethnicity": record.ethnicity,
        "other_names": list(record.other_names),
        "attributes": dict(record.attributes),
        "surname_folded": folded_or_none(record.surname),
    }


def event_values(event: Event, source_record_id: int) -> dict[str, Any]:
    return {
        "source_record_id": source_record_id,
        "agency_id": event.ref.agency,
        "source_table": event.ref.source_table,
        "source_id": event.ref.source_id,
        "person_source_id": event.person_source_id,
        "category": event.category.value,
        "event_type": event.event_type,
        "occurred_on": event.occurred_on,
        "occurred_at": event.occurred_at,
        "ended_on": event.ended_on,
        "role": event.role,
        "codes": list(event.codes),
        "detail": dict(event.detail),
    }


def address_values(
    agency_id: str, person_source_id: str, value: Address, source_record_id: int
) -> dict[str, Any]:
    return {
        "source_record_id": source_record_id,
        "agency_id": agency_id,
        "person_source_id": person_source_id,
        "line": value.line,
        "postcode": value.postcode,
        "from_date": value.from_date,
        "to_date": value.to_date,
    }


def involvement_values(value: Involvement, source_record_id: int) -> dict[str, Any]:
    return {
        "source_record_id": source_record_id,
        "agency_id": value.agency,
        "practitioner_key": value.practitioner_key,
        "person_source_id": value.person_source_id,
        "role": value.role,
        "start_date": value.start_date,
        "end_date": value.end_date,
        "is_lead": value.is_lead,
    }


def family_values(value: FamilyMembership, source_record_id: int) -> dict[str, Any]:
    return {
        "source_record_id": source_record_id,
        "agency_id": value.agency,
        "family_source_id": value.family_source_id,
        "person_source_id": value.person_source_id,
    }


class PersonRecordRepository:
    """Source person records and what hangs off them: events, addresses, involvements,
    family memberships."""

    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def get(self, agency_id: str, source_table: str, source_id: str) -> SourcePersonRecord | None:
        row = self.connection.execute(
            select(t.person_record).where(
                t.person_record.c.agency_id == agency_id,
                t.person_record.c.source_table == source_table,
                t.person_record.c.source_id == source_id,
            )
        ).first()
        return _person_from_row(row) if row else None

    def by_agency(self, agency_id: str) -> list[SourcePersonRecord]:
        query = (
            select(t.person_record)
            .where(t.person_record.c.agency_id == agency_id)
            .order_by(t.person_record.c.source_table, t.person_record.c.source_id)
        )
        return [_person_from_row(r) for r in self.connection.execute(query)]

    def count(self, agency_id: str | None = None) -> int:
        query = select(func.count()).select_from(t.person_record)
        if agency_id:
            query = query.where(t.person_record.c.agency_id == agency_id)
        return int(self.connection.execute(query).scalar_one())

    def events_of(self, agency_id: str, person_source_id: str) -> list[Event]:
        query = (
            select(t.event)
            .where(t.event.c.agency_id == agency_id, t.event.c.person_source_id == person_source_id)
            .order_by(t.event.c.occurred_on, t.event.c.id)
        )
        return [
            Event(
                ref=SourceRef(r.agency_id, r.source_table, r.source_id),
                person_source_id=r.person_source_id,
                category=EventCategory(r.category),
                event_type=r.event_type,
                occurred_on=r.occurred_on,
                ended_on=r.ended_on,
                role=r.role,
                codes=list(r.codes or []),
                detail=dict(r.detail or {}),
                occurred_at=_aware(r.occurred_at),
            )
            for r in self.connection.execute(query)
        ]

    def addresses_of(self, agency_id: str, person_source_id: str) -> list[Address]:
        query = (
            select(t.address)
            .where(
                t.address.c.agency_id == agency_id, t.address.c.person_source_id == person_source_id
            )
            .order_by(t.address.c.from_date, t.address.c.id)
        )
        return [
            Address(r.line, r.postcode, r.from_date, r.to_date)
            for r in self.connection.execute(query)
        ]

    def involvements_of(self, agency_id: str, person_source_id: str) -> list[Involvement]:
        query = (
            select(t.involvement)
            .where(
                t.involvement.c.agency_id == agency_id,
                t.involvement.c.person_source_id == person_source_id,
            )
            .order_by(t.involvement.c.start_date, t.involvement.c.id)
        )
        return [
            Involvement(
                r.agency_id,
                r.practitioner_key,
                r.person_source_id,
                r.role,
                r.start_date,
                r.end_date,
                r.is_lead,
            )
            for r in self.connection.execute(query)
        ]

    def families_of(self, agency_id: str, person_source_id: str) -> list[FamilyMembership]:
        query = select(t.family_membership).where(
            t.family_membership.c.agency_id == agency_id,
            t.family_membership.c.person_source_id == person_source_id,
        )
        return [
            FamilyMembership(r.agency_id, r.family_source_id, r.person_source_id)
            for r in self.connection.execute(query)
        ]

    def replace_derived(self, source_record_ids: Sequence[int]) -> None:
        """Delete everything derived from these source rows (before re-deriving a new version)."""
        for chunk in _chunks(list(source_record_ids), 500):
            for table in (*t.DERIVED_FROM_SOURCE_RECORD, *pole_tables.DERIVED):
                self.connection.execute(delete(table).where(table.c.source_record_id.in_(chunk)))


class HouseholdRepository:
    def __init__(self, connection: Connection) -> None:
        self.connection = connection

    def add(self, household: Household, *, created_at: datetime) -> None:
        self.connection.execute(
            insert(t.household).values(
                id=household.household_id,
                postcode=household.postcode,
                from_date=household.from_date,
                to_date=household.to_date,
            )
        )
        for person_id in household.member_person_ids:
            _insert_person_if_absent(self.connection, person_id, created_at)
        if household.member_person_ids:
            self.connection.execute(
                insert(t.household_member),
                [
                    {"household_id": household.household_id, "person_id": p}
                    for p in household.member_person_ids
                ],
            )

    def get(self, household_id: str) -> Household | None:
        row = self.connection.execute(
            select(t.household).where(t.household.c.id == household_id)
        ).first()
        if row is None:
            return None
        members = (
            self.connection.execute(
                select(t.household_member.c.person_id)
                .where(t.household_member.c.household_id == household_id)
                .order_by(t.household_member.c.person_id)
            )
            .scalars()
            .all()
        )
        return Household(row.id, row.postcode, row.from_date, row.to_date, list(members))


def _insert_person_if_absent(connection: Connection, person_id: str, created_at: datetime) -> None:
    exists = connection.execute(select(t.person.c.id).where(t.person.c.id == person_id)).first()
    if exists is None:
        connection.execute(insert(t.person).values(id=person_id, created_at=created_at))


def _aware(value: datetime | None) -> datetime | None:
    # SQLite returns naive datetimes for timezone-aware columns; the store writes UTC only.
    from datetime import UTC

    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _chunks(items: list[int], size: int) -> Iterable[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]

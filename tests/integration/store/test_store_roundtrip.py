"""The store round-trips the domain model on SQLite and PostgreSQL, in units of work."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import Engine, func, insert, inspect, select

from joinedup.domain.events import ConcernRecorded
from joinedup.domain.model import (
    Address,
    Event,
    EventCategory,
    FamilyMembership,
    Household,
    Involvement,
    Practitioner,
    Sex,
    SourcePersonRecord,
    SourceRef,
)
from joinedup.store import UnitOfWork, is_up_to_date, make_engine, upgrade
from joinedup.store import tables as t
from joinedup.store.migrate import current_revision, head_revision
from joinedup.store.repositories import (
    address_values,
    event_values,
    family_values,
    involvement_values,
    person_record_values,
)

NOW = datetime(2026, 11, 20, 6, 0, tzinfo=UTC)


def _delivery(uow: UnitOfWork, agency_id: str = "social_care") -> int:
    return uow.deliveries.add(
        agency_id=agency_id,
        feed_format="ssd-csv/1",
        partnership="Exampleshire",
        extracted_at=NOW,
        received_at=NOW,
        manifest_sha256="a" * 64,
        source_path="/x",
        rows=0,
        accepted=0,
        warnings=0,
        quarantined=0,
        inserted=0,
        updated=0,
        unchanged=0,
    )


def _source_record(uow: UnitOfWork, delivery_id: int, table: str, source_id: str) -> int:
    result = uow.connection.execute(
        insert(t.source_record).values(
            agency_id="social_care",
            source_table=table,
            source_id=source_id,
            content_sha256="b" * 64,
            payload={"id": source_id},
            version=1,
            first_delivery_id=delivery_id,
            last_changed_delivery_id=delivery_id,
            row_number=1,
        )
    )
    return int(result.inserted_primary_key[0])


def test_migrations_upgrade_an_empty_database(database_url: str) -> None:
    engine = make_engine(database_url)
    assert not is_up_to_date(engine)
    upgrade(engine)
    assert is_up_to_date(engine)
    head = head_revision(engine)
    assert head and "," not in head and current_revision(engine) == head  # one line, one head
    names = set(inspect(engine).get_table_names())
    assert {
        "delivery",
        "source_record",
        "person_record",
        "event",
        "quarantined_row",
        "practitioner",
        "involvement",
        "household",
        "outbox",
    } <= names
    upgrade(engine)  # a second upgrade is a no-op, not an error
    with engine.connect() as connection:
        agencies = connection.execute(select(t.agency.c.id)).scalars().all()
    assert sorted(agencies) == sorted(
        [
            "social_care",
            "health",
            "police",
            "education",
            "housing",
            "probation",
            "substance_misuse",
            "adult_mental_health",
        ]
    )
    engine.dispose()


def test_person_record_and_everything_hanging_off_it_round_trips(engine: Engine) -> None:
    person = SourcePersonRecord(
        ref=SourceRef("social_care", "ssd_person", "P000123"),
        forenames="Zoë-Ann",
        surname="O'Brien",
        date_of_birth=date(2015, 2, 28),
        sex=Sex.FEMALE,
        nhs_number="9434765919",
        upn="H801200001001",
        postcode="LS6 2AB",
        address_line="1 Example Street",
        ethnicity="WIRI",
        other_names=["Zoe Obrien"],
        attributes={"send_flag": True},
    )
    event = Event(
        ref=SourceRef("social_care", "ssd_cp_plans", "CPP1"),
        person_source_id="P000123",
        category=EventCategory.SOCIAL_CARE,
        event_type="CP_PLAN",
        occurred_on=date(2026, 3, 1),
        ended_on=date(2026, 9, 1),
        codes=["NEG"],
        detail={"ola": False},
        occurred_at=datetime(2026, 3, 1, 9, 30, tzinfo=UTC),
    )
    involvement = Involvement(
        "social_care", "W42", "P000123", "Allocated social worker", date(2026, 1, 1)
    )
    practitioner = Practitioner(
        "social_care",
        "W42",
        "Sam Worker",
        "sam@exampleshire.example",
        "Team North",
        "Social worker",
    )
    with UnitOfWork(engine) as uow:
        delivery_id = _delivery(uow)
        sid = _source_record(uow, delivery_id, "ssd_person", "P000123")
        eid = _source_record(uow, delivery_id, "ssd_cp_plans", "CPP1")
        conn = uow.connection
        conn.execute(insert(t.person_record).values(**person_record_values(person, sid)))
        conn.execute(insert(t.event).values(**event_values(event, eid)))
        conn.execute(
            insert(t.address).values(
                **address_values(
                    "social_care",
                    "P000123",
                    Address("1 Example Street", "LS6 2AB", date(2020, 1, 1)),
                    sid,
                )
            )
        )
        conn.execute(insert(t.involvement).values(**involvement_values(involvement, sid)))
        conn.execute(
            insert(t.family_membership).values(
                **family_values(FamilyMembership("social_care", "F9", "P000123"), sid)
            )
        )
        uow.practitioners.upsert_many([(practitioner, None)])
        uow.emit(ConcernRecorded(1, "P-1", "CONCERN", "sw", "social_care", ("W42",)))
        uow.commit()

    with UnitOfWork(engine) as uow:
        assert uow.person_records.get("social_care", "ssd_person", "P000123") == person
        assert uow.person_records.events_of("social_care", "P000123") == [event]
        assert uow.person_records.addresses_of("social_care", "P000123") == [
            Address("1 Example Street", "LS6 2AB", date(2020, 1, 1), None)
        ]
        assert uow.person_records.involvements_of("social_care", "P000123") == [involvement]
        assert uow.person_records.families_of("social_care", "P000123") == [
            FamilyMembership("social_care", "F9", "P000123")
        ]
        assert uow.practitioners.get("social_care", "W42") == practitioner
        assert (
            uow.practitioners.lead_for("social_care", "P000123", date(2026, 6, 1)) == practitioner
        )
        assert uow.practitioners.lead_for("social_care", "P000123", date(2025, 6, 1)) is None
        outbox = uow.connection.execute(select(t.outbox)).mappings().all()
        assert [o["event_type"] for o in outbox] == ["ConcernRecorded"]  # for the worker
        assert outbox[0]["payload"]["person_id"] == "P-1"


def test_uncommitted_unit_of_work_leaves_nothing(engine: Engine) -> None:
    with UnitOfWork(engine) as uow:
        _delivery(uow)
        uow.emit(ConcernRecorded(2, "P-2", "CONCERN", "sw", "social_care", ()))
    with pytest.raises(RuntimeError), UnitOfWork(engine) as uow:
        _delivery(uow)
        raise RuntimeError("crash mid-way")
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(t.delivery)).scalar_one() == 0
        assert connection.execute(select(func.count()).select_from(t.outbox)).scalar_one() == 0


def test_delivery_counts_must_account_for_every_row(engine: Engine) -> None:
    """The store itself refuses a delivery whose rows are not all accepted or quarantined."""
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), UnitOfWork(engine) as uow:
        delivery_id = _delivery(uow)
        uow.deliveries.set_counts(delivery_id, rows=10, accepted=7, quarantined=2)
        uow.commit()


def test_practitioner_upsert_updates_changed_details(engine: Engine) -> None:
    first = Practitioner("education", "school:100001:dsl", "A Lead", "a@school.example", "Oak")
    changed = Practitioner("education", "school:100001:dsl", "B Lead", "b@school.example", "Oak")
    with UnitOfWork(engine) as uow:
        uow.practitioners.upsert_many([(first, None)])
        uow.commit()
    with UnitOfWork(engine) as uow:
        uow.practitioners.upsert_many([(changed, None)])
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert uow.practitioners.get("education", "school:100001:dsl") == changed


def test_household_round_trips(engine: Engine) -> None:
    household = Household("H1", "LS6 2AB", date(2024, 1, 1), None, ["P-1", "P-2"])
    with UnitOfWork(engine) as uow:
        uow.households.add(household, created_at=NOW)
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert uow.households.get("H1") == household
        assert uow.households.get("H2") is None


def test_migrations_create_exactly_the_tables_the_code_declares(engine: Engine) -> None:
    """A table or column added in code without its migration (or the reverse) fails here."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        drift = compare_metadata(MigrationContext.configure(connection), t.metadata)
    assert drift == []


def test_audit_entries_are_hash_linked_and_contiguous(engine: Engine) -> None:
    from joinedup.governance.audit import append
    from joinedup.governance.audit.log import GENESIS, chain_hash
    from joinedup.store.audit_tables import audit_entry

    with UnitOfWork(engine) as uow:
        first = append(
            uow.connection,
            kind="ACCESS",
            actor="sam",
            details={"fields": ["dob"]},
            purpose="MASH_TRIAGE",
            subject="P-1",
        )
        second = append(uow.connection, kind="SHARE", actor="sam", details={"to": "police"})
        uow.commit()
    assert (first.seq, second.seq) == (0, 1)
    assert first.prev_hash == GENESIS and second.prev_hash == first.entry_hash
    with engine.connect() as connection:
        rows = connection.execute(select(audit_entry).order_by(audit_entry.c.seq)).all()
    assert [chain_hash(r.prev_hash, bytes(r.leaf)) for r in rows] == [r.entry_hash for r in rows]

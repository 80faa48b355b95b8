"""Unit of work: one transaction, its repositories, and the domain events it emitted.

Events collected during the unit of work are written to the ``outbox`` table in the same
transaction as the change that caused them, so an event is stored if and only if the change
is (the transactional outbox). Subscribers read the outbox after commit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from types import TracebackType

from sqlalchemy import Connection, Engine, insert

from joinedup.domain.events import DomainEvent
from joinedup.store import tables
from joinedup.store.repositories import (
    DeliveryRepository,
    HouseholdRepository,
    PersonRecordRepository,
    PractitionerRepository,
    SourceRecordRepository,
)


class UnitOfWork:
    """``with UnitOfWork(engine) as uow: ...; uow.commit()``; leaving without commit rolls back."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._events: list[DomainEvent] = []
        self._committed = False

    def __enter__(self) -> UnitOfWork:
        self.connection: Connection = self.engine.connect()
        self._transaction = self.connection.begin()
        self.deliveries = DeliveryRepository(self.connection)
        self.source_records = SourceRecordRepository(self.connection)
        self.person_records = PersonRecordRepository(self.connection)
        self.practitioners = PractitionerRepository(self.connection)
        self.households = HouseholdRepository(self.connection)
        return self

    def emit(self, event: DomainEvent) -> None:
        self._events.append(event)

    def commit(self) -> None:
        if self._events:
            now = datetime.now(UTC)
            self.connection.execute(
                insert(tables.outbox),
                [
                    {"event_type": type(e).__name__, "payload": e.to_dict(), "created_at": now}
                    for e in self._events
                ],
            )
            self._events.clear()
        self._transaction.commit()
        self._committed = True

    def rollback(self) -> None:
        self._events.clear()
        if self._transaction.is_active:
            self._transaction.rollback()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if not self._committed:
            self.rollback()
        self.connection.close()

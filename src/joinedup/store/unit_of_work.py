"""Unit of work: one transaction, its repositories, and the domain events it emitted.

At commit, each event goes where the event flow says (``EventFlow``, declared once for the
whole platform in ``joinedup.bootstrap``): to the handlers that run in the same transaction
(what an event causes commits with it, or not at all), and, for the types handled later by a
worker, to the ``outbox`` table (the transactional outbox: an event is stored if and only if
the change is). An event nobody handles is not written. The flow in force is the one
``use`` installed (the entry points call ``bootstrap.wire``), or within ``using(...)`` a
replacement for one block of work (a replay feeding history without alerts).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType, TracebackType

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

Handler = Callable[[Connection, DomainEvent], None]


@dataclass(frozen=True)
class EventFlow:
    """Where each kind of event goes at commit: ``in_transaction`` handlers (run before the
    commit, on the unit of work's connection) and ``outbox`` types (written for a worker)."""

    in_transaction: Mapping[type[DomainEvent], tuple[Handler, ...]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    outbox: frozenset[type[DomainEvent]] = frozenset()

    def handlers(self, event: DomainEvent) -> tuple[Handler, ...]:
        return self.in_transaction.get(type(event), ())


NOTHING = EventFlow()
_installed: list[EventFlow] = [NOTHING]
_override: ContextVar[EventFlow | None] = ContextVar("joinedup_event_flow", default=None)


def use(flow: EventFlow) -> None:
    """Install ``flow`` for the process (``joinedup.bootstrap.wire``)."""
    _installed[0] = flow


def current_flow() -> EventFlow:
    return _override.get() or _installed[0]


@contextmanager
def using(flow: EventFlow) -> Iterator[None]:
    """``flow`` instead of the installed one, for the units of work within the block."""
    token = _override.set(flow)
    try:
        yield
    finally:
        _override.reset(token)


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
        flow = current_flow()
        for event in self._events:
            for handler in flow.handlers(event):
                handler(self.connection, event)
        later = [e for e in self._events if type(e) in flow.outbox]
        if later:
            now = datetime.now(UTC)
            self.connection.execute(
                insert(tables.outbox),
                [
                    {"event_type": type(e).__name__, "payload": e.to_dict(), "created_at": now}
                    for e in later
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

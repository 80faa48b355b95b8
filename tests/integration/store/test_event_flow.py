"""The event flow (issue 18): what an event causes is declared once (joinedup.bootstrap) and
dispatched by the unit of work at commit: handlers in the transaction, the outbox for a
worker, nothing for an event no one handles. Every entry point installs it. On SQLite and
PostgreSQL."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

import pytest
from sqlalchemy import Engine, select
from typer.testing import CliRunner

from joinedup import bootstrap
from joinedup.domain.events import ConcernRecorded, DeliveryIngested, DomainEvent
from joinedup.store import UnitOfWork, tables, unit_of_work
from joinedup.store.unit_of_work import NOTHING, EventFlow, using


@dataclass(frozen=True, slots=True)
class SomethingNobodyHandles(DomainEvent):
    n: int


def _outbox(engine: Engine) -> list[str]:
    with engine.connect() as connection:
        return list(connection.execute(select(tables.outbox.c.event_type)).scalars())


def test_handlers_run_in_the_transaction_and_roll_back_with_it(engine: Engine) -> None:
    seen: list[tuple[Any, DomainEvent]] = []

    def handler(connection: Any, event: DomainEvent) -> None:
        seen.append((connection, event))
        connection.execute(
            tables.outbox.insert().values(
                event_type="BY_HANDLER", payload={}, created_at=datetime.now(UTC)
            )
        )

    flow = EventFlow(in_transaction=MappingProxyType({SomethingNobodyHandles: (handler,)}))
    with using(flow):
        with UnitOfWork(engine) as uow:
            uow.emit(SomethingNobodyHandles(1))
            uow.commit()
        assert [c for c, _ in seen] == [uow.connection] and _outbox(engine) == ["BY_HANDLER"]
        failing = EventFlow(
            in_transaction=MappingProxyType({SomethingNobodyHandles: (handler, _fails)})
        )
        with using(failing), pytest.raises(RuntimeError), UnitOfWork(engine) as uow:
            uow.emit(SomethingNobodyHandles(2))
            uow.commit()
    # the second unit of work's handler wrote, then another handler failed: all rolled back
    assert len(seen) == 2 and _outbox(engine) == ["BY_HANDLER"]


def _fails(_connection: Any, _event: DomainEvent) -> None:
    raise RuntimeError("a handler failed")


def test_only_events_someone_handles_later_reach_the_outbox(engine: Engine) -> None:
    with using(bootstrap.FLOW), UnitOfWork(engine) as uow:
        uow.emit(SomethingNobodyHandles(1))
        uow.emit(ConcernRecorded(1, "P-1", "CONCERN", "sw", "social_care", ("k",)))
        uow.commit()
    assert _outbox(engine) == ["ConcernRecorded"]


def test_the_platforms_flow_sends_a_delivery_to_the_alerts_intake() -> None:
    handlers = bootstrap.FLOW.handlers(DeliveryIngested(1, "police", 1, 1, 0))
    assert [f"{h.__module__}.{h.__name__}" for h in handlers] == [
        "joinedup.alerts.intake.on_delivery_ingested",
        "joinedup.services.exchange_follow.on_delivery_ingested",  # the exchange is due
    ]
    assert bootstrap.FLOW.outbox == {ConcernRecorded}


def test_every_entry_point_installs_the_flow(engine: Engine, monkeypatch) -> None:
    from joinedup.asgi import create_app
    from joinedup.cli import app

    unit_of_work.use(NOTHING)
    create_app(engine)
    assert unit_of_work.current_flow() is bootstrap.FLOW
    unit_of_work.use(NOTHING)
    url = engine.url.render_as_string(hide_password=False)
    result = CliRunner().invoke(app, ["db", "status"], env={"JOINEDUP_DATABASE_URL": url})
    assert result.exit_code == 0, result.output
    assert unit_of_work.current_flow() is bootstrap.FLOW

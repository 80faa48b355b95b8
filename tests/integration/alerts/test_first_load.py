"""A first load, before anyone is linked, raises no alerts and does not look each event up:
nobody can be tied to a child yet (the 100,000-child demo spent 20+ minutes per delivery
asking, one event at a time)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select

from joinedup.services import deliveries_in, ingest
from joinedup.store import make_engine, upgrade
from joinedup.store.alert_tables import alert


def test_a_first_load_before_linking_raises_nothing_and_asks_once_per_delivery(
    partnership: Path, tmp_path: Path
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'first.db'}")
    upgrade(engine)
    linkage_reads: list[str] = []

    def count(_c: Any, _cur: Any, statement: str, *_: Any) -> None:
        if "FROM linkage_record" in statement:
            linkage_reads.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    deliveries = deliveries_in(partnership)
    reports = [ingest(engine, d, link=False) for d in deliveries]
    event.remove(engine, "before_cursor_execute", count)
    assert all(r.status == "ingested" for r in reports)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(alert)).scalar_one() == 0
    assert len(linkage_reads) <= len(deliveries), linkage_reads[:3]
    engine.dispose()

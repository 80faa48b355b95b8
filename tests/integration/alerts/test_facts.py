"""The rules' reads: found by linkage_record's primary key, remembered for one evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import Engine, event, select

from joinedup.alerts import facts, facts_bulk, routing
from joinedup.alerts.evaluate import findings_for
from joinedup.alerts.rules import trigger_event_types
from joinedup.config import alert_settings
from joinedup.store.linkage_tables import linkage_record
from joinedup.store.tables import event as event_table


@contextmanager
def counting(engine: Engine) -> Iterator[list[str]]:
    statements: list[str] = []

    def seen(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def _a_police_person(engine: Engine) -> tuple[str, str]:
    with engine.connect() as connection:
        row = connection.execute(
            select(linkage_record.c.source_id, linkage_record.c.person_id)
            .where(linkage_record.c.agency_id == "police")
            .limit(1)
        ).one()
    return row.source_id, row.person_id


def test_person_of_finds_the_linked_person_and_none_for_an_unknown_record(
    loaded: Engine,
) -> None:
    source_id, person = _a_police_person(loaded)
    with loaded.connect() as connection:
        assert facts.person_of(connection, "police", source_id) == person
        assert facts.person_of(connection, "police", "NO-SUCH-RECORD") is None


def test_a_person_table_this_process_had_not_seen_is_looked_up_again(
    loaded: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    source_id, person = _a_police_person(loaded)
    monkeypatch.setattr(facts, "_person_tables", {"police": ("an_older_format",)})
    with loaded.connect() as connection, facts.remembering():
        assert facts.person_of(connection, "police", source_id) == person
    assert facts._person_tables["police"] == ("persons",)


def test_facts_are_read_once_while_remembering_and_afresh_outside(loaded: Engine) -> None:
    _, person = _a_police_person(loaded)
    with loaded.connect() as connection:
        with counting(loaded) as outside:
            first = facts.records_of(connection, person)
            assert facts.records_of(connection, person) == first
        with counting(loaded) as inside, facts.remembering():
            assert facts.records_of(connection, person) == first
            assert facts.records_of(connection, person) == first
            assert facts.born_of(connection, person) == facts.born_of(connection, person)
    assert len(outside) == 2
    assert len(inside) == 2  # records once, date of birth once


def _as_compared(connection: Any, finding: Any, recipient: Any) -> tuple[Any, ...]:
    return (
        finding.rule.id,
        finding.child_id,
        sorted(finding.records),
        finding.cause,
        finding.details,
        recipient,
        facts.own_record(connection, finding.records, recipient.agency),
    )


def test_a_deliverys_facts_read_in_bulk_give_the_rules_the_same_answers(loaded: Engine) -> None:
    """Every watched event of the store (a few hundred, over many days, with households,
    plans and lead practitioners whose start dates may be missing), evaluated and routed
    with the facts read in bulk and then with each fact read on its own."""
    settings = alert_settings()
    watched = {(a, c, e) for a, c, e in trigger_event_types()}
    with loaded.connect() as connection:
        events = [
            e
            for e in connection.execute(select(event_table).order_by(event_table.c.id)).mappings()
            if (e["agency_id"], e["category"], e["event_type"]) in watched
        ]
        assert len(events) > 100

        def evaluated() -> list[Any]:
            out = []
            for found in events:
                for f in findings_for(connection, found):
                    to = routing.route(connection, f.rule, f.records, f.on, settings)
                    out.append(_as_compared(connection, f, to))
            return out

        with facts.remembering():
            facts_bulk.warm(connection, events, ["education", "health", "police", "social_care"])
            with counting(loaded) as after_warming:
                in_bulk = evaluated()
        one_at_a_time = evaluated()
    assert in_bulk == one_at_a_time
    assert len(in_bulk) > 50
    assert len(after_warming) < len(events) / 4  # what the bulk reads left (missing, MAPPA)

"""The rules' reads: found by linkage_record's primary key, remembered for one evaluation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from sqlalchemy import Engine, event, select

from joinedup.alerts import facts
from joinedup.store.linkage_tables import linkage_record


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

"""Events and person records written as tuples store exactly what the dict path stored."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import create_engine, text

from joinedup.domain.model import Event, EventCategory, Sex, SourcePersonRecord, SourceRef
from joinedup.ingest.derived_rows import EVENT_COLUMNS, PERSON_COLUMNS, event_tuple, person_tuple
from joinedup.store import tables as t
from joinedup.store.bulk import insert_dicts, insert_rows
from joinedup.store.repositories import event_values, person_record_values

EVENTS = [
    Event(
        SourceRef("health", "Encounter", "enc-1"),
        "p-1",
        EventCategory.HEALTH_ENCOUNTER,
        "EMER",
        date(2024, 1, 30),
        codes=["ILLNESS"],
        detail={"service_provider": 'WF1 Préston \u2028 "Medical" \\ Practice'},
        occurred_at=datetime(2024, 1, 30, 11, 59, tzinfo=UTC),
    ),
    Event(
        SourceRef("police", "incidents", "inc-1"),
        "p-2",
        EventCategory.HEALTH_CONDITION,
        "DEPRESSION",
        date(2023, 5, 1),
        ended_on=date(2023, 6, 1),
        role="VICTIM",
        codes=("A", "B"),  # type: ignore[arg-type]  # a tuple is written as a list
        detail={"sessions": 3, "flag": True, "note": None},
    ),
    Event(SourceRef("x", "y", "z"), "p-3", EventCategory.HEALTH_ENCOUNTER, "AMB", date(2020, 1, 1)),
    Event(
        SourceRef("x", "y", "lone"),
        "p-4",
        EventCategory.HEALTH_ENCOUNTER,
        "AMB",
        date(2020, 1, 1),
        codes=["\x01 control", "\x1f"],
        detail={"k": "\x7f"},
    ),
]
PEOPLE = [
    SourcePersonRecord(
        SourceRef("education", "pupils", "upn-1"),
        "Zoë",
        "O'Brien",
        date(2012, 3, 4),
        Sex.FEMALE,
        upn="A123",
        other_names=["Zo", "Zoe"],
        attributes={"sen": "K", "fsm": True, "sessions": 12},
    ),
    SourcePersonRecord(SourceRef("health", "Patient", "p-1"), None, None, None),
]


def _stored(table: str, connection: object) -> list[tuple[object, ...]]:
    return list(connection.execute(text(f"SELECT * FROM {table} ORDER BY id")))  # type: ignore[attr-defined]


def test_tuples_store_what_the_dicts_stored() -> None:
    engine = create_engine("sqlite://")
    with engine.begin() as connection:
        t.event.create(connection)
        t.person_record.create(connection)
        insert_dicts(connection, t.event, [event_values(e, 7) for e in EVENTS])
        insert_dicts(
            connection, t.person_record, [person_record_values(p, i) for i, p in enumerate(PEOPLE)]
        )
        by_dicts = _stored("event", connection), _stored("person_record", connection)
        connection.execute(text("DELETE FROM event"))
        connection.execute(text("DELETE FROM person_record"))
        insert_rows(connection, t.event, EVENT_COLUMNS, [event_tuple(e, 7) for e in EVENTS])
        insert_rows(
            connection,
            t.person_record,
            PERSON_COLUMNS,
            [person_tuple(p, i) for i, p in enumerate(PEOPLE)],
        )
        by_tuples = _stored("event", connection), _stored("person_record", connection)
    # ids differ only because the second insert continues the sequence
    for before, after in zip(by_dicts, by_tuples, strict=True):
        assert [row[1:] for row in before] == [row[1:] for row in after]
        assert len(before) > 1


def test_a_lone_surrogate_is_written_as_the_json_module_writes_it() -> None:
    event = Event(
        SourceRef("x", "y", "z"),
        "p",
        EventCategory.HEALTH_ENCOUNTER,
        "AMB",
        date(2020, 1, 1),
        codes=["\ud800"],
        detail={"k": "\ud800"},
    )
    *_, codes, detail = event_tuple(event, 1)
    assert (codes, detail) == ('["\ud800"]', '{"k":"\ud800"}')

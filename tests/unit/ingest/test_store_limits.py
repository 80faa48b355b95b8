"""Values the store's bounded columns cannot hold quarantine the row, whatever else it holds."""

from __future__ import annotations

from datetime import date

from joinedup.domain.model import Event, EventCategory, SourcePersonRecord, SourceRef
from joinedup.ingest.base import ParsedRow
from joinedup.ingest.store_limits import too_long


def _event(event_type: str, role: object = None) -> Event:
    return Event(
        SourceRef("police", "incidents", "inc-1"),
        "p-1",
        EventCategory.HEALTH_ENCOUNTER,
        event_type,
        date(2024, 1, 1),
        role=role,  # type: ignore[arg-type]
    )


def _row(*events: Event, person: SourcePersonRecord | None = None) -> ParsedRow:
    return ParsedRow("incidents", "inc-1", 1, {}, [], person=person, events=list(events))


def test_values_within_every_limit_raise_nothing() -> None:
    assert too_long(_row(_event("E" * 80, "R" * 60))) == []


def test_a_value_over_its_own_column_is_named_once() -> None:
    findings = too_long(_row(_event("E" * 81), _event("E" * 90)))
    assert [(f.code, f.field, f.severity) for f in findings] == [
        ("FIELD_TOO_LONG", "event_type", "error")
    ]
    assert "81" in findings[0].message and "80" in findings[0].message


def test_a_short_value_over_a_narrow_column_is_found_beside_long_ones() -> None:
    # role (60) is narrower than event_type (80): 61 characters fit one, not the other
    findings = too_long(_row(_event("E" * 61, "R" * 61)))
    assert [f.field for f in findings] == ["role"]


def test_a_value_that_is_not_text_is_not_measured() -> None:
    assert too_long(_row(_event("AMB", 12345))) == []
    findings = too_long(_row(_event("E" * 81, 12345)))
    assert [f.field for f in findings] == ["event_type"]


def test_a_person_with_a_long_postcode_is_found() -> None:
    person = SourcePersonRecord(
        SourceRef("health", "Patient", "p-1"), "Ann", "Smith", None, postcode="X" * 11
    )
    assert [f.field for f in too_long(_row(person=person))] == ["postcode"]

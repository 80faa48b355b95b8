"""The school calendar: term dates and half terms from the education feed, England's bank
holidays, and 08:30 local time on the next school day (issue 21)."""

from __future__ import annotations

from datetime import UTC, date, datetime

from joinedup.alerts.clock import Deadline, due
from joinedup.alerts.school_calendar import (
    UK,
    SchoolCalendar,
    Term,
    next_school_day_start,
    term_from_row,
)
from joinedup.synth.education import term_date_rows

LA_TERMS = [
    t
    for t in (
        term_from_row(
            dict(
                zip(
                    [
                        "urn",
                        "term",
                        "first_day",
                        "last_day",
                        "half_term_first_day",
                        "half_term_last_day",
                    ],
                    row,
                    strict=True,
                )
            )
        )
        for row in term_date_rows()
    )
    if t is not None
]
CALENDAR = SchoolCalendar(LA_TERMS)


def _uk(*args: int) -> datetime:
    return datetime(*args, tzinfo=UK)


def test_the_generated_feed_gives_three_terms_with_half_terms() -> None:
    assert [t.name for t in LA_TERMS] == ["2025-AUT", "2026-SPR", "2026-SUM"]
    assert all(t.urn is None and t.half_term for t in LA_TERMS)


def test_friday_night_and_saturday_go_on_monday() -> None:
    monday = _uk(2025, 11, 17, 8, 30)
    assert next_school_day_start(_uk(2025, 11, 14, 23, 40), None, CALENDAR) == monday
    assert next_school_day_start(_uk(2025, 11, 15, 14, 0), None, CALENDAR) == monday
    assert next_school_day_start(_uk(2025, 11, 16, 6, 0), None, CALENDAR) == monday


def test_before_half_past_eight_on_a_school_day_is_that_morning() -> None:
    assert CALENDAR.next_school_day_start(_uk(2025, 11, 18, 6, 0)) == _uk(2025, 11, 18, 8, 30)
    assert CALENDAR.next_school_day_start(_uk(2025, 11, 18, 8, 30)) == _uk(2025, 11, 19, 8, 30)


def test_the_day_before_a_bank_holiday_goes_on_the_day_after_it() -> None:
    # May Day 2026 is Monday 4 May, in the summer term.
    assert CALENDAR.next_school_day_start(_uk(2026, 5, 1, 20, 0)) == _uk(2026, 5, 5, 8, 30)
    assert CALENDAR.next_school_day_start(_uk(2026, 5, 3, 20, 0)) == _uk(2026, 5, 5, 8, 30)


def test_half_terms_and_holidays_go_on_the_first_day_back() -> None:
    # Autumn half term 27-31 October 2025; Christmas after 19 December.
    assert CALENDAR.next_school_day_start(_uk(2025, 10, 24, 18, 0)) == _uk(2025, 11, 3, 8, 30)
    assert CALENDAR.next_school_day_start(_uk(2025, 12, 19, 18, 0)) == _uk(2026, 1, 5, 8, 30)
    # Spring bank holiday 25 May 2026 falls in the half term: back on 1 June.
    assert CALENDAR.next_school_day_start(_uk(2026, 5, 22, 18, 0)) == _uk(2026, 6, 1, 8, 30)


def test_half_past_eight_is_local_time_in_summer_and_winter() -> None:
    summer = CALENDAR.next_school_day_start(datetime(2026, 6, 2, 3, 0, tzinfo=UTC))
    winter = CALENDAR.next_school_day_start(datetime(2025, 12, 2, 3, 0, tzinfo=UTC))
    assert summer == datetime(2026, 6, 2, 7, 30, tzinfo=UTC)
    assert winter == datetime(2025, 12, 2, 8, 30, tzinfo=UTC)
    assert summer.tzinfo is UTC


def test_a_schools_own_dates_win_over_the_local_authoritys() -> None:
    own = Term(
        "123456",
        "2025-AUT",
        date(2025, 9, 3),
        date(2025, 12, 19),
        (date(2025, 11, 3), date(2025, 11, 7)),
    )
    calendar = SchoolCalendar([*LA_TERMS, own])
    friday = _uk(2025, 10, 31, 18, 0)
    assert calendar.next_school_day_start(friday, "123456") == _uk(2025, 11, 10, 8, 30)
    assert calendar.next_school_day_start(friday, "999999") == _uk(2025, 11, 3, 8, 30)


def test_without_term_dates_bank_holidays_still_count() -> None:
    christmas_eve = _uk(2026, 12, 24, 19, 0)  # 25th, weekend, 28th (Boxing Day observed)
    assert next_school_day_start(christmas_eve) == _uk(2026, 12, 29, 8, 30)
    assert due(Deadline.NEXT_SCHOOL_DAY, christmas_eve) == _uk(2026, 12, 29, 8, 30)
    assert due(Deadline.ONE_WORKING_DAY, _uk(2026, 12, 24, 15, 0)) == _uk(2026, 12, 29, 15, 0)


def test_a_calendar_whose_terms_have_ended_falls_back_to_working_days() -> None:
    after = _uk(2026, 9, 10, 18, 0)  # no 2026/27 dates delivered
    assert CALENDAR.next_school_day_start(after) == _uk(2026, 9, 11, 8, 30)


def _parsed_term(**values: str) -> list[tuple[str, str | None, str]]:
    from datetime import UTC

    from joinedup.ingest.base import DeliveryContext
    from joinedup.ingest.reading import RawRow
    from joinedup.ingest.term_dates import parse_term
    from joinedup.ingest.validation import RowChecks

    row = {"urn": "", "term": "2025-AUT", "first_day": "2025-09-03", "last_day": "2025-12-19"}
    checks = RowChecks()
    context = DeliveryContext("education", datetime(2025, 9, 1, tzinfo=UTC))
    parse_term(RawRow(1, 2, {**row, **values}, "[]"), checks, context)
    return [(f.code, f.field, f.severity) for f in checks.findings]


def test_term_dates_that_cannot_be_a_term_are_refused() -> None:
    assert _parsed_term() == []
    assert _parsed_term(half_term_first_day="2025-10-27", half_term_last_day="2025-10-31") == []
    assert _parsed_term(last_day="2025-09-01") == [("INCONSISTENT", "last_day", "error")]
    assert _parsed_term(half_term_first_day="2025-10-27") == [
        ("INCONSISTENT", "half_term_last_day", "error")
    ]
    assert _parsed_term(half_term_first_day="2026-01-05", half_term_last_day="2026-01-09") == [
        ("INCONSISTENT", "half_term_first_day", "error")
    ]
    assert [code for code, _, _ in _parsed_term(first_day="3rd September")] == ["INVALID_DATE"]

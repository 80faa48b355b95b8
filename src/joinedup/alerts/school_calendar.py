"""School days: term dates from the education feed, England's bank holidays from ``holidays``.

A school day is a weekday that is not a bank holiday in England and, when the feed gives term
dates, falls inside a term and outside its half-term break. A school's own dates (its URN in
``term_dates.csv``: academies set their own) win over the local authority's (no URN); a
school with neither is on the local authority's dates, and with no term dates at all every
weekday that is not a bank holiday counts (early rather than late).

Operation Encompass notifications are due before the start of the next school day: 08:30
local time (Europe/London) on the first school day after the incident was passed on, or the
same day if that is a school day and it is not 08:30 yet.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
from sqlalchemy import Connection, select

from joinedup.store.tables import source_record

UK = ZoneInfo("Europe/London")
SCHOOL_DAY_STARTS = time(8, 30)
TERM_DATES = "term_dates"  # the education feed's source table
_LOOK_AHEAD_DAYS = 370  # a calendar with no school day in a year is a data error


@dataclass(frozen=True, slots=True)
class Term:
    """One term of a school (``urn``) or of the local authority's schools (``urn`` None)."""

    urn: str | None
    name: str
    first_day: date
    last_day: date
    half_term: tuple[date, date] | None = None

    def teaches_on(self, day: date) -> bool:
        if not self.first_day <= day <= self.last_day:
            return False
        return self.half_term is None or not self.half_term[0] <= day <= self.half_term[1]


@lru_cache(maxsize=64)
def _bank_holidays(year: int) -> frozenset[date]:
    # Offline: the library carries the rules (no network at run time).
    return frozenset(holidays.country_holidays("GB", subdiv="ENG", years=year))


def is_bank_holiday(day: date) -> bool:
    return day in _bank_holidays(day.year)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and not is_bank_holiday(day)


class SchoolCalendar:
    """The school days of every setting the education feed gave term dates for."""

    def __init__(self, terms: Iterable[Term] = ()) -> None:
        self._terms: dict[str | None, list[Term]] = {}
        for term in terms:
            self._terms.setdefault(term.urn, []).append(term)

    def terms_of(self, setting: str | None) -> list[Term]:
        """The setting's own terms, else the local authority's (empty: none known)."""
        return self._terms.get(setting) or self._terms.get(None) or []

    def is_school_day(self, day: date, setting: str | None = None) -> bool:
        if not is_working_day(day):
            return False
        terms = self.terms_of(setting)
        return not terms or any(t.teaches_on(day) for t in terms)

    def next_school_day_start(self, when: datetime, setting: str | None = None) -> datetime:
        """08:30 local time on the next school day after ``when`` (aware), or on the day of
        ``when`` itself if that is a school day and before 08:30; in ``when``'s zone."""
        local = when.astimezone(UK)
        day = local.date()
        if not (local.time() < SCHOOL_DAY_STARTS and self.is_school_day(day, setting)):
            day += timedelta(days=1)
        for _ in range(_LOOK_AHEAD_DAYS):
            if self.is_school_day(day, setting):
                break
            day += timedelta(days=1)
        else:  # no term dates reach this far: the next working day, not never
            day = local.date() + timedelta(days=1)
            while not is_working_day(day):
                day += timedelta(days=1)
        start = datetime.combine(day, SCHOOL_DAY_STARTS, tzinfo=UK)
        return start.astimezone(when.tzinfo)


def next_school_day_start(
    incident_time: datetime, setting: str | None = None, calendar: SchoolCalendar | None = None
) -> datetime:
    """When a notification about an incident at ``incident_time`` must reach ``setting`` (a
    school's URN; None: the local authority's dates) by."""
    return (calendar or SchoolCalendar()).next_school_day_start(incident_time, setting)


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value).strip()) if value else None
    except ValueError:
        return None


def term_from_row(row: Mapping[str, Any]) -> Term | None:
    """A ``term_dates.csv`` row as delivered (ingest has checked it) as a Term."""
    first, last = _day(row.get("first_day")), _day(row.get("last_day"))
    if first is None or last is None:
        return None
    half = (_day(row.get("half_term_first_day")), _day(row.get("half_term_last_day")))
    return Term(
        str(row.get("urn") or "").strip() or None,
        str(row.get("term") or ""),
        first,
        last,
        (half[0], half[1]) if half[0] and half[1] else None,
    )


_TERM_ROWS = select(source_record.c.payload).where(
    source_record.c.agency_id == "education", source_record.c.source_table == TERM_DATES
)


def load(connection: Connection) -> SchoolCalendar:
    """The calendar from the education feed's term dates in the store."""
    terms = (term_from_row(row) for row in connection.execute(_TERM_ROWS).scalars())
    return SchoolCalendar(t for t in terms if t is not None)

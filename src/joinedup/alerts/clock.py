"""Deadlines in UK local time: an hour, one working day, 08:30 on the next school day.

Working days skip weekends and England's bank holidays (``school_calendar``, from the
``holidays`` library); the next school day also skips school holidays when the education
feed gives term dates (``raising`` passes the setting's calendar).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum

from joinedup.alerts.school_calendar import (
    SCHOOL_DAY_STARTS,
    UK,
    SchoolCalendar,
    is_working_day,
)

__all__ = ["SCHOOL_DAY_STARTS", "UK", "Deadline", "due"]


class Deadline(StrEnum):
    ONE_HOUR = "1 hour"
    ONE_WORKING_DAY = "1 working day"
    NEXT_SCHOOL_DAY = "before 08:30 on the next school day"


def _next_working_day(day: datetime) -> datetime:
    day = day + timedelta(days=1)
    while not is_working_day(day.date()):
        day += timedelta(days=1)
    return day


def due(
    deadline: Deadline,
    start: datetime,
    *,
    calendar: SchoolCalendar | None = None,
    setting: str | None = None,
) -> datetime:
    """When an alert raised at ``start`` (aware) must be acknowledged by; ``calendar`` and
    ``setting`` (a school's URN) place the next school day (default: weekdays that are not
    bank holidays)."""
    local = start.astimezone(UK)
    if deadline is Deadline.ONE_HOUR:
        return start + timedelta(hours=1)
    if deadline is Deadline.ONE_WORKING_DAY:
        return _next_working_day(local).astimezone(start.tzinfo)
    # Operation Encompass: before the start of the next school day.
    return (calendar or SchoolCalendar()).next_school_day_start(start, setting)

"""Deadlines in UK local time: an hour, one working day, 08:30 on the next school day.

Hand-written (a few lines) rather than a business-calendar library: the rules need only
weekdays; bank holidays and school holidays are not in any feed, so a deadline that falls on
one is early, never late (documented in docs/alerts.md).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

UK = ZoneInfo("Europe/London")
SCHOOL_DAY_STARTS = time(8, 30)


class Deadline(StrEnum):
    ONE_HOUR = "1 hour"
    ONE_WORKING_DAY = "1 working day"
    NEXT_SCHOOL_DAY = "before 08:30 on the next school day"


def _next_weekday(day: datetime) -> datetime:
    day = day + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def due(deadline: Deadline, start: datetime) -> datetime:
    """When an alert raised at ``start`` (aware) must be acknowledged by."""
    local = start.astimezone(UK)
    if deadline is Deadline.ONE_HOUR:
        return start + timedelta(hours=1)
    if deadline is Deadline.ONE_WORKING_DAY:
        return _next_weekday(local).astimezone(start.tzinfo)
    # Operation Encompass: before the start of the next school day (a weekday).
    day = local if local.time() < SCHOOL_DAY_STARTS and local.weekday() < 5 else None
    if day is None:
        day = _next_weekday(local)
    wall = datetime.combine(day.date(), SCHOOL_DAY_STARTS)
    return wall.replace(tzinfo=UK).astimezone(start.tzinfo)

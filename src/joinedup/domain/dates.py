"""Dates as practitioners in England type them: ``parse_date`` reads ``3/2/2015``,
``03/02/2015``, ``3-2-2015``, ``3.2.2015``, ``3 February 2015``, ``3 Feb 2015`` and ISO
``2015-02-03`` (day first, as the GOV.UK Design System's dates are), and refuses anything
else with a plain-English sentence (``DateNotUnderstood``) that a form shows on the field."""

from __future__ import annotations

import re
from datetime import date

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}
_NUMERIC = re.compile(r"^(\d{1,2})\s*[/.\-]\s*(\d{1,2})\s*[/.\-]\s*(\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_WORDS = re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([a-z]+)\.?,?\s+(\d{4})$")


class DateNotUnderstood(ValueError):
    """What was typed is not a date, or not a real one: the message says so in a sentence
    that begins with the field's name (``parse_date``'s ``label``)."""


def parse_date(text: str, label: str = "Date") -> date:
    """The date ``text`` gives (see the module); ``DateNotUnderstood`` otherwise."""
    typed = " ".join(text.strip().lower().split())
    day = month = year = None
    if found := _ISO.match(typed):
        year, month, day = (int(g) for g in found.groups())
    elif found := _NUMERIC.match(typed):
        day, month, year = (int(g) for g in found.groups())
    elif (found := _WORDS.match(typed)) and found.group(2) in MONTHS:
        day, month, year = int(found.group(1)), MONTHS[found.group(2)], int(found.group(3))
    if day is None or month is None or year is None:
        raise DateNotUnderstood(f"{label} must be a date, for example 27/3/2015 or 27 March 2015")
    try:
        return date(year, month, day)
    except ValueError:
        raise DateNotUnderstood(f"{label} must be a real date") from None

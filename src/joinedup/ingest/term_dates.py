"""``term_dates.csv`` (school census feed, optional): the school year's terms.

One row per term: ``urn`` (blank: the local authority's dates, which its maintained schools
follow; a URN: that school's own, as academies may set), ``term`` (e.g. ``2025-AUT``),
``first_day``, ``last_day`` and the half-term break (``half_term_first_day``,
``half_term_last_day``, optional). The alerts' school calendar (``alerts/school_calendar.py``)
reads them from the store to place "the start of the next school day".
"""

from __future__ import annotations

from joinedup.ingest.base import DeliveryContext, FileSpec, ParsedRow, parsed
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import RowChecks

TABLE = "term_dates"


def parse_term(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
    row = raw.values or {}
    urn = checks.text(row, "urn")
    term = checks.text(row, "term", required=True)
    first = checks.date(row, "first_day", required=True)
    last = checks.date(row, "last_day", required=True)
    half_first = checks.date(row, "half_term_first_day")
    half_last = checks.date(row, "half_term_last_day")
    if first and last and last < first:
        checks.add("INCONSISTENT", "last_day", "last_day is before first_day")
    if (half_first is None) != (half_last is None):
        checks.add("INCONSISTENT", "half_term_last_day", "a half term needs its first and last day")
    elif (
        half_first and half_last and first and last and not first <= half_first <= half_last <= last
    ):
        checks.add("INCONSISTENT", "half_term_first_day", "the half term is not inside the term")
    return parsed(raw, TABLE, f"{urn or 'LA'}|{term}", checks)


TERM_DATES = FileSpec(
    "term_dates.csv",
    TABLE,
    ("urn", "term", "first_day", "last_day"),
    parse_term,
    required_file=False,
    optional_columns=("half_term_first_day", "half_term_last_day"),
)

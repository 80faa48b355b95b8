"""What the CSV returns children's social care makes for the DfE and Ofsted (SSDA903,
Annex A) share: UK dates, children named by the authority's child id, and rows that each
become one social care event about a child delivered earlier in the same return.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.domain.model import Event, EventCategory, SourceRef
from joinedup.ingest.base import DeliveryContext, ParsedRow, parsed
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import WARNING, RowChecks

AGENCY = "social_care"
_UK_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


def uk_date(
    checks: RowChecks,
    row: dict[str, Any],
    name: str,
    *,
    required: bool = False,
    not_after: date | None = None,
) -> date | None:
    """A date as the returns write it (``31/03/2026``, as the DfE specifies) or ISO 8601,
    with the usual checks (invalid, implausible, after the extract)."""
    value = row.get(name)
    if isinstance(value, str) and (found := _UK_DATE.fullmatch(value.strip())):
        day, month, year = found.groups()
        row = {name: f"{year}-{int(month):02d}-{int(day):02d}"}
        try:
            date(int(year), int(month), int(day))
        except ValueError:
            checks.add(
                "INVALID_DATE",
                name,
                f"{name} {value.strip()!r} is not a date (DD/MM/YYYY)",
                "error" if required else WARNING,
            )
            return None
    return checks.date(row, name, required=required, not_after=not_after)


def known_child(
    checks: RowChecks,
    context: DeliveryContext,
    row: dict[str, Any],
    column: str,
    children: str,
    children_file: str,
) -> str | None:
    """The child id of the row, an error when the return's child list lacks it (a return
    with no child list, ``children=""``, names children the authority's other returns hold)."""
    child = checks.text(row, column, required=True)
    if child and context.has_table(children) and not context.knows(children, child):
        checks.add(
            "UNKNOWN_REFERENCE",
            column,
            f"{column} {child!r} is not in {children_file} of this delivery "
            "(or that child was quarantined)",
        )
    return child


@dataclass(frozen=True, slots=True)
class ChildEvent:
    """How the rows of one file become events about a child."""

    table: str
    event_type: str
    child: str  # the child id column
    start: str
    end: str | None = None
    codes: tuple[str, ...] = ()
    detail: tuple[str, ...] = ()
    start_required: bool = True
    born: str | None = None  # a date of birth column on the row itself (Annex A)
    numbered: bool = False  # two rows of a child on one day are two events (#2), not a duplicate

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(c for c in (self.end, self.born, *self.codes, *self.detail) if c)


def child_event_parser(
    spec: ChildEvent, children: str, children_file: str
) -> Callable[[RawRow, RowChecks, DeliveryContext], ParsedRow]:
    """Rows of ``spec.table`` as events; keyed by child, event type and start date (the
    returns give rows no identifier), so a re-delivered return changes nothing."""

    def parse(raw: RawRow, checks: RowChecks, context: DeliveryContext) -> ParsedRow:
        row = raw.values or {}
        child = known_child(checks, context, row, spec.child, children, children_file)
        start = uk_date(
            checks, row, spec.start, required=spec.start_required, not_after=context.extract_date
        )
        end = uk_date(checks, row, spec.end) if spec.end else None
        if start and end and end < start:
            checks.add("INCONSISTENT", spec.end, f"{spec.end} is before {spec.start}", WARNING)
        born = uk_date(checks, row, spec.born) if spec.born else None
        if child:
            checks.not_before_birth(start, born or context.births.get(child), spec.start)
        key = f"{child}:{spec.event_type}:{start.isoformat()}" if child and start else None
        if key is None and not spec.start_required:
            key = f"{child}:{spec.event_type}:row{raw.row_number}"
        if key and spec.numbered:
            seen = context.fact(spec.table)
            seen[key] = n = seen.get(key, 0) + 1
            key = key if n == 1 else f"{key}#{n}"
        codes = [c for c in (checks.text(row, name) for name in spec.codes) if c]
        detail = {n: v for n in spec.detail if (v := checks.text(row, n, free_text=True))}
        events = []
        if child and start:
            events.append(
                Event(
                    ref=SourceRef(AGENCY, spec.table, key or ""),
                    person_source_id=child,
                    category=EventCategory.SOCIAL_CARE,
                    event_type=spec.event_type,
                    occurred_on=start,
                    ended_on=end,
                    codes=codes,
                    detail=detail,
                )
            )
        return parsed(raw, spec.table, key, checks, events=events)

    return parse

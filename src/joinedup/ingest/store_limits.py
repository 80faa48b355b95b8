"""What the store's bounded text columns can hold, checked on each accepted row.

PostgreSQL enforces the lengths of ``String(n)`` columns; SQLite does not, so without this
check the two stores would disagree about the same delivery. Field checks bound each
delivered value; keys built from several values, and values derived from them (a
practitioner's key or name), are bounded here.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from sqlalchemy import Column, Table

from joinedup.ingest.base import ParsedRow
from joinedup.ingest.validation import Finding
from joinedup.store import tables as t


def _limit(column: Column[Any]) -> int:
    length = getattr(column.type, "length", None)
    assert isinstance(length, int), column
    return length


SOURCE_ID_CHARS = _limit(t.source_record.c.source_id)

# Per kind of canonical record: the names of its bounded fields, their lengths, one getter
# that reads them all (a record's own key is its ``ref.source_id``), and the shortest length.
Limits = tuple[tuple[str, ...], tuple[int, ...], Callable[[Any], Any], int]


def _limits(table: Table, names: tuple[str, ...], *, keyed: bool = False) -> Limits:
    paths = ["ref.source_id" if keyed and n == "source_id" else n for n in names]
    get = attrgetter(*paths)
    one = len(paths) == 1
    lengths = tuple(_limit(table.c[n]) for n in names)
    return (names, lengths, (lambda record: (get(record),)) if one else get, min(lengths))


_PERSON = _limits(
    t.person_record,
    ("source_id", "forenames", "surname", "postcode", "address_line", "ethnicity"),
    keyed=True,
)
_EVENT = _limits(t.event, ("source_id", "person_source_id", "event_type", "role"), keyed=True)
_ADDRESS = _limits(t.address, ("line",))  # its person id is a bounded field
_INVOLVEMENT = _limits(t.involvement, ("practitioner_key", "person_source_id", "role"))
_FAMILY = _limits(t.family_membership, ("family_source_id", "person_source_id"))
_IDENTIFIER = _limits(t.person_identifier, ("person_source_id", "value"))
_PRACTITIONER = _limits(t.practitioner, ("practitioner_key", "name", "email", "team", "role"))


def _check(over: dict[str, tuple[int, int]], record: Any, limits: Limits) -> None:
    names, lengths, get, shortest = limits
    values = get(record)
    try:
        # the common case in one pass in C: every value (text, or None/empty) fits the
        # shortest of the columns
        if max(map(len, filter(None, values)), default=0) <= shortest:
            return
    except TypeError:  # a value that is not text: looked at one by one below
        pass
    for name, limit, value in zip(names, lengths, values, strict=True):
        if isinstance(value, str) and len(value) > limit and name not in over:
            over[name] = (len(value), limit)


def too_long(row: ParsedRow, agency_id: str | None = None) -> list[Finding]:
    """FIELD_TOO_LONG errors for values of an accepted row that the store's columns cannot
    hold. (``agency_id`` is not needed; reprocess passes it.)"""
    over: dict[str, tuple[int, int]] = {}
    if row.source_id is not None and len(row.source_id) > SOURCE_ID_CHARS:
        over["source_id"] = (len(row.source_id), SOURCE_ID_CHARS)
    if row.person is not None:
        _check(over, row.person, _PERSON)
    for event in row.events:
        _check(over, event, _EVENT)
    for _, address in row.addresses:
        _check(over, address, _ADDRESS)
    for involvement in row.involvements:
        _check(over, involvement, _INVOLVEMENT)
    for family in row.families:
        _check(over, family, _FAMILY)
    for identifier in row.identifiers:
        _check(over, identifier, _IDENTIFIER)
    for practitioner in row.practitioners:
        _check(over, practitioner, _PRACTITIONER)
    if not over:
        return []
    return [
        Finding(
            "FIELD_TOO_LONG",
            name,
            f"{name} would be {length:,} characters; the store keeps at most {limit:,}",
        )
        for name, (length, limit) in over.items()
    ]

"""What every feed adapter provides, and what it hands the pipeline for each row.

An adapter knows its files (in dependency order: people before their events) and turns one
``RawRow`` into a ``ParsedRow``: the canonical records it yields plus its findings. It never
touches the store; the pipeline writes. Cross-file checks (an involvement naming an unknown
incident) use the ``DeliveryContext``, which holds keys seen earlier in the same delivery.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from joinedup.domain.model import (
    Address,
    Event,
    FamilyMembership,
    Involvement,
    Practitioner,
    SourcePersonRecord,
)
from joinedup.ingest.reading import RawRow
from joinedup.ingest.validation import Finding, RowChecks


@dataclass(slots=True)
class PersonIdentifier:
    person_source_id: str
    identifier_type: str  # NHS_NUMBER | UPN
    value: str


@dataclass(slots=True)
class ParsedRow:
    source_table: str
    source_id: str | None
    row_number: int
    payload: dict[str, Any]
    findings: list[Finding]
    person: SourcePersonRecord | None = None
    events: list[Event] = field(default_factory=list)
    addresses: list[tuple[str, Address]] = field(default_factory=list)  # (person id, address)
    involvements: list[Involvement] = field(default_factory=list)
    families: list[FamilyMembership] = field(default_factory=list)
    practitioners: list[Practitioner] = field(default_factory=list)
    identifiers: list[PersonIdentifier] = field(default_factory=list)
    # A police place, object or incident link (``pole_network``): (table name, column values)
    network: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

    @property
    def quarantined(self) -> bool:
        return bool(self.findings) and any(f.severity == "error" for f in self.findings)


@dataclass(slots=True)
class DeliveryContext:
    """Keys and facts seen earlier in this delivery, for referential checks."""

    agency: str
    extracted_at: datetime
    keys: dict[str, set[str]] = field(default_factory=dict)
    births: dict[str, date] = field(default_factory=dict)  # person source id -> DOB
    facts: dict[str, dict[str, Any]] = field(default_factory=dict)

    @property
    def extract_date(self) -> date:
        return self.extracted_at.date()

    def remember(self, table: str, key: str) -> None:
        self.keys.setdefault(table, set()).add(key)

    def knows(self, table: str, key: str) -> bool:
        return key in self.keys.get(table, ())

    def has_table(self, table: str) -> bool:
        return table in self.keys

    def fact(self, table: str) -> dict[str, Any]:
        return self.facts.setdefault(table, {})


@dataclass(frozen=True, slots=True)
class FileSpec:
    """One file of a feed: its name, the table it fills, the columns it must have, and the
    further columns it reads when present (any other column is reported as ignored)."""

    path: str
    source_table: str
    required_columns: tuple[str, ...]
    parse: Callable[[RawRow, RowChecks, DeliveryContext], ParsedRow]
    required_file: bool = True
    kind: str = "csv"  # csv | ndjson | xml
    optional_columns: tuple[str, ...] = ()  # read when present; anything else is reported
    schema: str = ""  # xml: the XSD (in ingest/data) the file is validated against
    root: str = ""  # xml without an XSD: the root element the file must have...
    records: tuple[str, ...] = ()  # ...and the only record elements it may hold


class FeedAdapter:
    """Base of the adapters; subclasses list their ``files`` in processing order."""

    format_id: str = ""
    files: tuple[FileSpec, ...] = ()

    def finalise_sql(self) -> list[str]:
        """SQL run after all rows are written, in the same transaction (may be empty)."""
        return []


def parsed(
    raw: RawRow, table: str, source_id: str | None, checks: RowChecks, **canonical: Any
) -> ParsedRow:
    """A ParsedRow for ``raw``; canonical records are dropped when the row is quarantined."""
    row = ParsedRow(table, source_id, raw.row_number, raw.values or {}, checks.findings)
    if not checks.has_errors:
        for name, value in canonical.items():
            setattr(row, name, value)
    return row


def require_known(
    checks: RowChecks,
    context: DeliveryContext,
    table: str,
    key: str | None,
    field_name: str,
    what: str,
) -> None:
    """An error when ``key`` names something the delivery does not contain."""
    if key is not None and context.has_table(table) and not context.knows(table, key):
        checks.add(
            "UNKNOWN_REFERENCE",
            field_name,
            f"{field_name} {key!r} names a {what} that is not in this delivery",
        )

"""What re-validating a quarantined row needs: the row as delivered, and a ``DeliveryContext``
that knows what the store now holds for the agency.

At ingest an adapter's parse functions check references against the keys seen earlier in
the same delivery. On reprocess, the same parse functions run against ``StoreContext``, which
answers from the store instead: ``knows(table, key)`` is true when the agency's
``source_record`` holds that key (or an earlier row of this reprocess was accepted with it),
``births`` falls back to the person records' dates of birth, and the facts some adapters
record (a police incident's date and category, an SSD assessment's child) are rebuilt on
demand by replaying the adapter's own parse function over the stored row. Lookups are per
key and cached, so a reprocess costs in proportion to the open rows, not to the store.

``delivered_values`` turns a quarantined row's ``raw`` text back into column -> value.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Generator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any, cast

from sqlalchemy import Connection, select

from joinedup.ingest.base import DeliveryContext, FeedAdapter
from joinedup.ingest.reading import HeaderError, RawRow, read_csv
from joinedup.ingest.validation import RowChecks
from joinedup.store import tables as t

# The facts adapters record besides keys and births, and the source table whose parse
# function records each one (pole.parse_incident, ssd.episode_parser for assessments).
FACT_SOURCES = {"incidents": "incidents", "assessment_person": "ssd_cin_assessments"}
# Replayed rows were accepted once; a far-future extract time stops date checks refusing them.
_FAR_FUTURE = datetime(9999, 1, 1, tzinfo=UTC)


class StoreKnowledge:
    """Cached answers about one agency's store, shared by every context of one reprocess."""

    def __init__(self, connection: Connection, agency_id: str, adapter: FeedAdapter) -> None:
        self.connection = connection
        self.agency = agency_id
        self.parsers = {spec.source_table: spec.parse for spec in adapter.files}
        self.keys: dict[str, set[str]] = {}
        self._absent: set[tuple[str, str]] = set()
        self._tables: dict[str, bool] = {}
        self.births: dict[str, date] = _Births(self)
        self.facts: dict[str, dict[str, Any]] = {
            name: _Facts(self, name, table) for name, table in FACT_SOURCES.items()
        }

    def stored(self, table: str, key: str) -> bool:
        """Is ``key`` a current row of ``table`` (in the store, or accepted in this run)?"""
        if key in self.keys.get(table, ()):
            return True
        if (table, key) in self._absent:
            return False
        found = (
            self.connection.execute(
                select(t.source_record.c.id).where(
                    t.source_record.c.agency_id == self.agency,
                    t.source_record.c.source_table == table,
                    t.source_record.c.source_id == key,
                )
            ).first()
            is not None
        )
        if found:
            self.keys.setdefault(table, set()).add(key)
        else:
            self._absent.add((table, key))
        return found

    def has_table(self, table: str) -> bool:
        """Has the agency ever delivered an accepted row of ``table``?"""
        if self.keys.get(table):
            return True
        if table not in self._tables:
            self._tables[table] = (
                self.connection.execute(
                    select(t.source_record.c.id)
                    .where(
                        t.source_record.c.agency_id == self.agency,
                        t.source_record.c.source_table == table,
                    )
                    .limit(1)
                ).first()
                is not None
            )
        return self._tables[table]

    def stored_payload(self, table: str, key: str) -> dict[str, Any] | None:
        row = self.connection.execute(
            select(t.source_record.c.payload).where(
                t.source_record.c.agency_id == self.agency,
                t.source_record.c.source_table == table,
                t.source_record.c.source_id == key,
            )
        ).first()
        return dict(row.payload) if row is not None else None


class StoreContext(DeliveryContext):
    """A ``DeliveryContext`` for one delivery's extract time that answers from the store."""

    def __init__(self, knowledge: StoreKnowledge, extracted_at: datetime) -> None:
        super().__init__(
            knowledge.agency, extracted_at, knowledge.keys, knowledge.births, knowledge.facts
        )
        self.knowledge = knowledge

    def knows(self, table: str, key: str) -> bool:
        return self.knowledge.stored(table, key)

    def has_table(self, table: str) -> bool:
        return self.knowledge.has_table(table)


class _Births(dict[str, date]):
    """person source id -> date of birth; misses are read from the agency's person records."""

    def __init__(self, knowledge: StoreKnowledge) -> None:
        super().__init__()
        self._knowledge = knowledge
        self._unknown: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        if key not in self and key not in self._unknown:
            born = self._knowledge.connection.execute(
                select(t.person_record.c.date_of_birth)
                .where(
                    t.person_record.c.agency_id == self._knowledge.agency,
                    t.person_record.c.source_id == key,
                    t.person_record.c.date_of_birth.is_not(None),
                )
                .limit(1)
            ).scalar()
            if born is None:
                self._unknown.add(key)
            else:
                self[key] = born
        return dict.get(self, key, default)


class _Facts(dict[str, Any]):
    """key -> fact; a miss replays the stored row through the adapter's parse function."""

    def __init__(self, knowledge: StoreKnowledge, name: str, table: str) -> None:
        super().__init__()
        self._knowledge, self._name, self._table = knowledge, name, table

    def __missing__(self, key: str) -> Any:
        parse = self._knowledge.parsers.get(self._table)
        payload = self._knowledge.stored_payload(self._table, key)
        if parse is not None and payload is not None:
            # The parse function records the fact into this very mapping (context.facts).
            parse(
                RawRow(0, 0, payload, ""), RowChecks(), StoreContext(self._knowledge, _FAR_FUTURE)
            )
        if key in self:
            return dict.__getitem__(self, key)
        raise KeyError(key)

    def get(self, key: str, default: Any = None) -> Any:
        try:
            return self[key]
        except KeyError:
            return default


def delivered_values(
    raw: str, header_of: Callable[[], list[str] | None]
) -> tuple[dict[str, Any] | None, str | None]:
    """(column -> value, None) for a quarantined row's ``raw``, or (None, why not).

    NDJSON rows are kept as their JSON object; CSV rows as a JSON list of their values, which
    needs the file's header to be paired with column names again: ``header_of()`` gives it
    (``delivered_header``), and is called only then, since it reads the delivered file.
    """
    try:
        value = json.loads(raw)
    except (json.JSONDecodeError, RecursionError):
        return None, "the row as kept is not readable JSON (it could not be read when delivered)"
    if isinstance(value, dict):
        return value, None
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        return None, "the row as kept is not a list of CSV values"
    header = header_of()
    if header is None:
        return None, (
            "the delivered file is no longer at the delivery's folder unchanged, so its "
            "column names cannot be paired with the kept values"
        )
    if len(header) != len(value):
        return None, f"the row has {len(value)} values and the file's header {len(header)}"
    return dict(zip(header, value, strict=True)), None


def csv_header(path: Path, sha256: str) -> list[str] | None:
    """The header row of a delivered CSV file, if it is still there with the same SHA-256."""
    try:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
        if digest.hexdigest() != sha256:
            return None
        header, rows = read_csv(path)  # the ingest's own reading rules
    except (OSError, HeaderError):
        return None
    reader = cast(Generator[RawRow, None, None], rows)
    next(reader, None)  # start the reader, so that closing it closes the file
    reader.close()
    return header


def delivered_header(
    connection: Connection, delivery_id: int, source_path: str, file: str
) -> list[str] | None:
    """The header of a CSV file of a delivery, read again from where it was ingested."""
    if not file.endswith(".csv"):
        return None
    sha = connection.execute(
        select(t.delivery_file.c.sha256).where(
            t.delivery_file.c.delivery_id == delivery_id, t.delivery_file.c.path == file
        )
    ).scalar()
    return csv_header(Path(source_path) / file, sha) if sha else None

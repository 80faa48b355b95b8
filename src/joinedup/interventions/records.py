"""The intervention record import, format ``interventions-csv/1`` (docs/interventions.md).

In: the rows of a CSV (header ``intervention_id,type,agency,person_id,start_date,end_date,
provider,cost_gbp``). Out: ``InterventionRecord`` values, or ``BadInput`` naming the row and
the field. The child is named by a record an agency already delivered (``agency`` +
``person_id`` as that agency keys it); linkage finds the person.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from joinedup.domain.agencies import AgencyId
from joinedup.errors import BadInput

COLUMNS = (
    "intervention_id",
    "type",
    "agency",
    "person_id",
    "start_date",
    "end_date",
    "provider",
    "cost_gbp",
)
_AGENCIES = {a.value for a in AgencyId}


@dataclass(frozen=True, slots=True)
class InterventionRecord:
    external_id: str
    type_code: str
    person_agency: str
    person_source_id: str
    start_date: date
    end_date: date | None
    provider: str
    cost_pence: int | None


def _date(value: str, name: str, where: str) -> date:
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        raise BadInput(f"{where}: {name} {value!r} is not a date (YYYY-MM-DD)") from None


def parse_row(row: dict[str, str], where: str = "record") -> InterventionRecord:
    """One record, checked; ``BadInput`` says what is wrong and where."""
    values = {k: (row.get(k) or "").strip() for k in COLUMNS}
    for required in ("intervention_id", "type", "agency", "person_id", "start_date"):
        if not values[required]:
            raise BadInput(f"{where}: {required} is missing")
    if values["agency"] not in _AGENCIES:
        raise BadInput(f"{where}: agency {values['agency']!r} is not one of the partner agencies")
    start = _date(values["start_date"], "start_date", where)
    end = _date(values["end_date"], "end_date", where) if values["end_date"] else None
    if end is not None and end < start:
        raise BadInput(f"{where}: end_date is before start_date")
    cost = None
    if values["cost_gbp"]:
        try:
            amount = Decimal(values["cost_gbp"])
        except InvalidOperation:
            raise BadInput(f"{where}: cost_gbp {values['cost_gbp']!r} is not a number") from None
        if amount < 0:
            raise BadInput(f"{where}: cost_gbp is negative")
        cost = int(amount * 100)
    return InterventionRecord(
        values["intervention_id"],
        values["type"].upper(),
        values["agency"],
        values["person_id"],
        start,
        end,
        values["provider"],
        cost,
    )


def read_file(path: Path) -> Iterator[InterventionRecord]:
    """Every record of an ``interventions-csv/1`` file, in file order."""
    path = Path(path)
    if path.is_dir():
        path = path / "interventions.csv"
    if not path.is_file():
        raise BadInput(f"{path} is not an interventions-csv/1 file")
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        try:
            missing = [c for c in COLUMNS if c not in (reader.fieldnames or [])]
            if missing:
                raise BadInput(f"{path.name}: missing columns {', '.join(missing)}")
            yield from _rows(reader, path.name)
        except UnicodeDecodeError:
            raise BadInput(f"{path.name} line {reader.line_num + 1}: is not UTF-8 text") from None


def _rows(rows: Iterable[dict[str, str]], name: str) -> Iterator[InterventionRecord]:
    for number, row in enumerate(rows, start=2):
        yield parse_row(row, f"{name} line {number}")

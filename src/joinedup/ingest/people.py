"""Parsing a person's identifying fields, shared by the police and adult-services adapters."""

from __future__ import annotations

from typing import Any

from joinedup.domain.model import Sex
from joinedup.ingest.base import DeliveryContext
from joinedup.ingest.validation import WARNING, RowChecks

# The identifying columns of a person file in both CSV person contracts (police pole-csv/1 and
# adult services' agency-events-csv/1), in the contract's order.
PERSON_FILE_COLUMNS = (
    "person_id",
    "forenames",
    "surname",
    "date_of_birth",
    "gender",
    "address_line",
    "postcode",
)

SEX_CODES = {
    "M": Sex.MALE,
    "MALE": Sex.MALE,
    "1": Sex.MALE,
    "F": Sex.FEMALE,
    "FEMALE": Sex.FEMALE,
    "2": Sex.FEMALE,
    "U": Sex.UNKNOWN,
    "UNKNOWN": Sex.UNKNOWN,
    "0": Sex.UNKNOWN,
    "9": Sex.UNKNOWN,
    "OTHER": Sex.UNKNOWN,
    "I": Sex.UNKNOWN,
}


def sex(checks: RowChecks, row: dict[str, Any], name: str) -> Sex:
    value = checks.text(row, name)
    if value is None:
        return Sex.UNKNOWN
    found = SEX_CODES.get(value.upper())
    if found is None:
        checks.add("INVALID_CODE", name, f"{name} {value!r} is not M, F or U", WARNING)
        return Sex.UNKNOWN
    return found


def date_of_birth(
    checks: RowChecks, row: dict[str, Any], name: str, context: DeliveryContext
) -> Any:
    """The date of birth, or None when it is missing, invalid or impossible.

    An impossible DOB (after the extract date: born in the future; before 1900) is a warning
    and the DOB is dropped, not the person: a mistyped DOB must not throw away a child's
    record and, through references, every event about them. Linkage still has the names,
    identifiers and address.
    """
    born = checks.date(row, name)
    if born is not None and born > context.extract_date:
        checks.add(
            "FUTURE_DATE",
            name,
            f"{name} {born.isoformat()} is after the extract date "
            f"{context.extract_date.isoformat()}: born in the future; the date of birth is "
            "dropped and the record kept",
            WARNING,
        )
        return None
    if born is not None and born.year < 1900:
        checks.add("IMPLAUSIBLE_DATE", name, f"{name} {born.isoformat()} is before 1900", WARNING)
        return None
    return born

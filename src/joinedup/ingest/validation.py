"""Field checks shared by every feed adapter. Each check returns the clean value and records
a ``Finding`` (machine-readable code, the field, a sentence a data manager can act on).

Severity decides the row's fate: any ``error`` quarantines the row; ``warning``s are kept with
an accepted row (accepted-with-warnings). Identifier problems are warnings: a wrong NHS
number is a data-quality finding, and the record is still worth linking on its other fields.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from joinedup.domain.identifiers import UPN, InvalidIdentifier, NHSNumber, Postcode

# The RowChecks methods `date` and `datetime` shadow these names inside the class body.
Day = date
Moment = datetime

ERROR = "error"
WARNING = "warning"

MAX_FIELD_CHARS = 4000  # free text (kept in JSON)
# Identifiers, names, codes and contacts land in the store's 200-character columns.
MAX_VALUE_CHARS = 200
# Nothing a partner records about a child happened before this year (DOBs of the oldest adults
# included); earlier dates are placeholders or typos, and years near 1 overflow time zones.
EARLIEST_YEAR = 1900
# Whole numbers (session counts) far beyond any real value are typos or hostile.
MAX_INTEGER = 1_000_000
# Spreadsheet formula injection (OWASP CSV injection): a cell starting with one of these may
# run when the data is opened in a spreadsheet. Names and codes never legitimately do.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# A control character anywhere, or a formula prefix at the start: text that needs a closer look.
# UK numbers: 0 then 9 or 10 digits, or +44 then 9 or 10 digits (separators aside).
_UK_PHONE = re.compile(r"(?:0|\+44)\d{9,10}")
_PHONE_SEPARATORS = re.compile(r"[\s().-]")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s.]+")
_SUSPECT = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]|^[=+\-@\t\r]")


@dataclass(frozen=True, slots=True)
class Finding:
    code: str
    field: str | None
    message: str
    severity: str = ERROR


@dataclass(slots=True)
class RowChecks:
    """Collects the findings of one row while its fields are parsed."""

    findings: list[Finding] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.findings) and any(f.severity == ERROR for f in self.findings)

    def add(self, code: str, field_name: str | None, message: str, severity: str = ERROR) -> None:
        self.findings.append(Finding(code, field_name, message, severity))

    # --- text ---------------------------------------------------------------------------
    def text(
        self, row: dict[str, Any], name: str, *, required: bool = False, free_text: bool = False
    ) -> str | None:
        value = row.get(name)
        if type(value) is str:
            # The common case, a clean delivered text, in one pass; anything that would
            # raise a finding takes the full path below.
            clean = value.strip()
            if (
                clean
                and len(clean) <= (MAX_FIELD_CHARS if free_text else MAX_VALUE_CHARS)
                and not _SUSPECT.search(clean)
            ):
                return clean
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add("MISSING_REQUIRED", name, f"{name} is required but empty")
            return None
        if isinstance(value, dict | list | bool):
            # JSON feeds: an object, array or true/false where a text or number belongs
            self.add(
                "INVALID_TYPE",
                name,
                f"{name} is a JSON {_json_kind(value)}, not a text or number",
                ERROR if required else WARNING,
            )
            return None
        if not isinstance(value, str):
            value = str(value)
        value = value.strip()
        limit = MAX_FIELD_CHARS if free_text else MAX_VALUE_CHARS
        if len(value) > limit:
            self.add(
                "FIELD_TOO_LONG",
                name,
                f"{name} is {len(value):,} characters; the limit is {limit:,}",
            )
            return None
        if _CONTROL.search(value):
            self.add("CONTROL_CHARACTERS", name, f"{name} contains control characters")
            return None
        if value.startswith(FORMULA_PREFIXES) and not _is_number(value):
            if free_text:
                self.add(
                    "FORMULA_PREFIX",
                    name,
                    f"{name} starts with {value[0]!r}; it is stored, and escaped on export",
                    WARNING,
                )
            else:
                self.add(
                    "FORMULA_INJECTION",
                    name,
                    f"{name} starts with {value[0]!r}, which spreadsheets run as a formula",
                )
                return None
        return value

    def code(
        self,
        row: dict[str, Any],
        name: str,
        allowed: frozenset[str] | set[str],
        *,
        required: bool = False,
    ) -> str | None:
        value = self.text(row, name, required=required)
        if value is None:
            return None
        normal = value.upper()
        if normal not in allowed:
            shown = ", ".join(sorted(allowed)[:12]) + ("..." if len(allowed) > 12 else "")
            self.add(
                "INVALID_CODE",
                name,
                f"{name} {value!r} is not one of {shown}",
                ERROR if required else WARNING,
            )
            return None
        return normal

    # --- dates --------------------------------------------------------------------------
    def date(
        self,
        row: dict[str, Any],
        name: str,
        *,
        required: bool = False,
        not_after: date | None = None,
    ) -> date | None:
        value = self.text(row, name, required=required)
        if value is None:
            return None
        try:
            parsed = date.fromisoformat(value[:10]) if len(value) >= 10 else None
            if parsed is None or (len(value) > 10 and value[10] not in "T "):
                raise ValueError
        except ValueError:
            self.add(
                "INVALID_DATE",
                name,
                f"{name} {value!r} is not a date (YYYY-MM-DD)",
                ERROR if required else WARNING,
            )
            return None
        if parsed.year < EARLIEST_YEAR:
            self._implausible(name, parsed.isoformat(), required)
            return None
        if not_after is not None and parsed > not_after:
            self.add(
                "FUTURE_DATE",
                name,
                f"{name} {parsed.isoformat()} is after the extract date {not_after.isoformat()}",
            )
            return None
        return parsed

    def datetime(
        self,
        row: dict[str, Any],
        name: str,
        *,
        required: bool = False,
        not_after: datetime | None = None,
    ) -> datetime | None:
        value = self.text(row, name, required=required)
        if value is None:
            return None
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            self.add(
                "INVALID_DATE",
                name,
                f"{name} {value!r} is not an ISO 8601 date-time",
                ERROR if required else WARNING,
            )
            return None
        if parsed.tzinfo is None:
            self.add(
                "MISSING_OFFSET", name, f"{name} {value!r} has no UTC offset; read as UTC", WARNING
            )
            parsed = parsed.replace(tzinfo=UTC)
        if parsed.year < EARLIEST_YEAR:
            self._implausible(name, value, required)
            return None
        if not_after is not None and parsed > not_after:
            self.add("FUTURE_DATE", name, f"{name} {value} is after the extract time")
            return None
        return parsed

    def _implausible(self, name: str, value: str, required: bool) -> None:
        self.add(
            "IMPLAUSIBLE_DATE",
            name,
            f"{name} {value} is before {EARLIEST_YEAR}",
            ERROR if required else WARNING,
        )

    def not_before_birth(self, occurred: Day | None, birth: Day | None, name: str) -> None:
        if occurred is not None and birth is not None and occurred < birth:
            # A warning, not a quarantine: one of the two dates is wrong, and dropping the
            # event would hide a real safeguarding signal behind a typing error.
            self.add(
                "BEFORE_BIRTH",
                name,
                f"{name} {occurred.isoformat()} is before the person's date of birth "
                f"{birth.isoformat()}: one of the two dates is wrong; the event is kept",
                WARNING,
            )

    # --- numbers and flags --------------------------------------------------------------
    def integer(
        self, row: dict[str, Any], name: str, *, required: bool = False, minimum: int = 0
    ) -> int | None:
        value = self.text(row, name, required=required)
        if value is None:
            return None
        try:
            if not value.isascii():  # int() would take other scripts' digits
                raise ValueError(value)
            number = int(value)
        except ValueError:
            self.add(
                "INVALID_NUMBER",
                name,
                f"{name} {value!r} is not a whole number",
                ERROR if required else WARNING,
            )
            return None
        if number < minimum:
            self.add(
                "INVALID_NUMBER",
                name,
                f"{name} {number} is below {minimum}",
                ERROR if required else WARNING,
            )
            return None
        if number > MAX_INTEGER:
            self.add(
                "INVALID_NUMBER",
                name,
                f"{name} {value[:20]}{'...' if len(value) > 20 else ''} is above {MAX_INTEGER:,}",
                ERROR if required else WARNING,
            )
            return None
        return number

    def flag(self, row: dict[str, Any], name: str) -> bool | None:
        value = self.text(row, name)
        if value is None:
            return None
        lowered = value.lower()
        if lowered in ("true", "t", "y", "yes", "1"):
            return True
        if lowered in ("false", "f", "n", "no", "0"):
            return False
        self.add("INVALID_FLAG", name, f"{name} {value!r} is not true/false", WARNING)
        return None

    def json_codes(self, row: dict[str, Any], name: str) -> list[str]:
        value = self.text(row, name, free_text=True)
        if value is None:
            return []
        try:
            parsed = json.loads(value)
        except (ValueError, RecursionError):  # not JSON, or nested past the recursion limit
            self.add("INVALID_JSON", name, f"{name} is not a JSON array", WARNING)
            return []
        if isinstance(parsed, str):
            parsed = [parsed]
        elif isinstance(parsed, dict):
            # SSD outcome columns are objects of Y/N flags: the codes are the flags set.
            parsed = [k for k, v in sorted(parsed.items()) if str(v).upper() in ("Y", "TRUE", "1")]
        if not isinstance(parsed, list) or not all(isinstance(c, str | int) for c in parsed):
            self.add("INVALID_JSON", name, f"{name} is not a JSON array of codes", WARNING)
            return []
        return [str(c).strip().upper() for c in parsed if str(c).strip()]

    # --- identifiers: invalid values are warnings and are dropped from the clean field ----
    def nhs_number(self, row: dict[str, Any], name: str) -> str | None:
        return self.nhs_number_value(self.text(row, name), name)

    def nhs_number_value(self, value: str | None, name: str) -> str | None:
        if value is None:
            return None
        try:
            if not value.isascii():  # NHSNumber's \d would take other scripts' digits
                raise InvalidIdentifier("NHS number", value, "must be 10 digits (0-9)")
            return NHSNumber(value).value
        except InvalidIdentifier as error:
            self.add("INVALID_NHS_NUMBER", name, f"{name}: {error}", WARNING)
            return None

    def upn_value(self, value: str | None, name: str) -> str | None:
        if value is None:
            return None
        try:
            return UPN(value).value
        except InvalidIdentifier as error:
            self.add("INVALID_UPN", name, f"{name}: {error}", WARNING)
            return None

    def postcode(self, row: dict[str, Any], name: str) -> str | None:
        value = self.text(row, name)
        if value is None:
            return None
        try:
            return Postcode(value).value
        except InvalidIdentifier as error:
            self.add("INVALID_POSTCODE", name, f"{name}: {error}", WARNING)
            return None

    # --- work contact details (issue 19) -----------------------------------------------
    def phone(self, row: dict[str, Any], name: str) -> str | None:
        """A UK telephone number as delivered ("01632 960123", "+44 20 7946 0123"): a wrong
        one is a warning and left out; the row is kept."""
        value = _contact_text(self, row, name)
        if value is None:
            return None
        if not _UK_PHONE.fullmatch(_PHONE_SEPARATORS.sub("", value)):
            self.add(
                "INVALID_PHONE",
                name,
                f"{name} {value!r} is not a UK telephone number (0 and 10 digits, or +44)",
                WARNING,
            )
            return None
        return value

    def email(self, row: dict[str, Any], name: str) -> str | None:
        """A work email address: a wrong one is a warning and left out; the row is kept."""
        value = _contact_text(self, row, name)
        if value is not None and not _EMAIL.fullmatch(value):
            self.add("INVALID_EMAIL", name, f"{name} {value!r} is not an email address", WARNING)
            return None
        return value

    def name(self, row: dict[str, Any], field_name: str) -> str | None:
        value = self.text(row, field_name)
        if value is not None and not any(ch.isalpha() for ch in value):
            self.add("INVALID_NAME", field_name, f"{field_name} {value!r} has no letters", WARNING)
            return None
        return value


def _contact_text(checks: RowChecks, row: dict[str, Any], name: str) -> str | None:
    """A contact detail's text; one starting like a formula (a ``+44`` number does) is not
    refused here: the phone or email check that follows keeps or drops it, with a warning."""
    value = row.get(name)
    if isinstance(value, str) and value.strip().startswith(FORMULA_PREFIXES):
        value = value.strip()
        return "?" if _CONTROL.search(value) or len(value) > MAX_VALUE_CHARS else value
    return checks.text(row, name)


def _json_kind(value: object) -> str:
    if isinstance(value, dict):
        return "object"
    return "array" if isinstance(value, list) else "true/false"


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True

"""Value objects for the identifiers agencies record: NHS number, UPN, UK postcode.

Each value object validates on construction and raises ``InvalidIdentifier`` (a ``BadInput``)
naming what is wrong. Ingest turns that into a data-quality finding, never a crash.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import nhs_number
from stdnum import exceptions as stdnum_exceptions
from stdnum.gb import upn as upn_lib

from joinedup.errors import BadInput


class InvalidIdentifier(BadInput):
    """An identifier failed its format or check-digit rule."""

    def __init__(self, kind: str, value: str, reason: str) -> None:
        super().__init__(f"invalid {kind} {value!r}: {reason}")
        self.kind = kind
        self.value = value
        self.reason = reason


# --- NHS number -------------------------------------------------------------------------
# The modulus-11 check is the `nhs-number` package's (maintained, NHS-published algorithm);
# we only normalise spacing and give the reason a practitioner can act on.


def normalise_nhs_number(raw: str) -> str:
    return re.sub(r"[\s-]", "", raw or "")


def nhs_number_check_digit(first_nine: str) -> int | None:
    """The modulus-11 check digit for nine digits, or None when no valid number exists."""
    check = nhs_number.calculate_checksum(first_nine)
    return None if check is None or check == 10 else int(check)


def in_chi_range(digits: str) -> bool:
    """Scottish CHI numbers share the format; their first six digits are a DDMMYY date."""
    return bool(nhs_number.REGION_SCOTLAND.contains_number(digits))


@dataclass(frozen=True, slots=True)
class NHSNumber:
    value: str

    def __post_init__(self) -> None:
        digits = normalise_nhs_number(self.value)
        if not re.fullmatch(r"\d{10}", digits):
            raise InvalidIdentifier("NHS number", self.value, "must be 10 digits")
        if nhs_number_check_digit(digits[:9]) != int(digits[9]):
            raise InvalidIdentifier("NHS number", self.value, "modulus-11 check digit fails")
        if not nhs_number.is_valid(digits):
            raise InvalidIdentifier(
                "NHS number", self.value, "in the Scottish CHI range but does not start DDMMYY"
            )
        object.__setattr__(self, "value", digits)

    def __str__(self) -> str:
        return self.value

    @property
    def formatted(self) -> str:
        return f"{self.value[:3]} {self.value[3:6]} {self.value[6:]}"


# --- UPN (DfE Unique Pupil Number) ------------------------------------------------------
# The DfE check letter and the LA-number table come from python-stdnum (`stdnum.gb.upn`),
# a maintained library; this class only turns its exceptions into reasons a school can act on.


def upn_check_letter(last_twelve: str) -> str:
    """The DfE check letter for the 12 characters that follow it."""
    return upn_lib.calc_check_digit(last_twelve)


_UPN_REASONS: dict[type[Exception], str] = {
    stdnum_exceptions.InvalidLength: "must be 13 characters",
    stdnum_exceptions.InvalidFormat: "must be a letter, 11 digits and a final digit or letter",
    stdnum_exceptions.InvalidComponent: "characters 2-4 are not a known local authority number",
    stdnum_exceptions.InvalidChecksum: "check letter (character 1) does not match",
}


@dataclass(frozen=True, slots=True)
class UPN:
    value: str

    def __post_init__(self) -> None:
        try:
            upn = upn_lib.validate(self.value or "")
        except stdnum_exceptions.ValidationError as error:
            reason = _UPN_REASONS.get(type(error), "not a valid UPN")
            raise InvalidIdentifier("UPN", self.value, reason) from None
        object.__setattr__(self, "value", upn)

    def __str__(self) -> str:
        return self.value

    @property
    def local_authority_number(self) -> str:
        return self.value[1:4]

    @property
    def is_temporary(self) -> bool:
        """Temporary UPNs end in a letter (DfE)."""
        return self.value[-1].isalpha()


# --- UK postcode --------------------------------------------------------------------------
# Format only (the Royal Mail rules); whether a postcode exists is a reference-data question.
_POSTCODE = re.compile(
    r"^(?P<outward>GIR|[A-PR-UWYZ](?:\d[A-HJKPSTUW0-9]?|[A-HK-Y]\d[ABEHMNPRVWXY0-9]?))"
    r" ?(?P<inward>\d[ABD-HJLNP-UW-Z]{2})$"
)


def normalise_postcode(raw: str) -> str:
    compact = re.sub(r"\s+", "", (raw or "").upper())
    if len(compact) < 5:
        return compact
    return f"{compact[:-3]} {compact[-3:]}"


@dataclass(frozen=True, slots=True)
class Postcode:
    value: str

    def __post_init__(self) -> None:
        normal = normalise_postcode(self.value)
        if not _POSTCODE.match(normal):
            raise InvalidIdentifier("postcode", self.value, "not a UK postcode format")
        object.__setattr__(self, "value", normal)

    def __str__(self) -> str:
        return self.value

    @property
    def outward(self) -> str:
        return self.value.split(" ")[0]

    @property
    def sector(self) -> str:
        """Outward code plus the inward digit: the neighbourhood unit used for households."""
        return self.value[:-2]

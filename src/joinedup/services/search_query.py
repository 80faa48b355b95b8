"""A search's terms, read and checked (``Query.parse``): a trace, not a browse (the rule is
in ``services.search``'s docstring and docs/governance.md "Search"). Dates are read as
practitioners type them (``domain.dates``), names folded as linkage folds them
(``domain.names``); a refused term is a ``BadInput`` in a sentence naming its ``field``."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from joinedup.domain.dates import DateNotUnderstood, parse_date
from joinedup.domain.identifiers import InvalidIdentifier, NHSNumber, Postcode
from joinedup.domain.names import fold
from joinedup.errors import BadInput

_UPN = re.compile(r"^[A-Z]\d{12}$")


@dataclass(frozen=True, slots=True)
class Query:
    name: str = ""
    date_of_birth: date | None = None
    nhs_number: str | None = None
    upn: str | None = None
    postcode: str | None = None

    @classmethod
    def parse(
        cls,
        *,
        name: str = "",
        date_of_birth: str | date | None = None,
        nhs_number: str | None = None,
        upn: str | None = None,
        postcode: str | None = None,
    ) -> Query:
        """Validate the search terms: ``BadInput`` says what is wrong in a sentence, and
        its ``field`` names the term."""
        dob: date | None
        if isinstance(date_of_birth, date) or date_of_birth is None:
            dob = date_of_birth
        elif date_of_birth.strip():
            try:
                dob = parse_date(date_of_birth, "Date of birth")
            except DateNotUnderstood as problem:
                raise BadInput(str(problem), field="date_of_birth") from None
        else:
            dob = None
        nhs = None
        if nhs_number and nhs_number.strip():
            try:
                nhs = NHSNumber(nhs_number.strip()).value
            except InvalidIdentifier as problem:
                raise BadInput(
                    f"NHS number must be 10 digits that are a real NHS number ({problem.reason})",
                    field="nhs_number",
                ) from None
        u = None
        if upn and upn.strip():
            u = upn.strip().upper()
            if not _UPN.match(u):
                raise BadInput("UPN must be a letter followed by 12 digits", field="upn")
        pc = None
        if postcode and postcode.strip():
            try:
                pc = Postcode(postcode).value
            except InvalidIdentifier:
                raise BadInput(
                    "Postcode must be a full UK postcode, for example LS6 2AB", field="postcode"
                ) from None
        query = cls(" ".join(name.split()), dob, nhs, u, pc)
        query.check_specific()
        return query

    def check_specific(self) -> None:
        """A trace, not a browse: an identifier, a surname with a forename, a date of birth
        or a postcode, or one name with a date of birth or a postcode (``BadInput`` says
        what to add)."""
        if self.nhs_number or self.upn:
            return
        forename, surname = name_parts(self)
        if not surname:
            raise BadInput(
                "Enter a name with a date of birth or a postcode, a full name, "
                "an NHS number or a UPN",
                field="name",
            )
        if len(surname) < 2:
            raise BadInput("Enter the whole surname (at least 2 letters)", field="name")
        if not (forename or self.date_of_birth or self.postcode):
            raise BadInput(
                "A name alone finds too many people: add a date of birth, a postcode or "
                "the other name",
                field="name",
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "date_of_birth": self.date_of_birth.isoformat() if self.date_of_birth else None,
            "nhs_number": self.nhs_number,
            "upn": self.upn,
            "postcode": self.postcode,
        }


def name_parts(query: Query) -> tuple[str, str]:
    """(forenames, surname) folded; one name alone is the surname here (``_Scorer`` also
    tries it as a forename)."""
    parts = fold(query.name).split()
    if not parts:
        return "", ""
    if len(parts) == 1:
        return "", parts[0]
    return " ".join(parts[:-1]), parts[-1]

"""Cleaned, standardised linkage features of one person record (pure Python, no I/O).

In: the fields of a ``person_record`` row plus its address history and extra identifiers.
Out: a flat dict of the columns the linkage model compares (upper-case names, the first
forename, nickname aliases, metaphone codes, DOB parts as text, postcodes and their history).
Batch (Splink) and incremental (Python scorer) linking both use exactly these values.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from datetime import date
from functools import cache
from typing import Any

import jellyfish
from nicknames import NickNamer

from joinedup.domain.names import fold

_NON_LETTER = re.compile(r"[^A-Z\- ']")
_NAMER = NickNamer()

COLUMNS = (
    "unique_id",
    "record_key",
    "agency",
    "forename1",
    "forename_aliases",
    "forename_mp",
    "surname",
    "surname_tokens",
    "surname1",
    "surname_mp",
    "forename_stem",
    "full_name",
    "name_bag",
    "dob",
    "dob_y",
    "dob_m",
    "dob_d",
    "dob_key",
    "sex",
    "nhs_number",
    "upn",
    "upns",
    "postcode",
    "postcode_sector",
    "postcode_slip",
    "postcodes",
    "house",
)


def clean_name(value: str | None) -> str | None:
    """Upper-case letters, hyphens and single spaces only; None when nothing is left. Names
    are folded first as search folds them (``domain.names.fold``: "Woźniak" is WOZNIAK, not
    WONIAK with its accented letter dropped)."""
    if not value:
        return None
    text = _NON_LETTER.sub("", fold(value).upper().replace(".", " ")).replace("'", "")
    text = " ".join(text.split())
    return text or None


def first_token(value: str | None) -> str | None:
    return value.replace("-", " ").split()[0] if value else None


_DIMINUTIVE_ENDING = re.compile(r"(IE|Y|I)$")


def stem_of(forename: str | None) -> str | None:
    """The forename without a diminutive ending ("PATY" -> "PAT", "NATHIE" -> "NATH"), for
    the short-form comparison; the forename itself when it has none."""
    if not forename:
        return None
    stem = _DIMINUTIVE_ENDING.sub("", forename)
    if stem != forename and len(stem) >= 4 and stem[-1] == stem[-2]:
        stem = stem[:-1]  # a doubled consonant before the ending: "MEGGIE", "DEBBIE", "ROBBIE"
    return stem if len(stem) >= 3 else forename


@cache
def aliases_of(forename: str) -> tuple[str, ...]:
    """The forename, its canonical names and (for a canonical name) its nicknames."""
    lower = forename.lower()
    names = {lower} | set(_NAMER.canonicals_of(lower))
    # Only map a canonical name to its nicknames when it has few: "ELIZABETH" has dozens
    # and would make unrelated short names look alike.
    nicknames = _NAMER.nicknames_of(lower)
    if len(nicknames) <= 12:
        names |= nicknames
    return tuple(sorted(n.upper() for n in names if len(n) > 1))


@cache
def metaphone(value: str | None) -> str | None:
    return jellyfish.metaphone(value) or None if value else None


def clean_postcode(value: str | None) -> str | None:
    if not value:
        return None
    text = re.sub(r"[^A-Z0-9]", "", value.upper())
    return text if 5 <= len(text) <= 7 else None


def postcode_sector(postcode: str | None) -> str | None:
    # The outward code plus the first character of the inward code ("WF2 0YD" -> "WF20").
    return postcode[:-2] if postcode else None


def house_of(address_line: str | None) -> str | None:
    """The house number or name's first token ("60 Brook View" -> "60")."""
    if not address_line:
        return None
    if address_line.startswith("{"):  # SSD addresses arrive as the SSD's JSON object
        try:
            parts = json.loads(address_line)
        except ValueError:
            return None
        token = str(parts.get("HOUSE") or parts.get("BUILDING") or parts.get("FLAT") or "")
        return token.strip().upper() or None
    token = address_line.strip().split()[0].upper() if address_line.strip() else ""
    return token or None


def record_key(agency: str, source_table: str, source_id: str) -> str:
    return f"{agency}|{source_table}|{source_id}"


def nhs_is_valid(value: str | None) -> bool:
    if not value or len(value) != 10 or not value.isdigit():
        return False
    total = sum(int(d) * (10 - i) for i, d in enumerate(value[:9]))
    check = 11 - total % 11
    check = 0 if check == 11 else check
    return check != 10 and check == int(value[9])


def features(
    *,
    unique_id: int,
    agency: str,
    source_table: str,
    source_id: str,
    forenames: str | None,
    surname: str | None,
    date_of_birth: date | str | None,
    sex: str | None,
    nhs_number: str | None,
    upn: str | None,
    postcode: str | None,
    address_line: str | None,
    other_names: Sequence[str] = (),
    extra_nhs: Iterable[str] = (),
    extra_upns: Iterable[str] = (),
    address_history: Iterable[tuple[str | None, str | None]] = (),
) -> dict[str, Any]:
    """The model's columns for one record (see ``COLUMNS``)."""
    fore = first_token(clean_name(forenames))
    sur = clean_name(surname)
    sur1 = first_token(sur)
    aliases = set(aliases_of(fore)) if fore else set()
    stem = stem_of(fore)
    if stem and stem != fore:  # "KIMY": KIM's long forms (KIMBERLEY) too
        aliases |= set(aliases_of(stem))
    for other in other_names:  # e.g. a pupil's preferred name "Tasha Williamson"
        preferred = first_token(clean_name(other))
        if preferred:
            aliases |= set(aliases_of(preferred))
    dob = date_of_birth.isoformat() if isinstance(date_of_birth, date) else date_of_birth
    nhs = nhs_number if nhs_is_valid(nhs_number) else None
    if nhs is None:
        nhs = next((n for n in extra_nhs if nhs_is_valid(n)), None)
    upns = sorted({u.upper() for u in [upn, *extra_upns] if u})
    pc = clean_postcode(postcode)
    history = {clean_postcode(p) for p, _ in address_history} | {pc}
    house = house_of(address_line)
    if pc is None:  # the newest address in the history stands in for a missing one
        for hist_pc, hist_line in address_history:
            if clean_postcode(hist_pc):
                pc, house = clean_postcode(hist_pc), house_of(hist_line)
    history.discard(None)
    sex_clean = sex if sex in ("M", "F") else None
    return {
        "unique_id": unique_id,
        "record_key": record_key(agency, source_table, source_id),
        "agency": agency,
        "forename1": fore,
        "forename_aliases": sorted(aliases) or None,
        "forename_mp": metaphone(fore),
        "surname": sur,
        "surname_tokens": sorted(set(sur.replace("-", " ").split())) if sur else None,
        "surname1": sur1,
        "surname_mp": metaphone(sur1),
        "forename_stem": stem,
        "full_name": f"{fore} {sur}" if fore and sur else None,
        # Forename and surname in alphabetical order: the same for a swapped record.
        "name_bag": " ".join(sorted((fore, sur1))) if fore and sur1 else None,
        "dob": dob,
        "dob_y": dob[:4] if dob else None,
        "dob_m": dob[5:7] if dob else None,
        "dob_d": dob[8:10] if dob else None,
        # The year with day and month in order: the same for a day/month swap (blocking).
        "dob_key": f"{dob[:4]}-{min(dob[5:7], dob[8:10])}-{max(dob[5:7], dob[8:10])}"
        if dob
        else None,
        "sex": sex_clean,
        "nhs_number": nhs,
        "upn": upns[0] if upns else None,
        "upns": upns or None,
        "postcode": pc,
        "postcode_sector": postcode_sector(pc),
        # The two inward letters sorted: equal for "WF61UJ" and "WF61JU" (a keying slip).
        "postcode_slip": pc[:-2] + "".join(sorted(pc[-2:])) if pc else None,
        "postcodes": sorted(history) or None,
        "house": f"{house} {pc}" if house and pc else None,
    }

"""How an agency records a person: the messiness catalogue applied per record.

In: options, a recording ``random.Random``, the true ``Person``, the household and the day
the agency first met them. Out: ``Recorded`` (forename, surname, dob ordinal, postcode,
address line) with agency-specific error rates: health is cleanest, police messiest.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from joinedup.synth import messy
from joinedup.synth.geography import Geography
from joinedup.synth.model import Household, Person
from joinedup.synth.options import SynthOptions

if TYPE_CHECKING:
    from joinedup.synth.extended_errors import ExtendedErrors

# Per-agency multipliers of the base rates in SynthOptions:
# (typo, nickname, swap names, dob error, stale postcode)
_MULT = {
    "health": (0.5, 0.0, 0.2, 0.4, 0.4),
    "education": (0.5, 0.0, 0.2, 0.5, 0.6),
    "social_care": (1.0, 0.8, 0.6, 1.0, 0.8),
    "police": (1.6, 1.8, 2.5, 2.0, 1.2),
    "adult": (1.0, 1.0, 1.0, 1.0, 1.0),
}


@dataclass(slots=True)
class Recorded:
    forename: str
    surname: str
    dob: int | None  # None only under the extended error model (a missing date of birth)
    postcode: str
    address_line: str
    errors: tuple[str, ...] = ()  # the extended error kinds applied (truth/record_errors.csv)


def address_at(geo: Geography, hh: Household, day: int) -> tuple[str, str]:
    _, _, pc, house = hh.period_at(day)
    return geo.postcodes[pc], f"{house} {geo.streets_of_postcode[pc]}"


def record_person(
    o: SynthOptions,
    geo: Geography,
    rng: random.Random,
    p: Person,
    hh: Household,
    agency: str,
    first_seen: int,
    as_of: int,
    *,
    allow_nickname: bool = True,
    extended: ExtendedErrors | None = None,
) -> Recorded:
    typo_m, nick_m, swap_m, dob_m, stale_m = _MULT[agency]
    forename, surname = p.forename, p.surname
    if p.former_surname and rng.random() < 0.5 * stale_m:
        surname = p.former_surname  # why: the agency knew her before she changed her name
    if allow_nickname and rng.random() < o.nickname_rate * nick_m:
        forename = messy.nickname(rng, forename)
    if rng.random() < o.typo_rate * typo_m:
        forename = messy.typo(rng, forename)
    if rng.random() < o.typo_rate * typo_m:
        surname = messy.typo(rng, surname)
    if rng.random() < o.swap_names_rate * swap_m:
        forename, surname = surname, forename
    dob = p.dob
    if rng.random() < o.dob_error_rate * dob_m:
        dob = messy.dob_error(rng, dob)
    postcode, line = address_at(geo, hh, as_of)
    first_pc, first_line = address_at(geo, hh, first_seen)
    if first_pc != postcode and rng.random() < o.stale_postcode_rate * stale_m:
        postcode, line = first_pc, first_line  # why: the agency has not caught up with a move
    if rng.random() < o.postcode_typo_rate:
        postcode = messy.postcode_typo(rng, postcode)
    recorded = Recorded(forename, surname, dob, postcode, line)
    if extended is not None:  # why: after every default draw, so the default stream is intact
        extended.apply(recorded, geo, p, hh, agency)
    return recorded


def recorded_nhs(
    o: SynthOptions, rng: random.Random, p: Person, missing_rate: float, nobody: str
) -> str:
    """The NHS number as an agency holds it: blank, wrong (digit slip or nobody's), or right."""
    if rng.random() < missing_rate:
        return ""
    if rng.random() < o.nhs_wrong_rate:
        return messy.nhs_digit_error(rng, p.nhs) if rng.random() < 0.5 else nobody
    return p.nhs

"""Agency-specific recording errors: the messiness catalogue.

In: a ``random.Random`` and a true value (name, date ordinal, NHS number, UPN, postcode).
Out: the value as some agency might have recorded it. Each function applies exactly one kind
of error; callers decide how often (the rates live in ``SynthOptions``).
"""

from __future__ import annotations

import random
from datetime import date
from functools import cache

from nicknames import NickNamer

from joinedup.domain.identifiers import nhs_number_check_digit, upn_check_letter

_KEYBOARD_NEIGHBOURS = {
    "a": "qsz",
    "b": "vgn",
    "c": "xdv",
    "d": "sfe",
    "e": "wrd",
    "f": "dgr",
    "g": "fht",
    "h": "gjy",
    "i": "uok",
    "j": "hku",
    "k": "jli",
    "l": "kop",
    "m": "nj",
    "n": "bmh",
    "o": "ipl",
    "p": "ol",
    "q": "wa",
    "r": "etf",
    "s": "adw",
    "t": "ryg",
    "u": "yij",
    "v": "cbf",
    "w": "qes",
    "x": "zcs",
    "y": "tuh",
    "z": "xa",
}


def typo(rng: random.Random, name: str) -> str:
    """One keyboard slip: transposition, deletion, doubling or neighbour substitution."""
    if len(name) < 3:
        return name
    i = rng.randrange(1, len(name) - 1)  # why: first letters are rarely mistyped
    kind = rng.randrange(4)
    if kind == 0:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    if kind == 1:
        return name[:i] + name[i + 1 :]
    if kind == 2:
        return name[:i] + name[i] + name[i:]
    ch = name[i]
    near = _KEYBOARD_NEIGHBOURS.get(ch.lower())
    if not near:
        return name[:i] + name[i + 1 :]
    sub = near[rng.randrange(len(near))]
    return name[:i] + (sub.upper() if ch.isupper() else sub) + name[i + 1 :]


_NAMER = NickNamer()


@cache
def nicknames_of(forename: str) -> tuple[str, ...]:
    """Known nicknames (capitalised, sorted for determinism); empty when none are known."""
    return tuple(sorted(n.capitalize() for n in _NAMER.nicknames_of(forename) if len(n) > 1))


def nickname(rng: random.Random, forename: str) -> str:
    options = nicknames_of(forename)
    return options[rng.randrange(len(options))] if options else forename


def dob_error(rng: random.Random, dob_ord: int) -> int:
    """Day/month swapped (when both <= 12) or one digit of the day or year wrong."""
    d = date.fromordinal(dob_ord)
    if d.day <= 12 and d.day != d.month and rng.random() < 0.5:
        return date(d.year, d.day, d.month).toordinal()
    for _ in range(6):
        if rng.random() < 0.6:
            day = (
                (d.day + rng.choice((-10, -1, 1, 10)))
                if d.day > 10
                else d.day + rng.choice((1, 10))
            )
            cand = (d.year, d.month, day)
        else:
            cand = (d.year + rng.choice((-1, 1, -10, 10)), d.month, d.day)
        try:
            return date(*cand).toordinal()
        except ValueError:
            continue
    return dob_ord + 1


def nhs_digit_error(rng: random.Random, nhs: str) -> str:
    """Change one digit: modulus 11 catches every single-digit error, so this always fails."""
    i = rng.randrange(3, 10)  # why: keep the 999 synthetic prefix so it is never a real number
    digit = str((int(nhs[i]) + rng.randrange(1, 10)) % 10)
    return nhs[:i] + digit + nhs[i + 1 :]


def nhs_from_index(index: int) -> str:
    """The first valid synthetic NHS number at or after slot ``index`` (999 prefix, mod-11).

    Slots map through a fixed permutation of 0..999,999 (an affine map modulo 10**6), so
    consecutive people do not get consecutive numbers. About 1 slot in 11 has no valid check
    digit; we move on to the next slot. Callers keep slots unique (``World.next_nhs``).
    """
    k = index
    while True:
        body = (k * 7_919 + 12_345) % 1_000_000
        first_nine = f"999{body:06d}"
        check = nhs_number_check_digit(first_nine)
        if check is not None:
            return first_nine + str(check)
        k += 1


def nhs_slot_valid(index: int) -> bool:
    return nhs_number_check_digit(f"999{(index * 7_919 + 12_345) % 1_000_000:06d}") is not None


def upn_for(la_number: int, estab: int, year2: int, serial: int) -> str:
    """A valid permanent UPN: check letter + LA (3) + establishment (4) + year (2) + serial (3)."""
    last = f"{la_number:03d}{estab:04d}{year2 % 100:02d}{serial:03d}"
    return upn_check_letter(last) + last


def upn_wrong_check(rng: random.Random, upn: str) -> str:
    letters = "ABCDEFGHJKLMNPQRTUVWXYZ"
    wrong = upn[0]
    while wrong == upn[0]:
        wrong = letters[rng.randrange(len(letters))]
    return wrong + upn[1:]


def temporary_upn(la_number: int, estab: int, year2: int, serial: int) -> str:
    """A temporary UPN (ends in a letter), as given before the permanent one is known."""
    last = f"{la_number:03d}{estab:04d}{year2 % 100:02d}{serial % 100:02d}" + "ABCDEFGH"[serial % 8]
    return upn_check_letter(last) + last


def postcode_typo(rng: random.Random, postcode: str) -> str:
    """Transpose the two inward letters (a common keying slip)."""
    if len(postcode) >= 6 and postcode[-1] != postcode[-2]:
        return postcode[:-2] + postcode[-1] + postcode[-2]
    return postcode

"""The extended error model (issue 20): the recording habits that split people in held-out data.

In: ``SynthOptions(error_model="extended")``, the seed, and each ``Recorded`` as the default
model left it. Out: the same record with more errors applied, and the names of the kinds applied
(written to ``truth/record_errors.csv`` so missed links can be attributed). Opt-in: with the
default model nothing here runs, so default output is byte-identical. Draws come from a random
stream of their own (seed, agency, person, n-th recording), never from the generator's streams,
so an extended partnership holds the same people and base errors as the default one.
"""

from __future__ import annotations

import random
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING

from joinedup.synth import messy

if TYPE_CHECKING:
    from joinedup.synth.geography import Geography
    from joinedup.synth.identity import Recorded
    from joinedup.synth.model import Household, Person

KINDS = (
    "diacritics",
    "transliteration",
    "name_swap",
    "surname_caps_in_forename",
    "name_form",
    "middle_name",
    "typo",
    "dob_missing",
    "dob_off_by_day",
    "dob_month_day_swap",
    "moved_postcode",
    "nhs_missing",
)

# Per-record rates by agency (record_person's agency: the four adult services share "adult").
# Adult services and police are the messiest; health and education the cleanest.
RATES: dict[str, dict[str, float]] = {
    "health": {
        "name_swap": 0.002, "surname_caps_in_forename": 0.0, "name_form": 0.01,
        "typo": 0.01, "dob_missing": 0.0, "dob_off_by_day": 0.003, "dob_month_day_swap": 0.002,
        "moved_postcode": 0.05, "keeps_diacritics": 0.8, "middle_name": 0.4,
    },
    "education": {
        "name_swap": 0.002, "surname_caps_in_forename": 0.0, "name_form": 0.01,
        "typo": 0.01, "dob_missing": 0.0, "dob_off_by_day": 0.003, "dob_month_day_swap": 0.002,
        "moved_postcode": 0.08, "keeps_diacritics": 0.6, "middle_name": 0.3,
    },
    "social_care": {
        "name_swap": 0.01, "surname_caps_in_forename": 0.005, "name_form": 0.04,
        "typo": 0.03, "dob_missing": 0.0, "dob_off_by_day": 0.01, "dob_month_day_swap": 0.008,
        "moved_postcode": 0.15, "keeps_diacritics": 0.4, "middle_name": 0.2,
    },
    "police": {
        "name_swap": 0.03, "surname_caps_in_forename": 0.03, "name_form": 0.08,
        "typo": 0.06, "dob_missing": 0.04, "dob_off_by_day": 0.02, "dob_month_day_swap": 0.02,
        "moved_postcode": 0.3, "keeps_diacritics": 0.2, "middle_name": 0.15,
    },
    "adult": {
        "name_swap": 0.025, "surname_caps_in_forename": 0.02, "name_form": 0.07,
        "typo": 0.05, "dob_missing": 0.05, "dob_off_by_day": 0.02, "dob_month_day_swap": 0.015,
        "moved_postcode": 0.3, "keeps_diacritics": 0.25, "middle_name": 0.1,
    },
}  # fmt: skip
PERSON_DIACRITICS_RATE = 0.06  # share of people whose true name carries diacritics
NHS_MISSING_ADULT = 0.75  # adult services: NHS number blank this often (default model 0.45)

_ACCENTS = {"e": "é", "a": "á", "o": "ö", "u": "ü", "i": "ï", "c": "ç", "n": "ñ", "s": "ś"}
_TRANSLITERATIONS = (
    ("Mohammed", "Muhammad", "Mohamed", "Mohammad"),
    ("Aleksander", "Alexander", "Aleksandr"),
    ("Yusuf", "Yousef", "Youssef"),
    ("Aisha", "Ayesha", "Aysha"),
    ("Fatima", "Fatimah", "Fatma"),
    ("Olga", "Olha"),
    ("Sergei", "Sergey", "Serhiy"),
    ("Zofia", "Sofia", "Sophia"),
    ("Katarzyna", "Katarina", "Katharina"),
    ("Mikhail", "Michail", "Mykhailo"),
)
_MIDDLE = (
    "Anne", "Marie", "Louise", "Rose", "Grace", "Jane", "Elizabeth", "May", "Jade",
    "James", "John", "Lee", "Paul", "Michael", "Thomas", "David", "Alexander", "Ray",
)  # fmt: skip
_SHORT_SUFFIX = ("", "", "ie", "y")


def accented(name: str) -> str:
    """The name with diacritics on its first accentable letter after the first (Zoë-style)."""
    for i, ch in enumerate(name):
        if i and ch in _ACCENTS:
            return name[:i] + _ACCENTS[ch] + name[i + 1 :]
    return name


def transliterations(name: str) -> tuple[str, ...]:
    for group in _TRANSLITERATIONS:
        if name in group:
            return tuple(g for g in group if g != name)
    return ()


def other_form(rng: random.Random, forename: str) -> str:
    """A short form (beyond nickname lists: a clipped stem, maybe -ie/-y) or a long form."""
    longer = [
        n.capitalize() for n in messy._NAMER.canonicals_of(forename) if len(n) > len(forename)
    ]
    if longer and rng.random() < 0.5:
        return sorted(longer)[rng.randrange(len(longer))]
    if len(forename) >= 5:
        stem = forename[: rng.choice((3, 4))]
        return stem + rng.choice(_SHORT_SUFFIX)
    return forename + rng.choice(("ie", "y"))


class ExtendedErrors:
    """One per partnership: its own random streams and the person-level traits."""

    def __init__(self, seed: int) -> None:
        self.seed = seed
        self._recordings: Counter[tuple[str, str]] = Counter()

    def _rng(self, *parts: object) -> random.Random:
        return random.Random("|".join(map(str, ("extended", self.seed, *parts))))

    def person_traits(self, p: Person) -> tuple[bool, str]:
        """(name carries diacritics, middle name) — fixed per person, so agencies disagree."""
        r = self._rng("person", p.key)
        return r.random() < PERSON_DIACRITICS_RATE, _MIDDLE[r.randrange(len(_MIDDLE))]

    def apply(
        self,
        r: Recorded,
        geo: Geography,
        p: Person,
        hh: Household,
        agency: str,
    ) -> None:
        self._recordings[(agency, p.key)] += 1
        rng = self._rng(agency, p.key, self._recordings[(agency, p.key)])
        rates, kinds = RATES[agency], []
        accents, middle = self.person_traits(p)
        if accents and rng.random() < rates["keeps_diacritics"]:
            alternatives = transliterations(r.forename)
            if alternatives:
                r.forename = alternatives[rng.randrange(len(alternatives))]
                kinds.append("transliteration")
            else:
                r.forename, r.surname = accented(r.forename), accented(r.surname)
                kinds.append("diacritics")
        if rng.random() < rates["name_form"]:
            r.forename = other_form(rng, r.forename)
            kinds.append("name_form")
        # why: a child's middle name is recorded half as often (forms carry one forename)
        if (p.role != "CHILD" or rng.random() < 0.5) and rng.random() < rates["middle_name"]:
            r.forename = f"{r.forename} {middle}"
            kinds.append("middle_name")
        if rng.random() < rates["typo"]:
            for _ in range(1 + (rng.random() < 0.4)):
                if rng.random() < 0.5:
                    r.forename = messy.typo(rng, r.forename)
                else:
                    r.surname = messy.typo(rng, r.surname)
            kinds.append("typo")
        if rng.random() < rates["surname_caps_in_forename"]:
            r.forename, r.surname = r.surname.upper(), r.forename
            kinds.append("surname_caps_in_forename")
        elif rng.random() < rates["name_swap"]:
            r.forename, r.surname = r.surname, r.forename
            kinds.append("name_swap")
        self._dob(rng, r, rates, kinds)
        self._moved(rng, r, geo, hh, rates, kinds)
        r.errors = tuple(kinds)

    @staticmethod
    def _dob(rng: random.Random, r: Recorded, rates: dict[str, float], kinds: list[str]) -> None:
        if r.dob is None:
            return
        d = date.fromordinal(r.dob)
        if rng.random() < rates["dob_missing"]:
            r.dob = None
            kinds.append("dob_missing")
        elif rng.random() < rates["dob_off_by_day"]:
            r.dob += rng.choice((-1, 1))
            kinds.append("dob_off_by_day")
        elif d.day <= 12 and d.day != d.month and rng.random() < rates["dob_month_day_swap"]:
            r.dob = date(d.year, d.day, d.month).toordinal()
            kinds.append("dob_month_day_swap")

    @staticmethod
    def _moved(
        rng: random.Random,
        r: Recorded,
        geo: Geography,
        hh: Household,
        rates: dict[str, float],
        kinds: list[str],
    ) -> None:
        """The postcode of another period of the household's history (a move the agency saw
        at another time), when it has one."""
        if len(hh.periods) < 2 or rng.random() >= rates["moved_postcode"]:
            return
        _, _, pc, house = hh.periods[rng.randrange(len(hh.periods))]
        postcode = geo.postcodes[pc]
        if postcode != r.postcode:
            r.postcode, r.address_line = postcode, f"{house} {geo.streets_of_postcode[pc]}"
            kinds.append("moved_postcode")

    def nhs(self, p: Person, agency: str, nhs: str, base_rate: float) -> tuple[str, bool]:
        """Blank more adult-service NHS numbers (on this stream) so ``NHS_MISSING_ADULT`` are."""
        if not nhs:
            return nhs, False
        extra = (NHS_MISSING_ADULT - base_rate) / (1 - base_rate)
        if self._rng("nhs", agency, p.key).random() < extra:
            return "", True
        return nhs, False

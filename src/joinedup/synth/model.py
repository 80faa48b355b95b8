"""Plain data of one simulated household: people, address history, latent risk, happenings.

In: nothing (dataclasses). Out: ``Person`` and ``Household`` used by ``population`` (which
fills them) and the feed emitters (which read them). Dates are ``date.toordinal()`` ints.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date

LEVEL_NAMES = ("NONE", "LOW", "MODERATE", "HIGH", "SEVERE")


@dataclass(slots=True)
class Person:
    idx: int
    key: str
    role: str  # CHILD | PARENT | CARER | SIBLING | OTHER_ADULT
    sex: str  # M | F
    dob: int
    eth: str
    forename: str
    surname: str
    nhs: str
    present_from: int
    present_to: int | None = None  # left the household (separation)
    hh_key: str = ""
    mh: int = 0  # latent mental ill-health (adults)
    sub: int = 0  # latent substance misuse (adults)
    da: int = 0  # latent domestic-abuse perpetration (adults)
    former_surname: str = ""  # surname before a change of name (re-partnering)
    upn: str = ""
    school: int = -1  # index into schools
    absence: float = 0.0  # latent absence propensity (children)
    twin: bool = False
    gp: int = 0
    exploited: tuple[str, int] | None = None  # (kind, first sign): synth/exploitation.py
    prior_upn: str = ""  # the UPN another partnership's school gave (a family that moved in)

    def age_on(self, day: int) -> float:
        return (day - self.dob) / 365.25

    @property
    def is_child(self) -> bool:
        return self.role == "CHILD"


@dataclass(slots=True)
class Household:
    key: str
    index: int
    periods: list[tuple[int, int | None, int, int]]  # (from, to, postcode index, house number)
    decile: int
    z: float  # latent household adversity
    people: list[Person] = field(default_factory=list)
    level: int = 0  # latent safeguarding severity 0..4
    onset: int | None = None  # when that risk became active
    offset: int | None = None  # when it would fade without intervention
    happenings: list[tuple] = field(default_factory=list)
    serious: list[tuple[int, int]] = field(default_factory=list)  # (date, child idx)
    satellite_of: str = ""  # a separated adult's new household

    @property
    def dep(self) -> float:
        return (10 - self.decile) / 9.0

    def period_at(self, day: int) -> tuple[int, int | None, int, int]:
        for period in self.periods:
            if period[0] <= day and (period[1] is None or day < period[1]):
                return period
        return self.periods[-1] if day >= self.periods[-1][0] else self.periods[0]

    def present(self, person: Person, day: int) -> bool:
        return person.present_from <= day and (person.present_to is None or day < person.present_to)

    def children_at(self, day: int) -> list[Person]:
        return [p for p in self.people if p.is_child and self.present(p, day) and p.dob <= day]

    def adults_at(self, day: int) -> list[Person]:
        return [p for p in self.people if not p.is_child and self.present(p, day)]


def sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def poisson(rng: random.Random, lam: float) -> int:
    """Knuth's algorithm; lam is small (< 30) everywhere we use it."""
    if lam <= 0:
        return 0
    if lam > 30:
        return max(0, round(rng.gauss(lam, math.sqrt(lam))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def times_in(rng: random.Random, rate_per_year: float, start: int, end: int) -> list[int]:
    """Sorted event days of a Poisson process with the given yearly rate on [start, end)."""
    if end <= start or rate_per_year <= 0:
        return []
    n = poisson(rng, rate_per_year * (end - start) / 365.25)
    return sorted(start + int(rng.random() * (end - start)) for _ in range(n))


_ISO: dict[int, str] = {}


def iso(day: int | None) -> str:
    """ISO date of an ordinal, cached (called millions of times)."""
    if day is None:
        return ""
    s = _ISO.get(day)
    if s is None:
        s = _ISO[day] = date.fromordinal(day).isoformat()
    return s

"""Names and ethnicity: England's pupil ethnicity mix and name tables matched loosely to it.

In: the frozen ``data/names.json`` (built from Faker locale tables by ``build_data``).
Out: ``NameBook`` with weighted samplers ``ethnicity(rng)``, ``forename(rng, group, sex)``,
``surname(rng, group)`` and ``group_of(ethnicity)``. Sampling uses cumulative weights and
bisection (``random.choices``), so each draw is O(log n).
"""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import dataclass
from pathlib import Path

# DfE ethnicity codes with England's approximate school-pupil mix (%, 2024/25 census order of
# magnitude; WBRI ~ 64%). REFU/NOBT are recording outcomes, not ethnicities.
ETHNICITY_MIX: tuple[tuple[str, float], ...] = (
    ("WBRI", 63.6),
    ("WIRT", 0.3),
    ("WOTH", 7.3),
    ("WIRI", 0.1),
    ("WROM", 0.3),
    ("MWBC", 1.8),
    ("MWBA", 0.9),
    ("MWAS", 1.7),
    ("MOTH", 2.6),
    ("AIND", 3.7),
    ("APKN", 4.6),
    ("ABAN", 1.9),
    ("AOTH", 2.1),
    ("BCRB", 1.0),
    ("BAFR", 4.1),
    ("BOTH", 0.6),
    ("CHNE", 0.6),
    ("OOTH", 2.0),
    ("REFU", 0.5),
    ("NOBT", 0.4),
)

# Which name table each code draws from (loosely: a name does not define ethnicity).
_GROUP = {
    "WBRI": "british",
    "WIRT": "irish",
    "WOTH": "polish",
    "WIRI": "irish",
    "WROM": "romanian",
    "MWBC": "british",
    "MWBA": "british",
    "MWAS": "british",
    "MOTH": "british",
    "AIND": "indian",
    "APKN": "pakistani",
    "ABAN": "pakistani",
    "AOTH": "indian",
    "BCRB": "british",
    "BAFR": "african",
    "BOTH": "african",
    "CHNE": "chinese",
    "OOTH": "turkish",
    "REFU": "british",
    "NOBT": "british",
}
# Parents' ethnicities for a mixed-heritage child (mother, father).
MIXED_PARENTS = {
    "MWBC": ("WBRI", "BCRB"),
    "MWBA": ("WBRI", "BAFR"),
    "MWAS": ("WBRI", "APKN"),
    "MOTH": ("WBRI", "OOTH"),
}


@dataclass(frozen=True)
class _Table:
    names: tuple[str, ...]
    cum: tuple[float, ...]

    def draw(self, rng: random.Random) -> str:
        return rng.choices(self.names, cum_weights=self.cum, k=1)[0]


def _table(pairs: list[list[object]]) -> _Table:
    names = tuple(str(p[0]) for p in pairs)
    cum = tuple(itertools.accumulate(float(p[1]) for p in pairs))  # type: ignore[arg-type]
    return _Table(names, cum)


class NameBook:
    def __init__(self) -> None:
        raw = json.loads((Path(__file__).parent / "data" / "names.json").read_text("utf-8"))
        self._tables = {
            (group, kind): _table(pairs)
            for group, kinds in sorted(raw.items())
            for kind, pairs in sorted(kinds.items())
        }
        self._eth = _table([[c, w] for c, w in ETHNICITY_MIX])
        # The commonest British names: where unrelated "same name, same DOB" people come from.
        self.common_forenames = {
            "M": ("David", "John", "Michael", "James", "Paul"),
            "F": ("Sarah", "Emma", "Laura", "Claire", "Rebecca"),
        }
        self.common_surnames = ("Smith", "Jones", "Taylor", "Brown", "Wilson")

    def ethnicity(self, rng: random.Random) -> str:
        return self._eth.draw(rng)

    @staticmethod
    def group_of(ethnicity: str) -> str:
        return _GROUP.get(ethnicity, "british")

    def forename(self, rng: random.Random, group: str, sex: str) -> str:
        return self._tables[(group, "male" if sex == "M" else "female")].draw(rng)

    def surname(self, rng: random.Random, group: str) -> str:
        return self._tables[(group, "surname")].draw(rng)

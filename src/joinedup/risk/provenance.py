"""Which catalogue fields each part of a score draws on, and the score a reader may see.

A child's score is the model's intercept plus one contribution per term (an area of concern,
age, what is open, free school meals, deprivation...). Each term is computed from data of
certain catalogue fields (``governance.catalogue``): an area from the fields of its factors'
evidence, whether or not the child has any (the absence of a mental-health record is
information too), ``free_school_meals`` from education's eligibility, ``breadth`` from every
factor's field. A term is shown to a reader only if they may see every field it draws on;
otherwise it is withheld as those fields are, and counted, never named.

The score shown is then the model's own sum over the terms the reader may see: the stored
log-odds minus the withheld contributions (the model is additive with no interactions, and
its terms are centred, so a withheld term counts as the population's average). A score
drawn on nothing withheld is the stored score unchanged.

Pure (no ORM, no web).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from joinedup.risk.areas import AREA_OF, AREAS
from joinedup.risk.factors import FACTORS
from joinedup.risk.model import CONTRIBUTION_KEYS

# The agencies the child's date of birth and home postcode are read from (risk.people).
_PROFILE_IDENTITY = frozenset(
    f"{a}.identity" for a in ("health", "education", "social_care", "police")
)


@dataclass(frozen=True, slots=True)
class Needs:
    """A term is visible when every ``all_of`` field is allowed and, if ``any_of`` is
    given, at least one of those is."""

    all_of: frozenset[str] = frozenset()
    any_of: frozenset[str] = frozenset()

    def met_by(self, allowed: frozenset[str] | set[str]) -> bool:
        return self.all_of <= allowed and (not self.any_of or bool(self.any_of & allowed))

    @property
    def fields(self) -> frozenset[str]:
        return self.all_of | self.any_of


def _area_fields(area: str) -> frozenset[str]:
    return frozenset(FACTORS[f].field for f in AREAS[area].factors)


_TRIO = ("domestic_abuse", "parental_mental_health", "parental_substance_misuse")
TERM_NEEDS: dict[str, Needs] = {
    **{area: Needs(_area_fields(area)) for area in AREAS},
    "age_years": Needs(any_of=_PROFILE_IDENTITY),
    "area_deprivation_decile": Needs(any_of=_PROFILE_IDENTITY),
    # open to children's social care as a child in need, or to early help
    "open_to_social_care": Needs(frozenset({"social_care.cin_episodes"})),
    "open_early_help": Needs(frozenset({"social_care.early_help"})),
    "toxic_trio": Needs(frozenset().union(*(_area_fields(a) for a in _TRIO))),
    "breadth": Needs(frozenset(f.field for f in FACTORS.values())),
    "free_school_meals": Needs(frozenset({"education.free_school_meals"})),
}
missing = set(CONTRIBUTION_KEYS) - set(TERM_NEEDS)
if missing:  # a new model term must say what it draws on before it can be shown
    raise RuntimeError(f"terms with no provenance: {sorted(missing)}")
# What each "open to" status is read from (the triage list and the explanation show it).
STATUS_FIELDS = {
    "CIN": "social_care.cin_episodes",
    "EARLY_HELP": "social_care.early_help",
    "CP_PLAN": "social_care.cp_plans",
    "LOOKED_AFTER": "social_care.looked_after",
}
# Every field any term draws on: what a reader is asked about before a score is shown.
SCORE_FIELDS = frozenset().union(*(n.fields for n in TERM_NEEDS.values())) | frozenset(
    STATUS_FIELDS.values()
)


def withheld_terms(allowed: Iterable[str]) -> frozenset[str]:
    """The terms a reader allowed ``allowed`` may not see."""
    allowed = frozenset(allowed)
    return frozenset(t for t, needs in TERM_NEEDS.items() if not needs.met_by(allowed))


def factor_visible(code: str, allowed: frozenset[str] | set[str]) -> bool:
    return FACTORS[code].field in allowed


def area_of_factor(code: str) -> str:
    return AREA_OF[code]


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


def visible_probability(
    probability: float, contributions: Mapping[str, float], withheld: frozenset[str]
) -> float:
    """The probability from the terms the reader may see: the stored one when nothing is
    withheld, else the model's sum without the withheld terms' contributions."""
    removed = sum(float(v) for k, v in contributions.items() if k in withheld)
    if not removed:
        return probability
    return 1.0 / (1.0 + math.exp(-(_logit(probability) - removed)))

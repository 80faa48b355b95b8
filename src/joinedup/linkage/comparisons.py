"""The linkage model's comparisons and blocking rules, declared once for both scorers.

Each comparison level carries its Splink level (compiled by Splink for DuckDB or Spark) and
the same test as a Python predicate over two feature dicts, so incremental linking and
explanations score a pair exactly as batch linking does (a test holds them together).

Design (see docs/linkage.md): forename and surname are ONE comparison, because they are
correlated (a swap, a nickname with the right surname, a sibling's surname with another
forename are different evidence); postcode, house and address history are ONE comparison for
the same reason. NHS number and UPN are separate: they are the strong identifiers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import block_on

from joinedup.linkage.levels import (
    DaysApartLevel,
    Features,
    OverlapLevel,
    ShortFormLevel,
    SwappedAlikeLevel,
    Test,
    TypoLevel,
    days_apart,
    short_form,
    swapped_alike,
)
from joinedup.linkage.levels import both as _and
from joinedup.linkage.levels import either as _or
from joinedup.linkage.levels import either_null as _either_null
from joinedup.linkage.levels import eq as _eq
from joinedup.linkage.levels import lev as _lev
from joinedup.linkage.levels import overlap as _overlap
from joinedup.linkage.levels import reversed_ as _reversed
from joinedup.linkage.levels import typo as _typo


@dataclass(frozen=True)
class Level:
    label: str
    splink: Any  # a ComparisonLevelCreator
    test: Test
    tf_column: str | None = None
    is_null: bool = False


@dataclass(frozen=True)
class ComparisonSpec:
    name: str  # Splink's output column name (gamma_<name>)
    description: str
    levels: tuple[Level, ...]

    def splink_comparison(self) -> Any:
        levels = []
        for level in self.levels:
            creator = level.splink
            if level.is_null:
                creator = creator.configure(is_null_level=True)
            if level.tf_column:
                creator = creator.configure(tf_adjustment_column=level.tf_column)
            levels.append(creator.configure(label_for_charts=level.label))
        return cl.CustomComparison(
            comparison_levels=levels,
            output_column_name=self.name,
            comparison_description=self.description,
        )

    def gamma_of(self, label: str) -> int:
        """The comparison vector value of the level called ``label``."""
        non_null = [lv.label for lv in self.levels if not lv.is_null]
        return len(non_null) - 1 - non_null.index(label)

    def gamma(self, left: Features, right: Features) -> int:
        """Splink's comparison vector value: -1 for null, else levels count down to 0."""
        non_null = [lv for lv in self.levels if not lv.is_null]
        for level in self.levels:
            if level.is_null and level.test(left, right):
                return -1
        for index, level in enumerate(non_null):
            if level.test(left, right):
                return len(non_null) - 1 - index
        return 0


# --- name ------------------------------------------------------------------------------------

_fore_like = (
    cll.Or(
        OverlapLevel("forename_aliases"),
        TypoLevel("forename1"),
        cll.ExactMatchLevel("forename_mp"),
    ),
    _or(_overlap("forename_aliases"), _typo("forename1"), _eq("forename_mp")),
)
_fore_same = (
    cll.Or(cll.ExactMatchLevel("forename1"), OverlapLevel("forename_aliases")),
    _or(_eq("forename1"), _overlap("forename_aliases")),
)
_sur_like = (
    cll.Or(
        TypoLevel("surname"),
        cll.ExactMatchLevel("surname_mp"),
        OverlapLevel("surname_tokens"),
    ),
    _or(_typo("surname"), _eq("surname_mp"), _overlap("surname_tokens")),
)
_sur_same = (
    cll.Or(cll.ExactMatchLevel("surname"), OverlapLevel("surname_tokens")),
    _or(_eq("surname"), _overlap("surname_tokens")),
)

NAME = ComparisonSpec(
    "name",
    "forename and surname together",
    (
        Level(
            "name missing",
            cll.Or(cll.NullLevel("forename1"), cll.NullLevel("surname")),
            _or(_either_null("forename1"), _either_null("surname")),
            is_null=True,
        ),
        Level(
            "full name exact",
            cll.ExactMatchLevel("full_name"),
            _eq("full_name"),
            tf_column="full_name",
        ),
        Level(
            "forename and surname swapped",
            cll.ColumnsReversedLevel("forename1", "surname", symmetrical=True),
            _reversed("forename1", "surname"),
        ),
        Level(
            "surname exact, forename nickname or typo",
            cll.And(cll.ExactMatchLevel("surname"), _fore_like[0]),
            _and(_eq("surname"), _fore_like[1]),
        ),
        Level(
            "surname exact, forename a short form",
            cll.And(cll.ExactMatchLevel("surname"), ShortFormLevel()),
            _and(_eq("surname"), short_form),
        ),
        Level(
            "forename same, surname typo or part",
            cll.And(_fore_same[0], _sur_like[0]),
            _and(_fore_same[1], _sur_like[1]),
        ),
        Level(
            "both names similar",
            cll.And(_fore_like[0], _sur_like[0]),
            _and(_fore_like[1], _sur_like[1]),
        ),
        # a short form with a slip in the surname ("ADEY OGULAANA"/"ADEBUKOLA OGULANA", "THO"
        # and "THOMAS"; a middle name run into the forename, "TERESAALEXANDER DOYOE"): no
        # level above holds it (issue 20); a level of its own, so "both names similar" keeps
        # its weight
        Level(
            "forename a short form, surname similar",
            cll.And(ShortFormLevel(), _sur_like[0]),
            _and(short_form, _sur_like[1]),
        ),
        Level("forename and surname swapped, alike", SwappedAlikeLevel(), swapped_alike),
        Level(
            "names two slips apart, in either order",
            cll.LevenshteinLevel("name_bag", 2),
            _lev("name_bag", 2),
        ),
        Level("surname same, forename different", _sur_same[0], _sur_same[1]),
        Level("forename same, surname different", _fore_same[0], _fore_same[1]),
        # a slip or a short form in the forename and another surname ("SUSSAN STEPHENSON",
        # "SUSAN MITCHELL"; "THO KINGGHT", "THOMAS KNIGHT"): a surname changed, or typed
        # beyond recognition, under a forename still alike (issue 20; "names different" before)
        Level(
            "forename similar, surname different",
            cll.Or(_fore_like[0], ShortFormLevel()),
            _or(_fore_like[1], short_form),
        ),
        Level("names different", cll.ElseLevel(), lambda a, b: True),
    ),
)

DOB = ComparisonSpec(
    "dob",
    "date of birth, allowing for day/month swaps and one wrong digit",
    (
        Level("DOB missing", cll.NullLevel("dob"), _either_null("dob"), is_null=True),
        Level("DOB exact", cll.ExactMatchLevel("dob"), _eq("dob")),
        Level(
            "day and month swapped",
            cll.And(
                cll.ExactMatchLevel("dob_y"),
                cll.ColumnsReversedLevel("dob_m", "dob_d", symmetrical=True),
            ),
            _and(_eq("dob_y"), _reversed("dob_m", "dob_d")),
        ),
        Level("DOB a day apart", DaysApartLevel(1), days_apart(1)),
        Level("one digit different", cll.LevenshteinLevel("dob", 1), _lev("dob", 1)),
        Level(
            "two of day, month, year agree",
            cll.Or(
                cll.And(cll.ExactMatchLevel("dob_y"), cll.ExactMatchLevel("dob_m")),
                cll.And(cll.ExactMatchLevel("dob_y"), cll.ExactMatchLevel("dob_d")),
                cll.And(cll.ExactMatchLevel("dob_m"), cll.ExactMatchLevel("dob_d")),
            ),
            _or(
                _and(_eq("dob_y"), _eq("dob_m")),
                _and(_eq("dob_y"), _eq("dob_d")),
                _and(_eq("dob_m"), _eq("dob_d")),
            ),
        ),
        Level("DOB different", cll.ElseLevel(), lambda a, b: True),
    ),
)

NHS = ComparisonSpec(
    "nhs_number",
    "NHS number (valid numbers only)",
    (
        Level(
            "NHS number missing",
            cll.NullLevel("nhs_number"),
            _either_null("nhs_number"),
            is_null=True,
        ),
        Level("NHS number exact", cll.ExactMatchLevel("nhs_number"), _eq("nhs_number")),
        Level("NHS number different", cll.ElseLevel(), lambda a, b: True),
    ),
)

UPN = ComparisonSpec(
    "upn",
    "unique pupil number, current or former",
    (
        Level("UPN missing", cll.NullLevel("upns"), _either_null("upns"), is_null=True),
        Level("a UPN in common", OverlapLevel("upns"), _overlap("upns")),
        Level("UPNs different", cll.ElseLevel(), lambda a, b: True),
    ),
)

ADDRESS = ComparisonSpec(
    "address",
    "house, postcode and postcode history together",
    (
        Level(
            "address missing", cll.NullLevel("postcodes"), _either_null("postcodes"), is_null=True
        ),
        Level("same house and postcode", cll.ExactMatchLevel("house"), _eq("house")),
        Level("same postcode", cll.ExactMatchLevel("postcode"), _eq("postcode")),
        Level(
            "a postcode in common over time",
            OverlapLevel("postcodes"),
            _overlap("postcodes"),
        ),
        Level(
            "postcode one keying slip",
            cll.ExactMatchLevel("postcode_slip"),
            _eq("postcode_slip"),
        ),
        Level(
            "same postcode sector", cll.ExactMatchLevel("postcode_sector"), _eq("postcode_sector")
        ),
        Level("address different", cll.ElseLevel(), lambda a, b: True),
    ),
)

SEX = ComparisonSpec(
    "sex",
    "recorded sex",
    (
        Level("sex missing", cll.NullLevel("sex"), _either_null("sex"), is_null=True),
        Level("sex same", cll.ExactMatchLevel("sex"), _eq("sex")),
        Level("sex different", cll.ElseLevel(), lambda a, b: True),
    ),
)

COMPARISONS: tuple[ComparisonSpec, ...] = (NAME, DOB, NHS, UPN, ADDRESS, SEX)

# Blocking: every pair scored shares at least one of these. Each one is tight (measured: a
# single loose rule multiplies the comparisons tenfold).
BLOCKING_KEYS: tuple[tuple[str, ...], ...] = (
    ("nhs_number",),
    ("upn",),
    ("dob", "surname_mp"),
    ("dob", "forename_mp"),
    ("forename1", "surname"),
    ("postcode", "forename_mp"),
    ("dob", "postcode"),
    ("house", "surname_mp"),
    ("dob_key", "surname_mp"),
    # names each with a slip the metaphone keeps ("CSROLINE SCCOTT"), or a short form with
    # one ("RACIE MAHSRAJ"): one DOB in one postcode sector is rarely two people (issue 20)
    ("dob", "postcode_sector"),
)
SWAPPED_NAMES_RULE = "l.forename1 = r.surname and l.surname = r.forename1"
# Swapped names with a slip or a middle name: the forename of one sounds like the other's
# surname, on the same DOB or postcode (both directions: Splink takes l before r).
SWAPPED_SOUND_KEYS = (("forename_mp", "surname_mp"), ("surname_mp", "forename_mp"))
SWAPPED_SOUND_ALSO = ("dob", "postcode")


def _swapped_sound_rules() -> list[str]:
    return [
        f"l.{left} = r.{right} and l.{same} = r.{same}"
        for left, right in SWAPPED_SOUND_KEYS
        for same in SWAPPED_SOUND_ALSO
    ]


def blocking_rules() -> list[Any]:
    return [block_on(*keys) for keys in BLOCKING_KEYS] + [
        SWAPPED_NAMES_RULE,
        *_swapped_sound_rules(),
    ]


def blocked_together(left: Features, right: Features) -> bool:
    """Whether the batch blocking rules would compare this pair (Python mirror)."""
    for keys in BLOCKING_KEYS:
        if all(left[k] is not None and left[k] == right[k] for k in keys):
            return True
    if _reversed("forename1", "surname")(left, right):
        return True
    for a, b in ((left, right), (right, left)):
        for one, other in SWAPPED_SOUND_KEYS:
            if (
                a[one] is not None
                and a[one] == b[other]
                and any(a[k] is not None and a[k] == b[k] for k in SWAPPED_SOUND_ALSO)
            ):
                return True
    return False

"""Comparison-level building blocks: each Splink SQL level with the same test in Python.

The SQL runs in DuckDB and Spark (``settings_for`` recompiles a model for Spark), so it uses
only functions both have. The Python tests mirror it exactly for incremental linking and
explanations; None never agrees, as in SQL.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import jellyfish
from splink.internals.comparison_level_creator import ComparisonLevelCreator
from splink.internals.dialects import SplinkDialect

Features = dict[str, Any]
Test = Callable[[Features, Features], bool]


class OverlapLevel(ComparisonLevelCreator):
    """Two arrays share an element. ``list_has_any`` / ``arrays_overlap`` are several times
    faster than Splink's ArrayIntersectLevel, which builds the intersection first."""

    def __init__(self, col_name: str):
        self.col_name = col_name

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        function = "arrays_overlap" if sql_dialect.sql_dialect_str == "spark" else "list_has_any"
        return f"{function}({self.col_name}_l, {self.col_name}_r)"

    def create_label_for_charts(self) -> str:
        return f"{self.col_name} arrays overlap"


def _typo_sql(left: str, right: str) -> str:
    # The cheap first letter and length tests go first: DuckDB short-circuits AND, and the
    # edit distance is the most expensive function in the model.
    return (
        f"(substr({left}, 1, 1) = substr({right}, 1, 1) "
        f"AND abs(length({left}) - length({right})) <= 1 "
        f"AND damerau_levenshtein({left}, {right}) <= 1)"
    )


class TypoLevel(ComparisonLevelCreator):
    """One keying slip after the first letter (Damerau-Levenshtein <= 1)."""

    def __init__(self, col_name: str):
        self.col_name = col_name

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        return _typo_sql(f"{self.col_name}_l", f"{self.col_name}_r")

    def create_label_for_charts(self) -> str:
        return f"{self.col_name}: one slip after the first letter"


def _alike_sql(left: str, left_mp: str, right: str, right_mp: str) -> str:
    return f"({left} = {right} OR {left_mp} = {right_mp} OR {_typo_sql(left, right)})"


def _forename_alike_sql(left: str, left_mp: str, right: str, right_mp: str) -> str:
    # a forename also by its first three letters: a short form ("ALEC", "ALEXANDER")
    return (
        f"({_alike_sql(left, left_mp, right, right_mp)} OR (length({left}) >= 3 AND "
        f"length({right}) >= 3 AND substr({left}, 1, 3) = substr({right}, 1, 3)))"
    )


class SwappedAlikeLevel(ComparisonLevelCreator):
    """Forename and surname swapped between the two records, each allowing a keying slip or
    a spelling that sounds the same, the forename a short form too; the surname's first token
    stands for it, so a swapped record with a middle name ("DUFFY", "ANNE LEE") still lines
    up with "ANNE DUFFY", "HUNT", "ALEC" with "ALEXANDER HUNT" and "HUGHES", "HAPS" (a
    nickname) with "HARRY HUGHES"."""

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        contains = "array_contains" if sql_dialect.sql_dialect_str == "spark" else "list_contains"

        def one_way(x: str, y: str) -> str:
            return (
                _alike_sql(f"forename1_{x}", f"forename_mp_{x}", f"surname1_{y}", f"surname_mp_{y}")
                + " AND ("
                + _forename_alike_sql(
                    f"surname1_{x}", f"surname_mp_{x}", f"forename1_{y}", f"forename_mp_{y}"
                )
                + f" OR coalesce({contains}(forename_aliases_{y}, surname1_{x}), false))"
            )

        return f"(({one_way('l', 'r')}) OR ({one_way('r', 'l')}))"

    def create_label_for_charts(self) -> str:
        return "forename and surname swapped, alike"


class ShortFormLevel(ComparisonLevelCreator):
    """One forename is a short form of the other: the shorter's stem (three letters or more,
    a final -IE/-Y/-I dropped) begins the longer ("PATY"/"PATRICK", "SHAN"/"SHANNON")."""

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        def one_way(x: str, y: str) -> str:
            return (
                f"(length(forename_stem_{x}) >= 3 AND length(forename1_{y}) > "
                f"length(forename_stem_{x}) AND substr(forename1_{y}, 1, "
                f"length(forename_stem_{x})) = forename_stem_{x})"
            )

        return f"({one_way('l', 'r')} OR {one_way('r', 'l')})"

    def create_label_for_charts(self) -> str:
        return "forename a short form of the other"


class DaysApartLevel(ComparisonLevelCreator):
    """Dates of birth at most ``days`` apart (a slip across a month or year end too)."""

    def __init__(self, days: int):
        self.days = days

    def create_sql(self, sql_dialect: SplinkDialect) -> str:
        if sql_dialect.sql_dialect_str == "spark":
            diff = "datediff(to_date(dob_l), to_date(dob_r))"
        else:
            diff = "date_diff('day', try_cast(dob_l AS DATE), try_cast(dob_r AS DATE))"
        return f"abs({diff}) <= {self.days}"

    def create_label_for_charts(self) -> str:
        return f"DOB within {self.days} days"


# --- Python predicates ---------------------------------------------------------------------


def eq(col: str) -> Test:
    return lambda a, b: a[col] is not None and a[col] == b[col]


def either_null(col: str) -> Test:
    return lambda a, b: a[col] is None or b[col] is None


def overlap(col: str) -> Test:
    return lambda a, b: bool(a[col] and b[col] and set(a[col]) & set(b[col]))


def is_typo(x: str | None, y: str | None) -> bool:
    if x is None or y is None or x[:1] != y[:1] or abs(len(x) - len(y)) > 1:
        return False
    return bool(jellyfish.damerau_levenshtein_distance(x, y) <= 1)


def typo(col: str) -> Test:
    return lambda a, b: is_typo(a[col], b[col])


def lev(col: str, at_most: int) -> Test:
    def test(a: Features, b: Features) -> bool:
        if a[col] is None or b[col] is None:
            return False
        return bool(jellyfish.levenshtein_distance(a[col], b[col]) <= at_most)

    return test


def both(*tests: Test) -> Test:
    return lambda a, b: all(t(a, b) for t in tests)


def either(*tests: Test) -> Test:
    return lambda a, b: any(t(a, b) for t in tests)


def reversed_(c1: str, c2: str) -> Test:
    return lambda a, b: (
        a[c1] is not None and a[c2] is not None and a[c1] == b[c2] and a[c2] == b[c1]
    )


def _alike(x: str | None, x_mp: str | None, y: str | None, y_mp: str | None) -> bool:
    if x is not None and x == y:
        return True
    return (x_mp is not None and x_mp == y_mp) or is_typo(x, y)


def swapped_alike(a: Features, b: Features) -> bool:
    def one_way(x: Features, y: Features) -> bool:
        fore, other = x["surname1"], y["forename1"]
        return _alike(x["forename1"], x["forename_mp"], y["surname1"], y["surname_mp"]) and (
            _alike(fore, x["surname_mp"], other, y["forename_mp"])
            or (
                fore is not None
                and other is not None
                and len(fore) >= 3
                and len(other) >= 3
                and fore[:3] == other[:3]
            )
            or (fore is not None and fore in (y["forename_aliases"] or ()))
        )

    return one_way(a, b) or one_way(b, a)


def nickname_slip(a: Features, b: Features) -> bool:
    """Either forename is one keying slip from a name the other is known by ("HAFRY" and
    HAROLD, whose names include HARRY; "LARUINDA" and LAURA's LAURINDA)."""

    def one_way(x: Features, y: Features) -> bool:
        name = x["forename1"]
        return name is not None and any(is_typo(name, n) for n in y["forename_aliases"] or ())

    return one_way(a, b) or one_way(b, a)


def short_form(a: Features, b: Features) -> bool:
    def one_way(x: Features, y: Features) -> bool:
        stem, name = x["forename_stem"], y["forename1"]
        return bool(
            stem and name and len(stem) >= 3 and len(name) > len(stem) and name.startswith(stem)
        )

    return one_way(a, b) or one_way(b, a)


def days_apart(days: int) -> Test:
    def test(a: Features, b: Features) -> bool:
        try:
            left, right = date.fromisoformat(a["dob"]), date.fromisoformat(b["dob"])
        except (TypeError, ValueError):
            return False
        return abs((left - right).days) <= days

    return test

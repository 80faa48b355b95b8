"""Deprivation decile of a postcode: the partnership's IMD lookup, by postcode sector.

The lookup is ``data/deprivation.csv`` (its source and licence in ``data/README.md``). For
the synthetic partnership it holds the generator's SYNTHETIC IMD deciles of the sectors of
the LA whose postcodes Exampleshire borrows, standing in for the ONS IMD-by-postcode lookup
a real partnership would put there. The model reads it (households' risk rises with
deprivation, and without it the score under-predicted for the most deprived areas and
over-predicted for the least), and the fairness audit groups by it, so its calibration is
checked per band.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

DEFAULT_LA = "E08000036"
LOOKUP = Path(__file__).parent / "data" / "deprivation.csv"


@lru_cache(maxsize=1)
def _lookup() -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = {}
    with LOOKUP.open(encoding="utf-8", newline="") as rows:
        for row in csv.DictReader(rows):
            table.setdefault(row["laua"], {})[row["sector"]] = int(row["decile"])
    return table


def sector_deciles(laua: str = DEFAULT_LA) -> dict[str, int]:
    """Each postcode sector's decile (1 = most deprived) in ``laua``; empty if not covered."""
    return dict(_lookup().get(laua, {}))


def decile_of(postcode: str | None, laua: str = DEFAULT_LA) -> int | None:
    if not postcode:
        return None
    code = " ".join(postcode.upper().split())
    return _lookup().get(laua, {}).get(code[:-2])

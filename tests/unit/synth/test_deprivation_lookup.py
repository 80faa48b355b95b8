"""The deprivation lookup is production's data; the generator draws Exampleshire from it.

The lookup (``risk/data/deprivation.csv``) was written from the generator's synthetic IMD
surface over the postcode sectors of the LA Exampleshire borrows; this keeps the two in
step (a newer postcode package with new sectors fails here: rewrite the lookup with
``python -m joinedup.synth.build_data deprivation``).
"""

from __future__ import annotations

import pytest

from joinedup.risk import deprivation
from joinedup.synth import geography


def test_the_lookup_is_the_generators_synthetic_surface_for_the_default_la() -> None:
    rows = geography.load_la_postcodes(deprivation.DEFAULT_LA)
    assert geography.synthetic_deciles(rows) == deprivation.sector_deciles(deprivation.DEFAULT_LA)


def test_the_generator_takes_each_sectors_decile_from_the_lookup(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    sectors = geography.build_geography(deprivation.DEFAULT_LA).sectors
    lookup = {name: 1 + i % 10 for i, name in enumerate(reversed(sectors))}
    monkeypatch.setattr(geography, "sector_deciles", lambda laua: lookup)
    geo = geography.build_geography(deprivation.DEFAULT_LA)
    assert dict(zip(geo.sectors, geo.decile_of_sector, strict=True)) == lookup

"""A postcode's deprivation decile comes from the lookup shipped with the platform: no
generator, no postcode package (they are the ``synth`` extra)."""

from __future__ import annotations

from joinedup.risk.deprivation import DEFAULT_LA, decile_of, sector_deciles


def test_a_postcode_takes_its_sectors_decile() -> None:
    sectors = sector_deciles(DEFAULT_LA)
    assert len(sectors) == 52 and set(sectors.values()) == set(range(1, 11))
    sector, decile = sorted(sectors.items())[0]
    assert decile_of(f"{sector}AB") == decile
    assert decile_of(f" {sector.lower()}ab ") == decile  # spacing and case as delivered


def test_an_unknown_area_or_no_postcode_has_no_decile() -> None:
    assert decile_of(None) is None and decile_of("") is None
    assert decile_of("ZZ9 9ZZ") is None
    assert sector_deciles("E00000000") == {}

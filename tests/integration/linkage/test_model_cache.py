"""Regression: the model cache once keyed models by id alone, so a process that opened two
stores (every pytest worker does) got the first store's model for the second (both id 1)."""

from __future__ import annotations

from pathlib import Path

from joinedup.linkage import model as linkage_model
from joinedup.store import make_engine, upgrade


def _store_with_model(path: Path, fingerprint: str) -> object:
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    with engine.begin() as connection:
        saved = linkage_model.TrainedModel(
            settings={"comparisons": []}, fingerprint=fingerprint, records=10
        )
        assert linkage_model.save(connection, saved) == 1  # ids restart in every store
    return engine


def test_each_store_gets_its_own_model_although_both_are_id_1(tmp_path: Path) -> None:
    first = _store_with_model(tmp_path / "a.db", "a" * 64)
    second = _store_with_model(tmp_path / "b.db", "b" * 64)
    with first.connect() as connection:  # type: ignore[attr-defined]
        model_a = linkage_model.load_active(connection)
    with second.connect() as connection:  # type: ignore[attr-defined]
        model_b = linkage_model.load_active(connection)
    assert model_a is not None and model_a.fingerprint == "a" * 64
    assert model_b is not None and model_b.fingerprint == "b" * 64

"""Splink's Spark backend gives the same clusters as DuckDB on the same data and model."""

from __future__ import annotations

import importlib.util

import pytest
from sqlalchemy import Engine

from joinedup.linkage import model as linkage_model
from joinedup.linkage.batch import predict_edges
from joinedup.linkage.clustering import cluster
from joinedup.linkage.records import read_records

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("pyspark") is None,
    reason="pyspark is not installed (pip install 'joinedup[spark]'; CI installs it)",
)


def partition(engine: Engine, backend: str) -> set[frozenset[str]]:
    with engine.connect() as c:
        # The first thousand records: enough households for twins, swaps and nicknames.
        records = read_records(c)[:1000]
        model = linkage_model.load_active(c)
    assert model is not None
    by_uid = {r["unique_id"]: r for r in records}
    edges = predict_edges(records, model, backend)
    result = cluster(
        by_uid,
        edges,
        link_weight=model.thresholds["link"],
        review_weight=model.thresholds["review"],
        weak_link_weight=model.thresholds["weak_link"],
    )
    return {frozenset(by_uid[u]["record_key"] for u in c) for c in result.clusters}


def test_spark_and_duckdb_give_the_same_clusters(
    linked: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("JOINEDUP_SPARK_PARTITIONS", "2")
    duck = partition(linked, "duckdb")
    spark = partition(linked, "spark")
    assert spark == duck
    assert any(len(c) > 1 for c in duck)

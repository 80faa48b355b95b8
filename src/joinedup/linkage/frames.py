"""A Splink linker over feature dicts, on DuckDB (default) or Spark (``pip install .[spark]``).

In: feature dicts, Splink settings, a backend name. Out: a context manager whose ``linker``
is ready to train or predict, and ``rows(frame)`` to bring results back as dicts. Columns are
typed explicitly so both backends see the same schema (dates travel as ISO text: backends
parse dates differently, text compares the same everywhere).
"""

from __future__ import annotations

import os
from types import TracebackType
from typing import Any

import pyarrow as pa
from splink import Linker

from joinedup.config import settings
from joinedup.errors import BadInput
from joinedup.linkage.features import COLUMNS

_LISTS = {"forename_aliases", "surname_tokens", "upns", "postcodes"}
SCHEMA = pa.schema(
    [
        pa.field(
            c,
            pa.int64()
            if c == "unique_id"
            else pa.list_(pa.string())
            if c in _LISTS
            else pa.string(),
        )
        for c in COLUMNS
    ]
)
BACKENDS = ("duckdb", "spark")


def to_arrow(records: list[dict[str, Any]]) -> pa.Table:
    return pa.Table.from_pylist(records, schema=SCHEMA)


def spark_session() -> Any:
    """A local Spark session with Splink's similarity UDF jar on the classpath."""
    try:
        from pyspark.sql import SparkSession
        from splink.internals.spark.jar_location import similarity_jar_location
    except ImportError as error:  # pragma: no cover - depends on the install
        raise BadInput("the spark backend needs pyspark: pip install 'joinedup[spark]'") from error
    os.environ.setdefault("PYSPARK_PYTHON", "python")  # for Spark's Python worker processes
    spark = settings().linkage
    return (
        SparkSession.builder.master(spark.spark_master)
        .appName("joinedup-linkage")
        .config("spark.jars", similarity_jar_location())
        .config("spark.sql.shuffle.partitions", str(spark.spark_partitions))
        .config("spark.default.parallelism", str(spark.spark_partitions))
        .config("spark.ui.enabled", "false")
        .config("spark.sql.session.timeZone", "UTC")
        .getOrCreate()
    )


class SplinkSession:
    """``with SplinkSession(records, settings) as s: s.linker...``"""

    def __init__(self, records: list[dict[str, Any]], settings: Any, *, backend: str = "duckdb"):
        if backend not in BACKENDS:
            raise BadInput(f"unknown linkage backend {backend!r}: use one of {BACKENDS}")
        self.records = records
        self.settings = settings
        self.backend = backend

    def __enter__(self) -> SplinkSession:
        table = to_arrow(self.records)
        if self.backend == "duckdb":
            import duckdb
            from splink import DuckDBAPI

            self._duck = duckdb.connect()
            self._duck.execute(f"SET threads TO {os.cpu_count() or 2}")
            self.db_api: Any = DuckDBAPI(connection=self._duck)
            frame = self.db_api.register(table, dataset_display_name="person_records")
        else:
            from splink import SparkAPI

            self._spark = spark_session()
            # persist, not checkpoint: local mode needs no checkpoint directory.
            self.db_api = SparkAPI(spark_session=self._spark, break_lineage_method="persist")
            frame = self.db_api.register(
                self._spark.createDataFrame(table), dataset_display_name="person_records"
            )
        self.linker = Linker(frame, self.settings, log_level=None)
        return self

    def rows(self, frame: Any, columns: list[str]) -> list[dict[str, Any]]:
        """The given columns of a SplinkDataFrame as a list of dicts."""
        if self.backend == "duckdb":
            sql = f"select {', '.join(columns)} from {frame.physical_name}"
            result = self._duck.sql(sql).to_arrow_table()
            return result.to_pylist()
        df = self._spark.table(frame.physical_name).select(*columns)
        return [row.asDict() for row in df.collect()]

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self.backend == "duckdb":
            self._duck.close()

"""The linking work database on Spark: the same SQL as DuckDB's, rendered by sqlglot."""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import sqlglot
from splink.backends.spark import SparkAPI
from splink.internals.database_api import DatabaseAPI

from mdm.spark import cache, similarity
from mdm.store.work import WorkDB


class SparkWorkDB(WorkDB):
    """Tables are temporary views, materialised (persisted) when created."""

    dialect = "spark"

    def __init__(self, spark: Any) -> None:
        self.spark = spark
        self._api: SparkAPI | None = None
        similarity.register(spark)

    def render(self, sql: str) -> str:
        return sqlglot.transpile(sql, read="duckdb", write="spark")[0]

    def arrow(self, sql: str) -> pa.Table:
        return self.spark.sql(self.render(sql)).toArrow()

    def scalar(self, sql: str) -> Any:
        return self.spark.sql(self.render(sql)).collect()[0][0]

    def columns(self, table: str) -> list[str]:
        return list(self.spark.table(table).columns)

    def create_table(self, name: str, sql: str) -> None:
        df = cache.persist(self.spark.sql(self.render(sql)))
        df.count()
        df.createOrReplaceTempView(name)

    def load_arrow(self, name: str, table: pa.Table) -> None:
        # A local relation: no lineage for the analyser to walk in the queries that read it.
        schema = ", ".join(f"{f.name} string" for f in table.schema)
        self.spark.createDataFrame(table.to_pylist(), schema).createOrReplaceTempView(name)

    def splink_api(self) -> DatabaseAPI:
        # One API per session: each registers Splink's similarity functions with Spark again.
        if self._api is None:
            self._api = SparkAPI(spark_session=self.spark)
        return self._api

"""What one Spark run keeps in its session, released when the run ends.

A session outlives its runs: a notebook, a scheduled job on a shared cluster, the tests. Each
run persists its work frames, registers temporary views (ours and Splink's) and has Splink
write its intermediate tables as Parquet under the checkpoint folder. Left there, every run's
frames held executor memory and disk until the session stopped, and its Parquet until the
process exited. One run at a time per session: what another run registers meanwhile would be
released with this one's.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

logger = logging.getLogger(__name__)

_persisted: ContextVar[list[Any] | None] = ContextVar("mdm_spark_persisted", default=None)


def persist(df: Any) -> Any:
    """``df.persist()``, unpersisted when the run around the call ends."""
    df = df.persist()
    frames = _persisted.get()
    if frames is not None:
        frames.append(df)
    return df


@contextmanager
def released_after(spark: Any) -> Iterator[None]:
    """Unpersist the frames persisted, drop the temporary views registered and delete the
    checkpoint entries written in the block. A failure to release is logged, not raised: the
    run's results are written by then."""
    views, checkpoints = _temporary_views(spark), _checkpoint_entries(spark)
    token = _persisted.set([])
    try:
        yield
    finally:
        frames = _persisted.get() or []
        _persisted.reset(token)
        try:
            for name in sorted(_temporary_views(spark) - views):
                spark.catalog.dropTempView(name)
            for df in frames:
                df.unpersist()
            for path in sorted(_checkpoint_entries(spark) - checkpoints):
                delete(spark, path)
        except Exception:  # noqa: BLE001 - cleanup must not turn a finished run into a failed one
            logger.warning("could not release what the Spark run cached", exc_info=True)


def _temporary_views(spark: Any) -> set[str]:
    # SHOW TABLES, not catalog.listTables(): the latter reads every table's metadata.
    return {row.tableName for row in spark.sql("SHOW TABLES").collect() if row.isTemporary}


def _checkpoint_entries(spark: Any) -> set[str]:
    """The paths directly under the session's checkpoint folder (where Splink writes)."""
    folder = spark.sparkContext.getCheckpointDir()
    if not folder:
        return set()
    fs, path = _filesystem(spark, folder)
    if not fs.exists(path):
        return set()
    return {status.getPath().toString() for status in fs.listStatus(path)}


def delete(spark: Any, location: str) -> None:
    """Remove ``location`` (a file or a folder with its contents), if there is one."""
    fs, path = _filesystem(spark, location)
    fs.delete(path, True)


def _filesystem(spark: Any, location: str) -> tuple[Any, Any]:
    """Hadoop's file system for ``location``: local, HDFS or an object store alike."""
    jvm = spark.sparkContext._jvm
    path = jvm.org.apache.hadoop.fs.Path(location)
    return path.getFileSystem(spark.sparkContext._jsc.hadoopConfiguration()), path

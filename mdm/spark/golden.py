"""Golden records on Spark: survivorship per cluster in Python workers, the rest as joins.

Each cluster's attributes and lineage come from :func:`mdm.golden.survive`, the function the
DuckDB engine uses, applied to each golden id's members in Python workers (``mapInArrow``
over partitions sorted by golden id); ids are carried over from the
previous run's output by :func:`mdm.golden.assign_ids` on the driver (it needs only record keys),
which also gives a customer whose records come back the id they left (``xref_departed``, carried
from output to output).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from matching_rules import AttributeSpec
from mdm import golden
from mdm.spark import cache
from mdm.spark.ingest import spark_schema
from mdm.store import documents
from mdm.store.tables import SCHEMAS

_LINEAGE = pa.struct([(f.name, f.type) for f in SCHEMAS["golden_lineage"] if f.name != "golden_id"])
SURVIVED = pa.schema(
    [("golden_id", pa.string()), ("attributes", pa.string()), ("record_count", pa.int64()),
     ("sources", pa.list_(pa.string())), ("split", pa.bool_()), ("moved", pa.bool_()),
     ("lineage", pa.list_(_LINEAGE))]
)


@dataclass
class Previous:
    """An earlier run's output: record -> golden id, its golden records (active and retired), and
    the keys that had left every golden record (an output written before it kept them: none)."""

    xref: dict[str, str]
    golden: Any  # DataFrame of golden_records, or None
    departed: pa.Table = field(default_factory=SCHEMAS["xref_departed"].empty_table)


@dataclass
class SparkGolden:
    golden: Any  # DataFrame of golden_records rows (documents are built by `mdm load`)
    lineage: Any
    xref: Any
    history: Any
    counts: dict[str, int]
    departed: pa.Table  # xref_departed rows, for the next run's --previous


def _survivor(attributes: Mapping[str, AttributeSpec]) -> Any:
    """Member rows sorted by golden id (within a partition) -> one SURVIVED row per golden id.

    One call handles a whole partition as a stream of rows, so a cluster whose rows span two
    Arrow batches is still seen whole.
    """

    def one(rows: list[dict[str, Any]]) -> dict[str, Any]:
        values, lineage = golden.survive(attributes, rows)
        return {
            "golden_id": rows[0]["golden_id"],
            "attributes": documents.attributes_json(values),
            "record_count": len(rows),
            "sources": sorted({r["source"] for r in rows}),
            "split": any(r["had_previous"] for r in rows),
            "moved": any(r["moved"] for r in rows),
            "lineage": [dict(zip(_LINEAGE.names, entry, strict=True)) for entry in lineage],
        }

    def survive(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        rows = (row for batch in batches for row in batch.to_pylist())
        out: list[dict[str, Any]] = []
        for group in golden.consecutive_groups(rows, "golden_id"):
            out.append(one(group))
            if len(out) >= 10_000:
                yield pa.RecordBatch.from_pylist(out, schema=SURVIVED)
                out = []
        if out:
            yield pa.RecordBatch.from_pylist(out, schema=SURVIVED)

    return survive


def build(
    spark: Any,
    std: Any,
    assignment: Mapping[str, int],
    attributes: Mapping[str, AttributeSpec],
    *,
    run_id: str,
    now: dt.datetime,
    previous: Previous,
) -> SparkGolden:
    from pyspark.sql import functions as F

    clusters: dict[int, list[str]] = {}
    for key, c in assignment.items():
        clusters.setdefault(c, []).append(key)
    removed: set[str] = set()
    if previous.golden is not None:
        removed = set(previous.golden.filter((F.col("status") == "retired") & F.col("merged_into").isNull())
                      .select("golden_id").toArrow()["golden_id"].to_pylist())
    departed = zip(previous.departed["record_key"].to_pylist(), previous.departed["golden_id"].to_pylist(),
                   strict=True)
    returning = {k: g for k, g in departed if g in removed}
    ids, retired = golden.assign_ids(clusters, previous.xref, returning)
    restored = sorted(removed.intersection(ids.values()))
    keys = list(assignment)
    sizes = Counter(previous.xref.values())
    moved = {ids[c] for c, held in clusters.items()
             if golden.members_changed(ids[c], held, previous.xref, sizes)}
    members = spark.createDataFrame(pa.table({
        "record_key": keys,
        "golden_id": [ids[assignment[k]] for k in keys],
        "had_previous": [k in previous.xref for k in keys],
        "moved": [ids[assignment[k]] in moved for k in keys],
    }))
    survived = cache.persist(
        std.join(members, "record_key")
        .repartition("golden_id")
        .sortWithinPartitions("golden_id", "record_key")
        .mapInArrow(_survivor(attributes), spark_schema(SURVIVED))
    )
    ts = F.lit(now).cast("timestamp_ntz")
    if previous.golden is not None:
        prev = previous.golden.filter((F.col("status") == "active") | F.col("golden_id").isin(restored))
        prev = prev.select(
            "golden_id", F.col("attributes").alias("before"), F.col("created_at").alias("prev_created"),
            F.col("updated_at").alias("prev_updated"), F.col("status").alias("prev_status"),
            F.col("run_id").alias("prev_run"))
        survived_prev = survived.join(prev, "golden_id", "left")
    else:
        survived_prev = survived.select("*", *(F.lit(None).cast(t).alias(c) for c, t in
                                              (("before", "string"), ("prev_created", "timestamp_ntz"),
                                               ("prev_updated", "timestamp_ntz"), ("prev_status", "string"),
                                               ("prev_run", "string"))))
    change = (
        F.when(F.col("prev_status") == "retired", "restored")
        .when(F.col("before").isNull(), F.when(F.col("split"), "split").otherwise("created"))
        .when((F.col("before") == F.col("attributes")) & ~F.col("moved"), "unchanged")
        .otherwise("changed")
    )
    active = cache.persist(survived_prev.withColumn("change", change))
    golden_active = active.select(
        "golden_id", F.lit("active").alias("status"), F.lit(None).cast("string").alias("merged_into"), "attributes",
        "record_count", "sources", F.coalesce("prev_created", ts).alias("created_at"),
        F.when(F.col("change") == "unchanged", F.col("prev_updated")).otherwise(ts).alias("updated_at"),
        # Unchanged, it stays as it was, the run that built it too: its version (ETag) is kept.
        F.when(F.col("change") == "unchanged", F.col("prev_run")).otherwise(F.lit(run_id)).alias("run_id"),
    )
    history = active.filter(F.col("change") != "unchanged").select(
        "golden_id", ts.alias("changed_at"), "change", F.lit("run").alias("cause"), F.lit(run_id).alias("cause_id"),
        F.lit(None).cast("string").alias("actor"), F.col("record_count").alias("members"), "before",
        F.col("attributes").alias("after"), F.lit(None).cast("string").alias("merged_into"),
    )
    counts = Counter({row["change"]: row["count"] for row in active.groupBy("change").count().collect()})
    counts["active"] = len(clusters)
    golden_all = golden_active
    if previous.golden is not None:
        golden_all, history, retired_counts = _with_retired(
            spark, previous.golden, retired, golden_active, history, run_id=run_id, now=now)
        counts.update(retired_counts)
    lineage = survived.select("golden_id", F.explode("lineage").alias("l")).select("golden_id", "l.*")
    xref = std.select("source", "source_id", "record_key").join(members.select("record_key", "golden_id"),
                                                                "record_key")
    return SparkGolden(golden_all, lineage, xref.withColumn("run_id", F.lit(run_id)), history, dict(counts),
                       _departed(previous, assignment, now))


def _departed(previous: Previous, present: Collection[str], now: dt.datetime) -> pa.Table:
    """The keys that had left and are still gone, and those of the previous xref this run lacks,
    each with the golden id that last held it."""
    schema = SCHEMAS["xref_departed"]
    gone = pc.invert(pc.is_in(previous.departed["record_key"], pa.array(list(present), pa.string())))
    still = previous.departed.filter(gone).select(schema.names).cast(schema)
    left = sorted(k for k in previous.xref if k not in present)
    parts = [k.split(":", 1) for k in left]  # a source name holds no ':' (record_key)
    now_left = pa.table([[p[0] for p in parts], [p[1] for p in parts], left, [previous.xref[k] for k in left],
                         [now] * len(left)], schema=schema)
    return pa.concat_tables([still, now_left])


def _with_retired(
    spark: Any, previous: Any, retired: Mapping[str, str | None], active: Any, history: Any, *, run_id: str,
    now: dt.datetime,
) -> tuple[Any, Any, dict[str, int]]:
    """Previous golden ids no cluster kept are retired (redirecting to where most of their
    records went); ids retired in earlier runs stay, so old ids keep redirecting."""
    from pyspark.sql import functions as F

    ts = F.lit(now).cast("timestamp_ntz")
    moves = spark.createDataFrame(
        pa.table({"golden_id": list(retired), "home": list(retired.values())},
                 schema=pa.schema([("golden_id", pa.string()), ("home", pa.string())]))
    )
    newly = cache.persist(previous.filter(F.col("status") == "active").join(moves, "golden_id"))
    retired_now = newly.select(
        "golden_id", F.lit("retired").alias("status"), F.col("home").alias("merged_into"), "attributes",
        F.lit(0).cast("long").alias("record_count"), F.array().cast("array<string>").alias("sources"), "created_at",
        ts.alias("updated_at"), F.lit(run_id).alias("run_id"),
    )
    kept_before = previous.filter(F.col("status") == "retired").join(
        active.select("golden_id"), "golden_id", "left_anti").join(moves.select("golden_id"), "golden_id", "left_anti")
    golden_all = active.unionByName(retired_now).unionByName(kept_before.select(*active.columns))
    retired_history = newly.select(
        "golden_id", ts.alias("changed_at"),
        F.when(F.col("home").isNotNull(), "merged").otherwise("retired").alias("change"), F.lit("run").alias("cause"),
        F.lit(run_id).alias("cause_id"), F.lit(None).cast("string").alias("actor"),
        F.lit(0).cast("long").alias("members"), F.col("attributes").alias("before"),
        F.lit(None).cast("string").alias("after"), F.col("home").alias("merged_into"),
    )
    counts = {r["change"]: r["count"] for r in retired_history.groupBy("change").count().collect()}
    return golden_all, history.unionByName(retired_history), counts

"""``mdm reconcile --engine spark``: the batch reconciliation on Spark, written as Parquet.

The stages are the DuckDB engine's (mdm/pipeline.py) with the same code at their core:
standardisation and survivorship run distributed in Python workers; blocking, training and
scoring run in Spark SQL through Splink's SparkAPI, from the same matching rules and the same
SQL (rendered for Spark by sqlglot); clustering runs on the driver over the automatic links,
with the function the DuckDB engine uses, so both engines form the same clusters.

The output folder holds one Parquet folder per table plus ``model`` and ``report`` (JSON
text); ``report`` is written last and marks a complete run. ``mdm load`` serves it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from matching_rules import matching_fingerprint
from mdm.errors import ConfigError, ModelError
from mdm.linking import model as linking
from mdm.load import MODEL, REPORT, read_text_dataset
from mdm.pipeline import (
    Progress,
    RunReport,
    Stages,
    cluster_pairs,
    new_run_id,
    rules_for_sources,
    train_and_score,
)
from mdm.sources import load_sources, sources_to_json
from mdm.spark import cache
from mdm.spark import golden as spark_golden
from mdm.spark.ingest import PostedInput, flag_counts, ingest_and_standardise, spark_schema
from mdm.spark.session import spark_session
from mdm.spark.work import SparkWorkDB
from mdm.store import database, exports
from mdm.store import work as work_sql
from mdm.store.documents import timestamp_text
from mdm.store.tables import SCHEMAS


def read_model(path: str | Path) -> linking.Model:
    """A model exported with ``mdm export model``, or the ``model`` folder of a Spark run."""
    path = Path(path)
    try:
        text = read_text_dataset(path) if path.is_dir() else path.read_text(encoding="utf-8")
        stored = json.loads(text)
        return linking.Model(stored["model_id"], stored["fingerprint"], stored["settings"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise ConfigError(f"{path}: not a model file written by `mdm export model` ({e})") from e


def model_json(model: linking.Model) -> str:
    return json.dumps({"model_id": model.model_id, "fingerprint": model.fingerprint, "settings": model.settings})


def _read_decisions(
    spark: Any, path: str
) -> tuple[list[tuple[str, str, str, str]], dict[str, list[list[str]]]]:
    """Steward constraints exported with ``mdm export decisions`` (CSV or Parquet), and each
    decision's sides (an export without the column has none: a carried constraint then takes
    its stand-in by the other rules)."""
    from pyspark.errors import AnalysisException

    # The export doubles a quote inside a quoted field (the sides' JSON), as CSV writers do.
    csv_reader = spark.read.option("header", "true").option("escape", '"').csv
    reader = spark.read.parquet if path.endswith(".parquet") else csv_reader
    try:
        df = reader(path)
    except AnalysisException as e:
        raise ConfigError(f"{path}: cannot read the decisions: {str(e).splitlines()[0]}") from e
    missing = {"kind", "record_key_l", "record_key_r", "decision_id"} - set(df.columns)
    if missing:
        raise ConfigError(f"{path}: not a decisions export: no column {', '.join(sorted(missing))}")
    rows = df.select("kind", "record_key_l", "record_key_r", "decision_id").collect()
    bad = {r[0] for r in rows} - {"must_link", "cannot_link"}
    if bad:
        raise ConfigError(f"{path}: unknown decision kind {', '.join(sorted(map(str, bad)))}")
    sides: dict[str, list[list[str]]] = {}
    if "sides" in df.columns:
        for decision, text in df.select("decision_id", "sides").distinct().collect():
            try:
                sides[decision] = json.loads(text) if text else []
            except ValueError as e:
                raise ConfigError(f"{path}: decision {decision}: sides is not JSON: {e}") from e
    return [tuple(r) for r in rows], sides


def _read_posted(spark: Any, path: str) -> PostedInput:
    """Records posted and deleted through the API, exported with ``mdm export posted``."""
    from pyspark.errors import AnalysisException

    try:
        lines = [r[0] for r in spark.read.text(path).collect()]
    except AnalysisException as e:
        raise ConfigError(f"{path}: cannot read the posted records: {str(e).splitlines()[0]}") from e
    posted, deleted, through = [], [], None
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            source, source_id, at = item["source"], item["source_id"], item["at"]
            if not all(isinstance(v, str) for v in (source, source_id, at)):
                raise ValueError("source, source_id and at must be text")
            if item.get("deleted") is True:
                deleted.append((source, source_id))
            elif isinstance(item.get("record"), dict):
                posted.append((source, source_id, json.dumps(item["record"], ensure_ascii=False)))
            else:
                raise ValueError("neither a record nor deleted")
        except (ValueError, KeyError, TypeError) as e:
            raise ConfigError(f"{path}: line {n}: not a line of `mdm export posted` ({e})") from None
        through = max(through or at, at)
    return PostedInput(posted, deleted, through)


def _read_previous(spark: Any, folder: str | None) -> spark_golden.Previous:
    if folder is None:
        return spark_golden.Previous({}, None)
    _require_complete(spark, folder)
    from pyspark.errors import AnalysisException

    xref = spark.read.parquet(f"{folder}/xref").select("record_key", "golden_id").toArrow()
    try:
        departed = spark.read.parquet(f"{folder}/xref_departed").toArrow()
    except AnalysisException:  # an output written before departed keys were kept holds none
        departed = SCHEMAS["xref_departed"].empty_table()
    return spark_golden.Previous(
        dict(zip(xref["record_key"].to_pylist(), xref["golden_id"].to_pylist(), strict=True)),
        cache.persist(spark.read.parquet(f"{folder}/golden_records")),
        departed,
    )


def _read_stored(spark: Any, folder: str, sources: list[str]) -> Any:
    """The records of these sources (source, source_id, raw) the ``--previous`` folder stores. A
    folder exported with the records of other sources alone is refused: read, it carried none of
    the records the source's extract leaves out, and the run's output lacked them."""
    from pyspark.errors import AnalysisException
    from pyspark.sql import functions as F

    report = json.loads("\n".join(r.value for r in spark.read.text(f"{folder}/{REPORT}").collect()))
    held = report.get(exports.PREVIOUS_RECORDS_OF)
    for name in sources if held is not None else []:
        if name not in held:
            raise ConfigError(f"{folder}: holds the stored records of {', '.join(held) or 'no source'} alone"
                              f" (`mdm export previous --source`), not of source {name!r}, whose extract:"
                              f" changes needs them: export it again with --source {','.join(sources)}")
    try:
        stored = spark.read.parquet(f"{folder}/source_records")
    except AnalysisException:  # exported before it held them
        raise ConfigError(f"{folder}: holds no source_records, which a source with extract: changes needs;"
                          " export it again with `mdm export previous`") from None
    return stored.filter(F.col("source").isin(sources)).select("source", "source_id", "raw")


def _require_complete(spark: Any, folder: str) -> None:
    try:
        spark.read.text(f"{folder}/{REPORT}").first()
    except Exception as e:
        raise ConfigError(f"{folder}: not the output of a complete Spark run (no {REPORT})") from e


def reconcile_spark(
    sources_path: str | Path,
    out: str,
    *,
    rules_path: str | Path | None = None,
    master: str | None = None,
    spark_conf: dict[str, str] | None = None,
    model_path: str | Path | None = None,
    decisions_path: str | None = None,
    posted_path: str | None = None,
    previous: str | None = None,
    today: dt.date | None = None,
    progress: Progress | None = None,
    spark: Any = None,
) -> RunReport:
    """Run a batch reconciliation on Spark and write its results under ``out``."""
    sources = load_sources(sources_path)
    changes = [s.name for s in sources.sources if s.extract == "changes"]
    if changes and previous is None:  # the records its extract leaves out are stored, not in it
        raise ConfigError(f"{sources_path}: source {changes[0]!r}, key 'extract': 'changes' needs --previous"
                          " (`mdm export previous`, or an earlier Spark run's --out): the stored records"
                          " its extract leaves out are carried forward from there")
    rules = rules_for_sources(Path(rules_path) if rules_path else None, sources)
    spec = rules.matching
    model = read_model(model_path) if model_path else None
    if model is not None and model.fingerprint != matching_fingerprint(spec):
        raise ModelError(f"{model_path}: the model was trained for other matching rules; train a new one")
    spark = spark or spark_session(master, conf=spark_conf)
    with cache.released_after(spark):
        report = RunReport(run_id=new_run_id())
        started_at = database.now()
        stages = Stages(report, progress)
        run_id = report.run_id

        with stages.stage("read"):
            previous_run = _read_previous(spark, previous)
            constraints, sides = _read_decisions(spark, decisions_path) if decisions_path else ([], {})
            posted = _read_posted(spark, posted_path) if posted_path else None
            stored = _read_stored(spark, previous, changes) if previous and changes else None
        with stages.stage("standardise"):
            ingested = ingest_and_standardise(spark, sources.sources, today or dt.date.today(), posted,
                                              stored)
            report.sources = ingested.counts
            report.posted_unknown_source = ingested.posted_unknown_source
            report.records = sum(c.accepted - c.superseded - c.deleted + c.posted - c.outdated + c.carried
                                 for c in ingested.counts.values())
            std = cache.persist(ingested.std)
            report.count_flags(*flag_counts(std))
        work = SparkWorkDB(spark)
        std.createOrReplaceTempView(work_sql.STD_TABLE)
        work_sql.create_input(work, spec.blocking_rules(), spec.shared_values)
        model, pairs, term_frequencies = train_and_score(
            work, spec, model, "no model given (--model)", report, stages
        )

        with stages.stage("cluster"):
            ids = std.select(
                "record_key", "source", "date_of_birth", "national_id", "tax_id",  # clustering's identifiers
                "email_key", "email_local_digits", "family",  # ... and its second sign-ups
            ).toArrow()
            clustered = cluster_pairs(ids, pairs, spec, constraints, run_id, previous_xref=previous_run.xref,
                                      sides=sides)
            clustered.report_to(report)

        now = database.now()
        with stages.stage("golden"):
            built = spark_golden.build(
                spark, std, clustered.result.assignment, rules.attributes(),
                run_id=run_id, now=now, previous=previous_run,
            )
            report.golden_records = built.counts.get("active", 0)
            report.golden_changes = {k: v for k, v in built.counts.items() if k != "active"}

        with stages.stage("write"):
            from pyspark.sql import functions as F

            # An earlier run's report in ``out`` would mark the tables this run overwrites as
            # complete until its own is written: a write that fails or is killed before then left
            # this run's tables beside that run's report, and `mdm load` published the mix.
            cache.delete(spark, f"{out}/{REPORT}")
            loaded_at = F.lit(now).cast("timestamp_ntz")
            frames = {
                "source_records": ingested.source_records.select(
                    "*", F.lit(run_id).alias("run_id"), loaded_at.alias("loaded_at")),
                "std_records": std,
                "quarantine": ingested.quarantine.select(F.lit(run_id).alias("run_id"), "*"),
                "pairs": _frame(spark, clustered.pairs, "pairs"),
                "review_queue": _frame(spark, clustered.review, "review_queue"),
                "xref": built.xref,
                "golden_records": built.golden,
                "golden_lineage": built.lineage,
                "golden_history": built.history,
                "xref_departed": _frame(spark, built.departed, "xref_departed"),
                "term_frequencies": _frame(spark, term_frequencies, "term_frequencies"),
            }
            for name, frame in frames.items():
                columns = [c for c in SCHEMAS[name].names if c != "document"]
                frame.select(*columns).write.mode("overwrite").parquet(f"{out}/{name}")
            _write_text(spark, f"{out}/{MODEL}", model_json(model))
            report.status = "succeeded"
            summary = {
                "run_id": run_id, "engine": "spark", "status": report.status,
                "started_at": timestamp_text(started_at), "finished_at": timestamp_text(database.now()),
                "sources_path": str(sources.path.resolve()), "sources_config": sources_to_json(sources),
                "rules_path": str(rules_path or "default"), "model_id": model.model_id,
                "retrained": report.retrained, "counts": report.counts(), "run_report": report.run_report(),
                "stage_seconds": report.stage_seconds,
                # What the run took from the API; ``mdm load`` replays what came later.
                "posted_through": posted.through if posted else None,
                # The keys of the posts it left out as outdated; ``mdm load`` drops those posts.
                "outdated_posts": [list(k) for k in ingested.outdated],
                # The decisions it honoured; ``mdm load`` applies the others (mdm/late_decisions.py).
                "decision_ids": sorted({c[3] for c in constraints}),
                # Of those, the ones binding records of its and those binding none (mdm/lapsed_decisions.py).
                "decisions_binding": clustered.binding, "decisions_lapsing": clustered.lapsing,
            }
        _write_text(spark, f"{out}/{REPORT}", json.dumps(summary, default=str))
        return report


def _frame(spark: Any, table: pa.Table, name: str) -> Any:
    """A driver-side Arrow table as a DataFrame (typed even when empty)."""
    schema = SCHEMAS[name]
    return spark.createDataFrame(table.select(schema.names).cast(schema), schema=spark_schema(schema))


def _write_text(spark: Any, path: str, text: str) -> None:
    spark.createDataFrame([(text,)], "value string").coalesce(1).write.mode("overwrite").text(path)

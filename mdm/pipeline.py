"""The batch reconciliation run: read → standardise → train/load model → predict → cluster →
golden records → publish, each stage timed and counted.

A run is atomic: everything is computed first (Splink works in an in-memory database), then
published in one transaction. If anything fails, the run is recorded as failed and the
previous golden records, xref and queue stay exactly as they were.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from matching_rules import (
    DEFAULT_RULES,
    MatchingSpec,
    RulesError,
    RulesSpec,
    load_rules,
    matching_fingerprint,
)
from mdm import (
    carry_decisions,
    clustering,
    golden,
    lapsed_decisions,
    late_decisions,
    late_deletions,
    late_erasures,
    regroup,
    removals,
)
from mdm.cancel import Cancellation
from mdm.errors import ConfigError, MDMError, RemovalsRefusedError, RunFailedError, RunInterruptedError
from mdm.gc_pause import gc_paused
from mdm.ingest import Ingested, Quarantined, SourceCounts, carry_forward, ingest, merge_posted
from mdm.linking import model as linking
from mdm.linking.comparisons import AgreementGuard, agreement_guards, blocking_guard
from mdm.quality import FlagCounts, flag_counts
from mdm.sources import SourcesConfig, load_sources, sources_to_json
from mdm.standardise.batch import standardise_chunks
from mdm.store import database, models, records, results, runs
from mdm.store import overrides as overrides_sql
from mdm.store import stewardship as steward_sql
from mdm.store import work as work_sql
from mdm.store.tables import SCHEMAS, to_arrow
from mdm.survivorship import unknown_sources

logger = logging.getLogger(__name__)

Progress = Callable[[str, str], None]


@dataclass
class RunReport:
    run_id: str
    status: str = "running"
    sources: dict[str, SourceCounts] = field(default_factory=dict)
    records: int = 0
    pairs_scored: int = 0
    auto_links: int = 0
    kept_links: int = 0
    source_links: int = 0
    blocked_links: int = 0
    source_refused: int = 0
    source_structure: dict[str, float] | None = None
    review_items: int = 0
    golden_records: int = 0
    golden_changes: dict[str, int] = field(default_factory=dict)
    posted_unknown_source: int = 0
    quality: FlagCounts = field(default_factory=dict)  # source -> data-quality flag -> records
    decisions_applied: int = 0
    lapsed: lapsed_decisions.Lapsed = field(default_factory=lapsed_decisions.Lapsed)  # said as it published
    decisions_carried: list[dict[str, str]] = field(default_factory=list)  # carry_decisions.Carried.as_dict
    kept_together: list[dict[str, Any]] = field(default_factory=list)  # carry_decisions.KeptTogether.as_dict
    conflicts: list[dict[str, Any]] = field(default_factory=list)
    removals_refused: str | None = None  # a dry run's: why a real run would stop (mdm/removals.py)
    late_decisions: list[str] = field(default_factory=list)  # made while it computed (mdm/late_decisions.py)
    late_undos: list[str] = field(default_factory=list)  # decisions it read in force, undone meanwhile
    moved_late: dict[str, str] = field(default_factory=dict)  # record key -> golden id, by those
    merged_late: set[str] = field(default_factory=set)  # golden ids the replay's posts go back into
    # Erasures made while it computed (mdm/late_erasures.py)
    erased_late: late_erasures.LateErasures = field(default_factory=late_erasures.LateErasures)
    deleted_late: list[str] = field(default_factory=list)  # keys deleted meanwhile (mdm/late_deletions.py)
    inputs_read_at: dt.datetime | None = None
    model_id: str | None = None
    retrained: bool = False
    train_reason: str | None = None
    stage_seconds: dict[str, float] = field(default_factory=dict)

    def count_removed(self, found: list[removals.Removal]) -> None:
        for r in found:
            self.sources.setdefault(r.source, SourceCounts()).removed = r.removed

    def count_flags(self, quality: FlagCounts, flagged: dict[str, int]) -> None:
        self.quality = quality
        for source, n in flagged.items():
            if source in self.sources:
                self.sources[source].flagged = n

    def run_report(self) -> dict[str, Any]:
        """What changed against the previous run, for stewards and downstream systems."""
        return {
            "golden": self.golden_changes,
            "decisions_applied": self.decisions_applied,
            **self.lapsed.report(),
            "decisions_carried": self.decisions_carried,
            "kept_together": self.kept_together,
            "conflicts": self.conflicts,
            "source_structure": self.source_structure,
            "removals_refused": self.removals_refused,
            "late_decisions": self.late_decisions,
            "late_undos": self.late_undos,
            "merged_late": sorted(self.merged_late),
            "late_erasures": self.erased_late.erasure_ids,
            "late_deletions": self.deleted_late,
        }

    def counts(self) -> dict[str, Any]:
        return {
            "sources": {k: vars(v) for k, v in self.sources.items()},
            "records": self.records,
            "posted_unknown_source": self.posted_unknown_source,
            "quality": self.quality,
            "pairs_scored": self.pairs_scored,
            "auto_links": self.auto_links,
            "kept_links": self.kept_links,
            "source_links": self.source_links,
            "blocked_links": self.blocked_links,
            "source_refused": self.source_refused,
            "review_items": self.review_items,
            "golden_records": self.golden_records,
            "golden_changes": self.golden_changes,
            "decisions_applied": self.decisions_applied,
            "decisions_lapsed": len(self.lapsed.decisions),
            "overrides_lapsed": len(self.lapsed.overrides),
            "conflicts": len(self.conflicts),
            "train_reason": self.train_reason,
        }


@dataclass
class PublishHooks:
    """How a run's publish fits a live service: what to build from the run's standardised
    records and xref before taking the writer's lock (``prepare``); the lock, held while the
    results are swapped in; what to do with the prepared value as the publish commits
    (``swap``, holding what ``commit_under`` gives, as :func:`database.transaction` says); and
    what to do after, the lock released (``after``)."""

    lock: AbstractContextManager[Any] = field(default_factory=nullcontext)
    prepare: Callable[[pa.Table, pa.Table], Any] = lambda std, xref: None
    commit_under: Callable[[], AbstractContextManager[Any]] = nullcontext
    swap: Callable[[RunReport, Any], None] = lambda report, prepared: None
    after: Callable[[RunReport], None] = lambda report: None
    replays: bool = False  # ``after`` replays what was posted meanwhile; the report keeps from when


def new_run_id() -> str:
    return f"run-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:6]}"


def review_item_id(record_key_l: str, record_key_r: str) -> str:
    """Stable per pair, so a pair seen again in a later run is the same item."""
    digest = hashlib.sha256(f"{record_key_l}\x1f{record_key_r}".encode()).hexdigest()
    return "Q" + digest[:15].upper()


def load_rules_checked(rules_path: Path | None) -> RulesSpec:
    """The rules file, with its errors as the ConfigError the CLI and API report."""
    try:
        return load_rules(rules_path)
    except RulesError as e:
        raise ConfigError(str(e)) from e


def rules_for_sources(rules_path: Path | None, sources: SourcesConfig) -> RulesSpec:
    """The rules file, checked against the sources a run reads (a source_order's names)."""
    rules = load_rules_checked(rules_path)
    wrong = unknown_sources(rules.attributes(), [s.name for s in sources.sources])
    if wrong:
        raise ConfigError(f"{rules_path or DEFAULT_RULES}: {wrong}")
    return rules


class Stages:
    """Times each stage and reports it to the caller's progress callback (both engines); a
    cancelled run stops as the next stage would start."""

    def __init__(self, report: RunReport, progress: Progress | None,
                 cancellation: Cancellation | None = None) -> None:
        self.report = report
        self.progress = progress or (lambda stage, msg: None)
        self.cancellation = cancellation or Cancellation()

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        self.cancellation.check()
        self.progress(name, "started")
        start = time.perf_counter()
        yield
        seconds = time.perf_counter() - start
        self.report.stage_seconds[name] = round(seconds, 3)
        self.progress(name, f"done in {seconds:.2f}s")
        logger.info("run %s: %s took %.2fs", self.report.run_id, name, seconds)


def _standardise(
    ingested: Ingested, today: dt.date, run_id: str, cancellation: Cancellation
) -> tuple[pa.Table, pa.Table]:
    """The std_records and source_records tables; a record whose standardisation fails is
    quarantined, not lost. A cancelled run stops within a chunk's time (the stage: 40-60 s at 1M
    records)."""
    std_parts, raw_parts = [], []
    records = ingested.accepted
    loaded_at, loaded_field = database.now(), SCHEMAS["source_records"].field("loaded_at")
    for chunk in standardise_chunks(records, today, cancellation=cancellation):
        for i, raw_text, error in chunk.failed:
            rec = records[i]
            ingested.quarantined.append(Quarantined(rec.source.name, rec.row_number, rec.source_id, error, raw_text))
            counts = ingested.counts[rec.source.name]
            counts.accepted -= 1
            counts.quarantined += 1
        n = chunk.raw.num_rows
        raw = chunk.raw.append_column("run_id", pa.array([run_id] * n, pa.string()))
        raw = raw.append_column(loaded_field, pa.array([loaded_at] * n, loaded_field.type))
        std_parts.append(chunk.std)
        raw_parts.append(raw)
    # The raw values live on as JSON: let the parsed copies go.
    ingested.accepted = []
    return (
        pa.concat_tables(std_parts) if std_parts else SCHEMAS["std_records"].empty_table(),
        pa.concat_tables(raw_parts) if raw_parts else SCHEMAS["source_records"].empty_table(),
    )


def _choose_model(
    con: duckdb.DuckDBPyConnection, rules: RulesSpec, retrain: bool
) -> tuple[linking.Model | None, str | None]:
    """The stored model to reuse, or None and the reason to train a new one."""
    if retrain:
        return None, "asked to retrain"
    stored = models.latest_model(con)
    if stored is None:
        return None, "no model in this database yet"
    if stored["fingerprint"] != matching_fingerprint(rules.matching):
        return None, "the matching rules changed since the stored model was trained"
    if linking.levels_changed(stored["settings"], rules.matching):
        return None, "this version compares records differently from the one that trained the stored model"
    return linking.Model(stored["model_id"], stored["fingerprint"], stored["settings"]), None


def reconcile(
    sources_path: str | Path,
    db_path: str | Path,
    *,
    rules_path: str | Path | None = None,
    retrain: bool = False,
    accept_removals: bool = False,
    dry_run: bool = False,
    progress: Progress | None = None,
    today: dt.date | None = None,
    con: duckdb.DuckDBPyConnection | None = None,
    run_id: str | None = None,
    publish: PublishHooks | None = None,
    cancellation: Cancellation | None = None,
) -> RunReport:
    """Run a full batch reconciliation and publish it atomically. Raises MDMError subclasses.

    ``accept_removals`` lets the run remove more of a source's records than the source's
    ``max_removed_share`` allows (mdm/removals.py). ``dry_run`` computes everything and publishes
    nothing (the run is recorded as previewed, with its counts and report). ``run_id`` names a
    run the caller already recorded as running (the service does, so the run is visible before
    it starts); ``publish`` lets the service serialise the swap with its own writes;
    ``cancellation`` lets it cancel the run until it publishes (RunCancelledError).
    """
    sources: SourcesConfig = load_sources(sources_path)
    rules = rules_for_sources(Path(rules_path) if rules_path else None, sources)
    own_con = con is None
    con = con or database.connect(db_path)
    report = RunReport(run_id=run_id or new_run_id())
    cancellation = cancellation or Cancellation()
    try:
        try:  # the run's bookkeeping too: a full disk can fail its first write
            if run_id is None:
                runs.fail_interrupted_runs(con)
                runs.start_run(con, report.run_id, "batch", str(sources.path.resolve()),
                               str(rules_path or "default"))
            runs.record_sources(con, report.run_id, str(sources.path.resolve()), sources_to_json(sources))
            _run(
                con, sources, rules, report, retrain=retrain, accept_removals=accept_removals,
                dry_run=dry_run, progress=progress, today=today or dt.date.today(),
                publish=publish or PublishHooks(), cancellation=cancellation,
            )
        except BaseException as e:
            # A cancel interrupts the run's statements as Ctrl-C does: it is said as a cancel.
            cancelled = cancellation.error() if isinstance(e, Exception) else None
            stopped = isinstance(cancelled, RunInterruptedError) or (cancelled is None and _interrupted(e))
            if stopped:
                cancelled = None
            if cancelled is not None:
                message = str(cancelled)
            elif stopped:
                message = "interrupted (Ctrl-C or SIGINT)"
            else:
                message = str(e) if isinstance(e, MDMError) else f"{type(e).__name__}: {e}"
            # Stopped on purpose, by the service or at the terminal: cancelled, not failed.
            report.status = "cancelled" if cancelled is not None or stopped else "failed"
            # The file may not be writable (a full disk; DuckDB may have given the database up):
            # then the next process to open it records the run as failed.
            with suppress(duckdb.Error):
                runs.fail_run(con, report.run_id, message, report.stage_seconds,
                              cancelled=report.status == "cancelled")
            if cancelled is not None and e is not cancelled:  # an interrupted statement's error
                raise cancelled from e
            if stopped:
                raise RunInterruptedError(f"run {report.run_id} was {message}; the previous results are"
                                          " unchanged") from e
            if isinstance(e, Exception) and not isinstance(e, MDMError):
                raise RunFailedError(f"run {report.run_id} failed: {message}") from e
            raise
        report.status = "previewed" if dry_run else "succeeded"
        # The run row was written inside the write stage; record that stage's time too.
        runs.set_stage_seconds(con, report.run_id, report.stage_seconds)
        return report
    finally:
        if own_con:
            con.close()


def _interrupted(e: BaseException | None) -> bool:
    """Ctrl-C: Python's KeyboardInterrupt or, inside a query, DuckDB's interruption (an
    InterruptException, or a RuntimeError "Query interrupted" from a result being fetched),
    which a stage may have wrapped in its own error (training and scoring do)."""
    while e is not None:
        if isinstance(e, KeyboardInterrupt | duckdb.InterruptException) or str(e) == "Query interrupted":
            return True
        e = e.__cause__ or e.__context__
    return False


def _run(
    con: duckdb.DuckDBPyConnection,
    sources: SourcesConfig,
    rules: RulesSpec,
    report: RunReport,
    *,
    retrain: bool,
    accept_removals: bool,
    dry_run: bool,
    progress: Progress | None,
    today: dt.date,
    publish: PublishHooks,
    cancellation: Cancellation,
) -> None:
    with results.Staging(con) as staging, cancellation.watching(con):
        _stages(con, sources, rules, report, staging, retrain=retrain, accept_removals=accept_removals,
                dry_run=dry_run, progress=progress, today=today, publish=publish, cancellation=cancellation)


def _stages(
    con: duckdb.DuckDBPyConnection,
    sources: SourcesConfig,
    rules: RulesSpec,
    report: RunReport,
    staging: results.Staging,
    *,
    retrain: bool,
    accept_removals: bool,
    dry_run: bool,
    progress: Progress | None,
    today: dt.date,
    publish: PublishHooks,
    cancellation: Cancellation,
) -> None:
    stages = Stages(report, progress, cancellation)
    spec = rules.matching
    run_id = report.run_id

    with gc_paused(), stages.stage("read"):
        report.inputs_read_at = database.now()
        ingested = ingest(sources.sources, cancellation)
        posted = [(source, source_id, raw) for source, source_id, raw, _by in records.posted_records(con)]
        deleted = [(source, source_id) for source, source_id, _by in records.deleted_records(con)]
        if changes := [s.name for s in sources.sources if s.extract == "changes"]:
            carry_forward(ingested, sources.sources, results.stored_records(con, changes),
                          {(source, source_id) for source, source_id, _raw in posted})
        report.posted_unknown_source = merge_posted(ingested, sources.sources, posted, deleted, today=today)
    with gc_paused(), stages.stage("standardise"):
        std_table, source_records = _standardise(ingested, today, run_id, cancellation)
        report.sources = ingested.counts
        report.records = std_table.num_rows
        report.count_flags(*flag_counts(std_table))
        staging.put("source_records", source_records)
        del source_records
        found = removals.removals(results.removed_by_source(con, staging.table("source_records")), sources)
        report.count_removed(found)
        if not accept_removals and any(r.refused for r in found):
            # Said with how many steward decisions accepting them would lapse: read for such a run alone.
            report.removals_refused = removals.refusal(found, sources, _lapsing(con, std_table))
            if not dry_run:
                raise RemovalsRefusedError(report.removals_refused)

    with work_sql.work_database() as work, cancellation.watching(work.con):
        work_sql.load_std_records(work, std_table, spec.blocking_rules(), spec.shared_values)
        model, reason = _choose_model(con, rules, retrain)
        model, pairs, term_frequencies = train_and_score(work, spec, model, reason, report, stages)

    with gc_paused(), stages.stage("cluster"):
        previous_xref = results.previous_xref(con)
        cancellation.check()  # a dict of every published record: a second at a million
        constraints = steward_sql.active_constraints(con)
        read_in_force = {d for *_x, d in constraints}
        clustered = cluster_pairs(
            std_table, pairs, spec, constraints, run_id, previous_xref=previous_xref,
            sides=steward_sql.decision_sides(con, read_in_force), cancellation=cancellation,
        )
        clustered.report_to(report)
        result, review = clustered.result, clustered.review
        staging.put("pairs", clustered.pairs)
        del pairs

    with gc_paused(), stages.stage("golden"):
        overrides_read_at = database.now()
        held = regroup.held_overrides(con)
        returning = records.departed_to(con)
        previous = {
            row[0]: golden.PreviousGolden(*row)
            for row in results.previous_golden(con, set(returning.values()))
        }
        cancellation.check()  # every published golden record read: seconds at a million
        build = golden.build_golden(
            std_table,
            result.assignment,
            rules.attributes(),
            run_id=run_id,
            now=database.now(),
            previous_xref=previous_xref,
            previous=previous,
            returning=returning,
            overrides=held,
            cancellation=cancellation,
        )
        report.golden_records = build.counts.get("active", 0)
        report.golden_changes = {k: v for k, v in build.counts.items() if k != "active"}

    if dry_run:  # what a publish would mark lapsed, and bind again, said and not marked
        report.lapsed = lapsed_decisions.preview(con, run_id=run_id, lapsing=clustered.lapsing,
                                                 binds=clustered.binding, config=sources,
                                                 history=build.history, held=std_table["record_key"],
                                                 posted_since=report.inputs_read_at,
                                                 carried=clustered.carried_constraints)
        runs.finish_run(con, run_id, model_id=model.model_id, retrained=report.retrained,
                        counts=report.counts(), stage_seconds=report.stage_seconds,
                        report=report.run_report(), status="previewed")
        return

    with stages.stage("write"):
        quarantine_rows = [
            {"run_id": run_id, "source": q.source, "row_number": q.row_number, "source_id": q.source_id,
             "reason": q.reason, "raw": q.raw}
            for q in ingested.quarantined
        ]
        staging.hold("std_records", std_table)
        staging.hold("quarantine", to_arrow("quarantine", quarantine_rows))
        staging.hold("term_frequencies", term_frequencies)
        staging.hold("xref", build.xref)
        staging.hold("golden_lineage", build.lineage)
        staging.hold("golden_records", build.golden)
        staging.hold("review_queue", review)

        def finish(c: duckdb.DuckDBPyConnection) -> None:
            attributes = rules.attributes()
            steward_sql.add_history_table(c, build.history)
            steward_sql.add_carried(c, clustered.carried_constraints)
            steward_sql.insert_kept_together(c, report.kept_together, database.now())
            # What stewards decided or undid after the run read the decisions (by id: no clock).
            report.moved_late, report.late_undos = late_decisions.undo_late(
                c, steward_sql.undone_among(c, read_in_force), attributes=attributes, at=database.now())
            moved, report.late_decisions, report.merged_late = late_decisions.apply_late(
                c, steward_sql.decisions_in_force(c, besides=read_in_force), attributes=attributes,
                at=database.now())
            report.moved_late.update(moved)
            overrides_sql.move(c, build.override_moves)
            # Posts a later file row outdated: the next extract may lack the key (mdm.ingest.merge_posted).
            records.drop_outdated_posts(c, ingested.outdated)
            # A steward set or removed one while the run computed: the results lack it.
            late = overrides_sql.changed_after(c, overrides_read_at)
            regroup.reapply_overrides(c, late, attributes=attributes, at=database.now(), cause="run",
                                      cause_id=run_id)
            # Records deleted while it computed leave it, as their deletions left the state before.
            report.deleted_late = late_deletions.delete_late(c, attributes=attributes, at=database.now(),
                                                             run_id=run_id)
            # Last: an erasure made while the run computed wins over everything it published.
            report.erased_late = late_erasures.erase_late(c, attributes=attributes, at=database.now(),
                                                          run_id=run_id)
            # What binds is what it publishes: a deletion meanwhile marked the decisions it lapsed.
            report.lapsed = lapsed_decisions.note(c, run_id=run_id, lapsing=clustered.lapsing,
                                                  binds=clustered.binding, config=sources,
                                                  posted_since=report.inputs_read_at)
            if report.retrained:
                models.save_model(
                    c, model.model_id, run_id=run_id, fingerprint=model.fingerprint,
                    trained_on_records=report.records, settings=model.settings,
                )
            run_report = report.run_report()
            if publish.replays and report.inputs_read_at is not None:  # a start after a kill goes on
                run_report["replay_from"] = report.inputs_read_at.isoformat()
            runs.finish_run(
                c, run_id, model_id=model.model_id, retrained=report.retrained,
                counts=report.counts(), stage_seconds=report.stage_seconds, report=run_report,
            )

        prepared = publish.prepare(std_table, build.xref)
        results.prefill(con, staging)
        cancellation.publishing()
        with publish.lock:
            late_deletions.keep_before(con, staging.table("xref"), report.inputs_read_at)
            results.publish_run(con, staging, finish, commit_under=publish.commit_under(),
                                then=lambda: publish.swap(report, prepared))
        publish.after(report)


def train_and_score(
    work: work_sql.WorkDB,
    spec: MatchingSpec,
    model: linking.Model | None,
    train_reason: str | None,
    report: RunReport,
    stages: Stages,
) -> tuple[linking.Model, pa.Table, pa.Table]:
    """Train a model when none is given, then score the blocked pairs: (model, pairs with the
    run id, term frequencies). Both engines link with this, each in its own work database."""
    if model is None and not report.records:
        raise RunFailedError(_nothing_to_link(report))
    with stages.stage("train"):
        linking.create_frequency_tables(work, spec)
        if model is None:
            model = linking.train(work, spec, model_id=f"model-{report.run_id}")
            report.retrained, report.train_reason = True, train_reason
        linking.anchor_to_holders(work, model, spec)
    report.model_id = model.model_id
    with stages.stage("predict"):
        pairs = linking.predict(work, model, spec)
        term_frequencies = work_sql.term_frequencies(work, linking.tf_columns(model.settings))
    report.pairs_scored = pairs.num_rows
    pairs = pairs.append_column("run_id", pa.array([report.run_id] * pairs.num_rows, pa.string()))
    return model, pairs, term_frequencies


def _nothing_to_link(report: RunReport) -> str:
    """Why a model cannot be trained: no source gave a usable row. Said with each source's counts,
    as the run publishes nothing (nor the quarantine that says why each row was refused)."""
    counts = "; ".join(f"{name}: {c.read:,} rows read, {c.quarantined:,} quarantined"
                       for name, c in report.sources.items())
    return f"no records to link: no source gave a usable row ({counts}); a model needs records to train on"


def _identifiers(std: pa.Table) -> dict[str, dict[str, str | None]]:
    """Each record's identifiers, as clustering compares them (dates as ISO text)."""
    dates = [d.isoformat() if d else None for d in std["date_of_birth"].to_pylist()]
    return {
        key: {"date_of_birth": dob, "national_id": nid, "tax_id": tax}
        for key, dob, nid, tax in zip(
            std["record_key"].to_pylist(), dates, std["national_id"].to_pylist(), std["tax_id"].to_pylist(),
            strict=True,
        )
    }


@dataclass
class Clustered:
    result: clustering.ClusterResult
    pairs: pa.Table  # the scored pairs, a kept link's outcome now "kept_link", a source link's "source_link"
    review: pa.Table
    auto_links: int
    decisions_applied: int  # those binding: naming two records of the run, as carried
    binding: list[str]  # their ids
    lapsing: list[str]  # the decisions in force binding nothing: none of their records is left
    conflicts: list[dict[str, Any]]
    structure: clustering.SourceStructure | None = None
    carried: list[carry_decisions.Carried] = field(default_factory=list)
    kept_together: list[carry_decisions.KeptTogether] = field(default_factory=list)

    @property
    def carried_constraints(self) -> list[tuple[str, str, str, str]]:
        """The constraints the publish stores (and judges what binds by), as a dry run previews it."""
        return [c.constraint for c in self.carried]

    @property
    def kept_links(self) -> int:
        """Kept links that held their records together (``_kept_links``)."""
        return len(self.result.joined)

    def report_to(self, report: RunReport) -> None:
        report.auto_links = self.auto_links
        report.kept_links = self.kept_links
        report.source_links = len(self.result.weak_joined)
        report.blocked_links = len(self.result.blocked_links)
        report.source_refused = len(self.result.source_refused)
        report.source_structure = None if self.structure is None else self.structure.report()
        report.decisions_applied = self.decisions_applied
        report.decisions_carried = [c.as_dict() for c in self.carried]
        report.kept_together = [k.as_dict() for k in self.kept_together]
        report.conflicts = self.conflicts
        report.review_items = self.review.num_rows


def cluster_pairs(
    std: pa.Table,
    pairs: pa.Table,
    spec: MatchingSpec,
    constraints: list[tuple[str, str, str, str]],
    run_id: str,
    *,
    previous_xref: Mapping[str, str] | None = None,
    sides: Mapping[str, Sequence[Sequence[str]]] | None = None,
    cancellation: Cancellation | None = None,
) -> Clustered:
    """Cluster the records of ``std`` (record_key, source, the identifier, e-mail and family
    columns suffice) by the automatic links and the kept links under the steward decisions, and
    queue what is left uncertain. Both engines (DuckDB, Spark) cluster with this. A decision
    naming a record the run no longer has is carried to a stand-in (mdm/carry_decisions.py;
    ``sides``: each decision's groups of records before it). A cancelled run stops within a
    step (RunCancelledError): each is a pass over the records or the scored pairs, under a
    second at a million records, the clustering's edges looked at as they are taken."""
    check = (cancellation or Cancellation()).check
    identifiers = _identifiers(std)
    carried = _carried(constraints, identifiers.keys(), previous_xref or {}, sides or {})
    constraints = [*constraints, *(c.constraint for c in carried)]
    check()
    auto = _edges(pairs.filter(pc.equal(pairs["outcome"], "auto_link")))
    check()
    linkable = _linkable_review(pairs, spec)
    kept = _edges(_kept_links(linkable, previous_xref or {}))
    structure, source_of = None, None
    if spec.clustering.source_structure:
        check()
        source_of = dict(zip(std["record_key"].to_pylist(), std["source"].to_pylist(), strict=True))
        structure = clustering.estimate_source_structure(
            list(identifiers), auto, source_of, link_probability=spec.thresholds.auto_link,
            cancellation=cancellation,
        )
    must_link = [(l, r, [k for side in (sides or {}).get(d, ()) for k in side])
                 for kind, l, r, d in constraints if kind == "must_link"]
    cannot_link = [(l, r) for kind, l, r, _d in constraints if kind == "cannot_link"]
    check()
    published = _held_together(auto, previous_xref or {})
    check()
    mailboxes = _mailboxes(std) if structure is not None else None
    check()
    result = clustering.cluster(
        list(identifiers),
        auto + (_edges(linkable) if structure is not None else kept),
        identifiers=identifiers,
        cannot_link_when_different=spec.clustering.cannot_link_when_different,
        seen_conflict_min_weight=spec.clustering.seen_conflict_min_weight,
        must_link=must_link,
        cannot_link=cannot_link,
        watch={(l, r) for l, r, _p in kept},
        published=published,
        structure=structure,
        source_of=source_of,
        mailboxes=mailboxes,
        cancellation=cancellation,
    )
    check()
    kept_together = _keep_together(result, previous_xref or {}, identifiers, cannot_link,
                                   spec.clustering.cannot_link_when_different, run_id)
    check()
    pairs = _mark_links(pairs, result.joined, result.weak_joined)
    decided = {tuple(sorted((l, r))) for _k, l, r, _d in constraints}
    check()
    review = _review_items(pairs, result, run_id, decided, spec)
    binding, lapsing = lapsed_decisions.binding(constraints, identifiers.keys())
    return Clustered(
        result=result,
        pairs=pairs,
        review=review,
        auto_links=len(auto),
        decisions_applied=len(binding),
        binding=sorted(binding),
        lapsing=sorted(lapsing),
        conflicts=_conflicts(pairs, constraints),
        structure=structure,
        carried=carried,
        kept_together=kept_together,
    )


def _keep_together(
    result: clustering.ClusterResult,
    previous_xref: Mapping[str, str],
    identifiers: Mapping[str, Mapping[str, str | None]],
    cannot_link: Sequence[tuple[str, str]],
    fields: Sequence[str],
    run_id: str,
) -> list[carry_decisions.KeptTogether]:
    """The records of a published golden record that lost a record since (gone from its extract)
    and that this run put in several clusters with no join between them refused, no steward's
    cannot-link and no identifier that disagrees: joined again (``result``'s assignment is
    changed), each golden record with a decision of kind kept_together (mdm/carry_decisions.py)."""
    assignment = result.assignment
    gone: dict[str, list[str]] = {}
    for key, gid in previous_xref.items():
        if key not in assignment:
            gone.setdefault(gid, []).append(key)
    if not gone:
        return []
    members: dict[str, list[str]] = {}
    for key, gid in previous_xref.items():
        if gid in gone and key in assignment:
            members.setdefault(gid, []).append(key)
    split = {gid: keys for gid, keys in members.items() if len({assignment[k] for k in keys}) > 1}
    if not split:
        return []
    clusters: dict[int, list[str]] = {}
    for key, c in assignment.items():
        clusters.setdefault(c, []).append(key)
    against: dict[str, set[str]] = {}
    for a, b in [*result.refused, *cannot_link]:
        against.setdefault(a, set()).add(b)
        against.setdefault(b, set()).add(a)
    out = []
    for gid, keys in sorted(split.items()):
        numbers = sorted({assignment[k] for k in keys})
        groups = [clusters[c] for c in numbers]
        if any(_kept_apart(groups[i], groups[j], against, identifiers, fields)
               for i in range(len(groups)) for j in range(i + 1, len(groups))):
            continue
        parts = sorted(([k for k in keys if assignment[k] == c] for c in numbers),
                       key=lambda p: (-len(p), min(p)))
        kept = carry_decisions.kept_together(gid, parts, min(gone[gid]), f"run {run_id}")
        if kept is None:
            continue
        for c in numbers[1:]:
            for key in clusters.pop(c):
                assignment[key] = numbers[0]
                clusters[numbers[0]].append(key)
        out.append(kept)
    return out


def _kept_apart(
    a: list[str], b: list[str], against: Mapping[str, set[str]],
    identifiers: Mapping[str, Mapping[str, str | None]],
    fields: Sequence[str],
) -> bool:
    """Whether this run keeps clusters ``a`` and ``b`` apart: a join between them was refused, a
    steward's cannot-link separates them, or they hold identifiers that disagree."""
    inside = set(b)
    if any(against.get(k, set()) & inside for k in a):
        return True

    def held(keys: list[str]) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for key in keys:
            for f in fields:
                if value := identifiers[key].get(f):
                    out.setdefault(f, set()).add(value)
        return out

    return clustering.conflicting_identifier(held(a), held(b), fields) is not None


def _lapsing(con: duckdb.DuckDBPyConnection, std: pa.Table) -> int:
    """How many steward decisions a run of the records of ``std`` would mark lapsed, found as its
    cluster stage finds them (reading the published xref, as that stage does)."""
    constraints = steward_sql.active_constraints(con)
    present = set(std["record_key"].to_pylist())
    sides = steward_sql.decision_sides(con, {d for *_x, d in constraints})
    carried = _carried(constraints, present, results.previous_xref(con), sides)
    _binding, lapsing = lapsed_decisions.binding([*constraints, *(c.constraint for c in carried)], present)
    return len(steward_sql.bound_among(con, lapsing))


def _carried(
    constraints: Sequence[tuple[str, str, str, str]],
    present: Collection[str],
    previous_xref: Mapping[str, str],
    sides: Mapping[str, Sequence[Sequence[str]]],
) -> list[carry_decisions.Carried]:
    """The decisions naming records this run does not have, carried to records it has of the
    same golden records (the published results say which those were)."""
    gone = {k for _kind, left, right, _d in constraints for k in (left, right) if k not in present}
    if not gone:
        return []
    wanted = {previous_xref[k] for k in gone if k in previous_xref}
    members: dict[str, list[str]] = {g: [] for g in wanted}
    for key, gid in previous_xref.items():
        if gid in wanted and key in present:
            members[gid].append(key)
    return carry_decisions.carry(
        constraints, gone=gone, golden_of=previous_xref, members_of=lambda g: members.get(g, []), sides=sides
    )


def _mailboxes(std: pa.Table) -> dict[str, clustering.Mailbox]:
    """The records' personal mailboxes; the many records without one are left out."""
    keys, *columns = (std[c].to_pylist() for c in ("record_key", "email_key", "email_local_digits", "family"))
    found = ((key, clustering.mailbox(*values)) for key, *values in zip(keys, *columns, strict=True))
    return {key: box for key, box in found if box is not None}


def _held_together(
    edges: list[tuple[str, str, float]], previous_xref: Mapping[str, str]
) -> set[tuple[str, str]]:
    """The automatic links whose two records the published results hold in one golden record:
    like a kept link, such a link stays unless it falls below the review threshold, a steward's
    decision or a contradicting identifier parts them (not the source structure)."""
    return {(l, r) for l, r, _p in edges
            if (golden_l := previous_xref.get(l)) is not None and golden_l == previous_xref.get(r)}


def _edges(pairs: pa.Table) -> list[tuple[str, str, float]]:
    """Clustering's edges from scored pairs: (record_l, record_r, probability)."""
    return list(zip(
        pairs["record_key_l"].to_pylist(), pairs["record_key_r"].to_pylist(), pairs["match_probability"].to_pylist(),
        strict=True,
    ))


def _guarded_by(guards: list[AgreementGuard], explanation: str) -> str | None:
    """The comparison whose guard keeps a scored pair (its ``explanation``) from linking, if any."""
    return blocking_guard(guards, {c: v["gamma"] for c, v in json.loads(explanation).items()})


def _linkable_review(pairs: pa.Table, spec: MatchingSpec) -> pa.Table:
    """Pairs in the review band whose names the guards let link."""
    review = pairs.filter(pc.equal(pairs["outcome"], "review"))
    guards = agreement_guards(spec)
    keep = [_guarded_by(guards, explanation) is None for explanation in review["explanation"].to_pylist()]
    return review.filter(pa.array(keep, pa.bool_()))


def _kept_links(linkable: pa.Table, previous_xref: Mapping[str, str]) -> pa.Table:
    """Pairs of the review band the guards let link (``_linkable_review``) whose two records
    the published results hold in one golden record. A link stays while its evidence stays
    above the review threshold: a customer's golden id should not come and go as new data
    moves a pair a little either side of the automatic threshold (downstream systems keep
    these ids). A pair that falls below the review threshold, a steward's decision, or a
    contradicting identifier still separates the records."""
    if not previous_xref:
        return linkable.slice(0, 0)
    keep = [
        golden_l is not None and golden_l == previous_xref.get(r)
        for golden_l, r in zip(
            (previous_xref.get(l) for l in linkable["record_key_l"].to_pylist()),
            linkable["record_key_r"].to_pylist(),
            strict=True,
        )
    ]
    return linkable.filter(pa.array(keep, pa.bool_()))


def _mark_links(pairs: pa.Table, kept: set[tuple[str, str]], by_sources: set[tuple[str, str]]) -> pa.Table:
    """``pairs`` with the outcome of each review-band pair that joined its records set to
    "kept_link" (``kept``) or "source_link" (``by_sources``: linked with the source structure)."""
    if not (kept or by_sources):
        return pairs
    outcome = [
        "kept_link" if (l, r) in kept else "source_link" if (l, r) in by_sources else o
        for l, r, o in zip(
            pairs["record_key_l"].to_pylist(), pairs["record_key_r"].to_pylist(), pairs["outcome"].to_pylist(), strict=True
        )
    ]
    return pairs.set_column(pairs.schema.get_field_index("outcome"), "outcome", pa.array(outcome, pa.string()))


def _conflicts(pairs: pa.Table, constraints: list[tuple[str, str, str, str]]) -> list[dict[str, Any]]:
    """Steward decisions the new evidence contradicts: kept apart, but the model is sure they
    match. The decision holds; the conflict is reported for a steward to look at again."""
    apart = {(l, r): d for kind, l, r, d in constraints if kind == "cannot_link"}
    if not apart:
        return []
    strong = pairs.filter(pc.equal(pairs["outcome"], "auto_link")).select(
        ["record_key_l", "record_key_r", "match_probability"]).to_pylist()
    return [
        {"kind": "cannot_link_scored_as_match", "decision_id": apart[(p["record_key_l"], p["record_key_r"])],
         "record_key_l": p["record_key_l"], "record_key_r": p["record_key_r"],
         "match_probability": p["match_probability"]}
        for p in strong
        if (p["record_key_l"], p["record_key_r"]) in apart
    ]


def _review_items(
    pairs: pa.Table, result: clustering.ClusterResult, run_id: str, decided: set[tuple[str, str]],
    spec: MatchingSpec,
) -> pa.Table:
    """Uncertain pairs, and strong links a guard or the clustering held back, that still
    separate two clusters and that no steward decision has settled; each with what held it
    back, if anything (a steward reads a 0.9999 pair differently once told)."""
    assignment = result.assignment
    left, right = pairs["record_key_l"].to_pylist(), pairs["record_key_r"].to_pylist()
    keep = [assignment[l] != assignment[r] and (l, r) not in decided for l, r in zip(left, right, strict=True)]
    kept = pairs.filter(pa.array(keep, pa.bool_()))
    n, schema = kept.num_rows, SCHEMAS["review_queue"]
    edges = list(zip(kept["record_key_l"].to_pylist(), kept["record_key_r"].to_pylist(), strict=True))
    guards, auto_link = agreement_guards(spec), spec.thresholds.auto_link

    def held_back_by(edge: tuple[str, str], probability: float, explanation: str) -> str | None:
        if edge in result.refused:
            return result.refused[edge]
        guard = _guarded_by(guards, explanation) if probability >= auto_link else None
        return f"{clustering.DISAGREEING}{guard}" if guard else None

    scored = zip(edges, kept["match_probability"].to_pylist(), kept["explanation"].to_pylist(), strict=True)
    columns = {
        "item_id": pa.array([review_item_id(l, r) for l, r in edges], pa.string()),
        "run_id": pa.array([run_id] * n, pa.string()),
        "status": pa.array(["open"] * n, pa.string()),
        "created_at": pa.array([database.now()] * n, schema.field("created_at").type),
        "held_back_by": pa.array([held_back_by(*pair) for pair in scored], pa.string()),
    }
    return pa.table([columns[f.name] if f.name in columns else kept[f.name] for f in schema], schema=schema)

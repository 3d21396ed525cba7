"""``mdm load``: serve a Spark run's output from a DuckDB file.

The Spark engine writes Parquet folders with the columns of the serving tables; loading them
is the publish step of a DuckDB run (one transaction, so a failed load changes nothing), after
which ``mdm serve`` answers from them. Golden-record documents are built here, in SQL.
A dry run does all of it and rolls the transaction back: what it reports is what a load would do.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from contextlib import suppress
from pathlib import Path
from typing import Any

import duckdb

from matching_rules import AttributeSpec, RulesSpec
from mdm import lapsed_decisions, late_decisions, late_deletions, late_erasures, regroup, removals
from mdm.errors import ConfigError, ConflictError, RemovalsRefusedError, RunFailedError
from mdm.pipeline import load_rules_checked
from mdm.sources import sources_from_json
from mdm.store import database, erasure, exports, models, records, results, runs
from mdm.store import stewardship as steward_sql
from mdm.store.tables import SCHEMAS

MODEL, REPORT = "model", "report"  # text folders of a Spark run's output (mdm/spark/engine.py)


def read_text_dataset(folder: Path) -> str:
    """The text a Spark run wrote as a one-line text dataset (``model``, ``report``)."""
    parts = sorted(folder.glob("part-*"))
    if not parts:
        raise ConfigError(f"{folder}: missing: not the output of a complete Spark run")
    return "".join(p.read_text(encoding="utf-8") for p in parts).strip()


def _rules(report: dict[str, Any], rules_path: Path | None) -> RulesSpec:
    """The survivorship rules given, else the run's."""
    if rules_path is None and report["rules_path"] != "default":
        rules_path = Path(report["rules_path"])
    return load_rules_checked(rules_path)


def _apply_decisions_not_taken(
    con: duckdb.DuckDBPyConnection, report: dict[str, Any], attributes: Mapping[str, AttributeSpec]
) -> None:
    """The decisions the run's input did not hold (made after `mdm export decisions`, or every
    one for a run given none), applied to what it loads, and those it held that a steward undid
    since, undone again, as a DuckDB run's publish does (mdm/late_decisions.py). An output that
    does not say which it held (written before it did) applies none."""
    taken = report.get("decision_ids")
    if taken is None:
        return
    _moved, undone = late_decisions.undo_late(con, steward_sql.undone_among(con, taken),
                                              attributes=attributes, at=database.now())
    if undone:
        report["run_report"]["late_undos"] = undone
    decisions = steward_sql.decisions_in_force(con, besides=set(taken))
    if decisions:
        _moved, applied, awaiting = late_decisions.apply_late(con, decisions, attributes=attributes,
                                                              at=database.now())
        report["run_report"].update(late_decisions=applied, merged_late=sorted(awaiting))


def _reapply_overrides(
    con: duckdb.DuckDBPyConnection, report: dict[str, Any], run_id: str,
    attributes: Mapping[str, AttributeSpec], before: dict[str, records.Served],
) -> None:
    """Spark computes without the stewards' overrides: the golden records holding one are rebuilt
    with it, by the survivorship rules' ``attributes``. One served as it was ``before`` the load
    did not change: the run's history entries for it go (the change feed would send it to every
    subscriber after every Spark load) and its ``updated_at`` stays. One that did keeps one entry
    of the run: the run's change, with the values the rebuild gave it (the run's lack the overrides)."""
    holders = list(regroup.held_overrides(con))
    if not holders:
        return
    changes = regroup.reapply_overrides(con, holders, attributes=attributes, at=database.now(), cause="run",
                                        cause_id=run_id, unchanged_since=before)
    unchanged = [gid for gid, change in changes.items() if change == "unchanged"]
    for change in steward_sql.drop_run_history(con, run_id, unchanged):
        _count_changes(report, {change: -1, "unchanged": 1})
    steward_sql.one_run_entry(con, run_id, [gid for gid in changes if gid not in unchanged])


def _note_lapsed(con: duckdb.DuckDBPyConnection, report: dict[str, Any], run_id: str) -> None:
    """The decisions the run found binding nothing, and the overrides of the golden records it
    retired, marked and said as a DuckDB run's publish does (mdm/lapsed_decisions.py)."""
    lapsed = lapsed_decisions.note(
        con, run_id=run_id, lapsing=report.get("decisions_lapsing", []),
        binds=report.get("decisions_binding", []), config=sources_from_json(report["sources_config"]),
        posted_since=replay_since(report))
    report["run_report"].update(lapsed.report())
    report["counts"].update(decisions_lapsed=len(lapsed.decisions), overrides_lapsed=len(lapsed.overrides))


def _count_changes(report: dict[str, Any], changes: Mapping[str, int]) -> None:
    """Add ``changes`` (change -> how many more) to the golden changes the run's report counts."""
    for counts in (report["counts"].get("golden_changes"), report["run_report"].get("golden")):
        if counts is not None:
            for change, n in changes.items():
                if n:
                    counts[change] = counts.get(change, 0) + n


def _count_removed(
    con: duckdb.DuckDBPyConnection, report: dict[str, Any], xref: str, accept_removals: bool, dry_run: bool
) -> None:
    """Each source's published records the run's ``xref`` lacks, into the report's counts;
    beyond the source's ``max_removed_share`` the load stops (mdm/removals.py), unless
    ``accept_removals``; a dry run says why it would (``removals_refused``) and goes on."""
    config = sources_from_json(report["sources_config"])
    found = removals.removals(results.removed_by_source(con, xref), config)
    for r in found:
        report["counts"]["sources"].setdefault(r.source, {})["removed"] = r.removed
    if not accept_removals:  # said with how many steward decisions accepting them would lapse
        lapsing = steward_sql.bound_among(con, report.get("decisions_lapsing", []))
        report["run_report"]["removals_refused"] = why = removals.refusal(found, config, len(lapsing))
        if why is not None and not dry_run:
            raise RemovalsRefusedError(why)


class _Previewed(Exception):
    """Ends a dry run's publish, which has done everything: its transaction rolls back."""


def replay_since(report: Mapping[str, Any]) -> dt.datetime | None:
    """From when the records posted and deleted through the API are replayed onto a loaded run:
    those after its ``--posted`` export; every one (None) for a run given none."""
    through = report.get("posted_through")
    return database.as_stored(dt.datetime.fromisoformat(through)) if through else None


def load_run(
    db_path: str | Path, folder: str | Path, *, rules_path: Path | None = None, accept_removals: bool = False,
    dry_run: bool = False,
) -> dict[str, Any]:
    """Publish the Spark run in ``folder`` into the database; returns the run's report. The golden
    records holding a steward's override are rebuilt by ``rules_path`` (default: the run's rules).
    ``accept_removals`` lets it remove more of a source's records than the source's config allows.
    ``dry_run`` publishes nothing and records the run as previewed, with the report a load would
    give (status ``previewed``): a load of it afterwards takes its place, as after a failed one."""
    folder = Path(folder)
    report = json.loads(read_text_dataset(folder / REPORT))
    if report.get("kind") == exports.PREVIOUS_KIND:
        raise ConfigError(f"{folder}: golden ids exported for a Spark run's --previous (mdm export previous),"
                          " not a run's output to load")
    model = json.loads(read_text_dataset(folder / MODEL))
    run_id = report["run_id"]
    con = database.connect(db_path)
    try:
        runs.fail_interrupted_runs(con)  # a load killed before this one: this process owns the file now
        loaded = runs.get_run(con, run_id)
        if loaded is not None and loaded["status"] not in ("failed", "previewed"):
            raise ConflictError(f"run {run_id} is already in {db_path}")
        history = results.read_dataset(con, folder / "golden_history", SCHEMAS["golden_history"])
        before = records.as_served(con, list(regroup.held_overrides(con)))
        at = database.now()

        def finish(c: duckdb.DuckDBPyConnection) -> None:
            steward_sql.add_history_table(c, history)
            # What the run left unchanged but serves otherwise now (its lineage) is changed too.
            _count_changes(report, results.restamp_moved(c, at=at, run_id=run_id))
            steward_sql.add_carried(c, [(d["kind"], d["record_key_l"], d["record_key_r"], d["decision_id"])
                                        for d in report["run_report"].get("decisions_carried", [])])
            steward_sql.insert_kept_together(c, report["run_report"].get("kept_together", []), database.now())
            attributes = _rules(report, rules_path).attributes()
            # Erased golden ids a `--previous` folder still held: given to no record, and removed again.
            late_erasures.reissue_erased_ids(c, attributes=attributes, at=database.now(), run_id=run_id)
            erasure.rescrub(c)
            _apply_decisions_not_taken(c, report, attributes)
            _reapply_overrides(c, report, run_id, attributes, before)
            # Posts its file rows outdated: the next extract may lack the key (mdm.ingest.merge_posted).
            records.drop_posts_through(c, report.get("outdated_posts", []), replay_since(report))
            # Records deleted after its --posted export leave it, as their deletions left the state
            # before; the replay that follows counts them (Service._replay_unfinished).
            report["run_report"]["late_deletions"] = late_deletions.delete_late(
                c, attributes=attributes, at=database.now(), run_id=run_id)
            # The erasures its input did not carry (mdm/late_erasures.py).
            erased = late_erasures.erase_late(c, attributes=attributes, at=database.now(), run_id=run_id)
            report["run_report"]["late_erasures"] = erased.erasure_ids
            # Then the ids the run did not keep, merged where their records are now.
            _count_changes(report, results.publish_vanished(c, at=at, run_id=run_id))
            _note_lapsed(c, report, run_id)
            if not models.has_model(c, model["model_id"]):
                models.save_model(
                    c, model["model_id"], run_id=run_id, fingerprint=model["fingerprint"],
                    trained_on_records=report["counts"]["records"], settings=model["settings"],
                )
            # The replay that follows (mdm load's; a start after a kill before it ended goes on:
            # Service._replay_unfinished), from the start of time for a run given no --posted.
            since = replay_since(report)
            if records.has_api_changes(c, since=since):
                report["run_report"]["replay_from"] = (since or dt.datetime.min).isoformat()
            if dry_run:  # all of it done, and undone by the rollback
                raise _Previewed
            runs.finish_run(
                c, run_id, model_id=model["model_id"], retrained=report["retrained"], counts=report["counts"],
                stage_seconds=report["stage_seconds"], report=report["run_report"],
            )

        with results.Staging(con) as staging:
            for name in (*results.REPLACED, "golden_records", "review_queue"):
                staging.put(name, results.read_dataset(con, folder / name, SCHEMAS[name]))
            _count_removed(con, report, staging.table("xref"), accept_removals, dry_run)
            results.stage_vanished(con, staging.table("golden_records"))
            results.stage_versions(con)
            if loaded is not None:  # a load of it that failed (or was killed), or a dry run: this one
                runs.discard_unpublished_run(con, run_id)  # takes its place
            runs.start_run(con, run_id, "spark", report["sources_path"], report["rules_path"])
            runs.record_sources(con, run_id, report["sources_path"], report["sources_config"])
            late_deletions.keep_before(con, staging.table("xref"), replay_since(report))
            try:
                results.publish_run(con, staging, finish, build_documents=True)
            except _Previewed:  # recorded, after the rollback, as what a load would have been
                report["status"] = "previewed"
                runs.finish_run(con, run_id, model_id=model["model_id"], retrained=report["retrained"],
                                counts=report["counts"], stage_seconds=report["stage_seconds"],
                                report=report["run_report"], status="previewed")
            except Exception as e:
                with suppress(duckdb.Error):  # a full disk: the next process to open the file records it
                    runs.fail_run(con, run_id, f"load from {folder} failed: {e}")
                raise
        return report
    except duckdb.Error as e:  # the file cannot be written (a full disk)
        raise RunFailedError(f"load from {folder} failed: {type(e).__name__}: {e}") from e
    finally:
        con.close()

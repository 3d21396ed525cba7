"""`mdm load` of a Spark run's output that fails part way (a full disk, a kill) can be run again.

The output is written here from a DuckDB run, in the Spark engine's layout (mdm/spark/engine.py:
a Parquet folder per table, ``model`` and ``report`` text folders), so that no Spark is needed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from typer.testing import CliRunner

from mdm.cli import app
from mdm.load import MODEL, REPORT
from mdm.store import database, records, results
from mdm.store.tables import SCHEMAS

runner = CliRunner()


def _as_spark_output(db: Path, out: Path, run_id: str) -> None:
    """The published results of ``db`` as a Spark run ``run_id`` writes its output."""
    con = duckdb.connect(str(db), read_only=True)
    for name in (*results.REPLACED, "golden_records", "review_queue", "golden_history"):
        (out / name).mkdir(parents=True)
        columns = ", ".join(c for c in SCHEMAS[name].names if c != "document")
        part = out / name / "part-0.parquet"
        con.execute(f"COPY (SELECT {columns} FROM {name}) TO ? (FORMAT PARQUET)", [str(part)])
    model_id, fingerprint, settings = con.execute(
        "SELECT model_id, fingerprint, CAST(settings AS VARCHAR) FROM models").fetchall()[0]
    sources_path, config, counts, report = con.execute(
        "SELECT sources_path, CAST(sources_config AS VARCHAR), CAST(counts AS VARCHAR),"
        " CAST(report AS VARCHAR) FROM runs WHERE status = 'succeeded'"
        " ORDER BY finished_at DESC").fetchall()[0]
    con.close()
    texts = {
        MODEL: {"model_id": model_id, "fingerprint": fingerprint, "settings": json.loads(settings)},
        REPORT: {"run_id": run_id, "engine": "spark", "status": "succeeded", "sources_path": sources_path,
                 "sources_config": config, "rules_path": "default", "model_id": model_id, "retrained": False,
                 "counts": json.loads(counts), "run_report": json.loads(report), "stage_seconds": {},
                 "posted_through": None, "decision_ids": []},
    }
    for name, text in texts.items():
        (out / name).mkdir()
        (out / name / "part-00000").write_text(json.dumps(text), encoding="utf-8")


def _served(db: Path) -> dict[str, tuple[str, object, object]]:
    """Golden id -> the version (ETag), ``updated_at`` and run id each golden record is served with."""
    from mdm.store import documents

    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute("SELECT golden_id, document, updated_at, run_id FROM golden_records").fetchall()
        return {g: (documents.version(doc), at, run) for g, doc, at, run in rows}
    finally:
        con.close()


def _feed_head(db: Path) -> int:
    """The change feed's last sequence number."""
    con = database.connect(db, read_only=True)
    try:
        return int(con.execute("SELECT max(seq) FROM golden_history").fetchall()[0][0])
    finally:
        con.close()


# A load in a process whose files cannot grow past 4 MB more than the database: the disk fills
# after the load has recorded its run.
_FULL_DISK_LOAD = """
import json, os, resource, signal, sys
from mdm.load import load_run
from mdm.store import database
db, folder = sys.argv[1:]
con = database.connect(db)
con.execute("SET checkpoint_threshold = '100KB'")  # DuckDB writes the file itself soon
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
size = os.path.getsize(db) + (4 << 20)
resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
try:
    load_run(db, folder)
except BaseException as e:
    print(json.dumps([type(e).__name__, str(e)]))
"""


def test_a_load_that_failed_part_way_can_be_run_again(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """The failed load left its run recorded: the next refused the output as 'already in' the
    database, so a Spark run whose load met a full disk or a kill could never be served. On a full
    disk the load also ended in DuckDB's FatalException (a traceback), not an error."""
    out = tmp_path / "out"
    _as_spark_output(reconciled[0], out, "run-spark-1")
    served = tmp_path / "served.duckdb"
    database.connect(served).close()
    done = subprocess.run([sys.executable, "-c", _FULL_DISK_LOAD, str(served), str(out)],
                          capture_output=True, text=True, timeout=300)
    kind, message = json.loads(done.stdout.strip().splitlines()[-1])
    assert kind == "RunFailedError" and "File too large" in message, (kind, message)
    listed = runner.invoke(app, ["runs", "--db", str(served), "--json"])
    assert [r["status"] for r in json.loads(listed.output)] == ["failed"]  # recorded, by the next process

    again = runner.invoke(app, ["load", "--db", str(served), "--from", str(out)])
    assert again.exit_code == 0, again.output
    listed = runner.invoke(app, ["runs", "--db", str(served), "--json"])
    assert [(r["run_id"], r["status"]) for r in json.loads(listed.output)] == [("run-spark-1", "succeeded")]
    con = duckdb.connect(str(served), read_only=True)
    loaded = con.execute("SELECT count(*) FROM xref").fetchall()[0][0]
    part = str(out / "xref" / "part-0.parquet")
    written = con.execute("SELECT count(*) FROM read_parquet(?)", [part]).fetchall()[0][0]
    con.close()
    assert loaded == written > 0


def test_a_load_killed_before_its_replay_ends_is_replayed_at_the_next_start(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """`mdm load` publishes, then replays what was posted through the API since the run's input:
    killed between the two, the posts were served by no golden record until the next run, and
    `mdm check` said so. Its report keeps where the replay starts, as a DuckDB run's does, so the
    next start replays them."""
    import shutil

    from mdm.load import load_run
    from mdm.service import Service
    from mdm.store import integrity

    served = tmp_path / "served.duckdb"
    shutil.copy(reconciled[0], served)
    _as_spark_output(served, tmp_path / "out", "run-spark-2")  # a run given no --posted
    service = Service(served)
    service.open()
    try:
        record = {"crm_id": "RT-LOAD", "first_name": "Thảo Vy", "last_name": "Lương",
                  "mobile": "0389 111 222"}
        posted = service.post_record("sales", record, actor="test")
    finally:
        service.close()
    report = load_run(served, tmp_path / "out")  # and the process is killed here: no replay
    assert report["run_report"]["replay_from"] == "0001-01-01T00:00:00"
    con = database.connect(served, read_only=True)
    try:
        assert not con.execute("SELECT 1 FROM xref WHERE source_id = 'RT-LOAD'").fetchall()
        assert all(r.ok for r in integrity.check(con)), [r for r in integrity.check(con) if not r.ok]
    finally:
        con.close()
    service = Service(served)
    service.open()
    try:
        assert service.golden_id_for("sales", "RT-LOAD") == posted.golden_id
    finally:
        service.close()
    con = database.connect(served, read_only=True)
    try:
        report_text = con.execute("SELECT CAST(report AS VARCHAR) FROM runs WHERE run_id = 'run-spark-2'")
        replayed = json.loads(report_text.fetchall()[0][0])["replayed"]
        assert replayed["replayed"] == 1
        assert all(r.ok for r in integrity.check(con))
    finally:
        con.close()


def test_a_load_reapplying_overrides_changes_no_version_unsaid(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """Spark computes without the stewards' overrides, and the load rebuilds their golden records
    with them: one that comes back to the values it had was 'unchanged' and left the change feed,
    but was served anew (the load's run id, a member's values), so its ETag moved unsaid. Now one
    the load left as it was keeps its version, run id and ``updated_at``; one whose document
    moved (a member's data-quality flags, its values not) is changed, in the feed with a new time."""
    import shutil

    from mdm.load import load_run
    from mdm.service import Service

    served = tmp_path / "served.duckdb"
    shutil.copy(reconciled[0], served)
    out = tmp_path / "out"
    _as_spark_output(served, out, "run-spark-3")  # computed before the stewards set their values
    con = duckdb.connect(str(served), read_only=True)
    kept, moved = [g for (g,) in con.execute(
        "SELECT golden_id FROM golden_records WHERE status = 'active' AND record_count = 2"
        " ORDER BY golden_id LIMIT 2").fetchall()]
    (member,) = con.execute("SELECT record_key FROM xref WHERE golden_id = ? ORDER BY record_key LIMIT 1",
                            [moved]).fetchall()[0]
    con.close()
    std, history = (out / name / "part-0.parquet" for name in ("std_records", "golden_history"))
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * REPLACE (CASE WHEN record_key = ? THEN list_append(coalesce(dq_flags, []),"
                f" 'name_multiple') ELSE dq_flags END AS dq_flags) FROM '{std}')"
                f" TO '{tmp_path / 'std.parquet'}' (FORMAT PARQUET)", [member])
    # The run's own history: both changed, as it computed them without the phone set below.
    con.execute(f"COPY (SELECT * REPLACE ('changed' AS change, 'run-spark-3' AS cause_id) FROM '{history}'"
                f" WHERE golden_id IN (?, ?) AND change = 'created') TO '{tmp_path / 'history.parquet'}'"
                " (FORMAT PARQUET)", [kept, moved])
    con.close()
    shutil.move(tmp_path / "std.parquet", std)
    shutil.move(tmp_path / "history.parquet", history)
    service = Service(served)
    service.open()
    try:
        for gid in (kept, moved):
            service.set_override(gid, "phone", "0912 345 678", reason="customer called", region="VN",
                                 actor="test-steward")
    finally:
        service.close()

    def feed(gid: str) -> list[tuple[str, str, str]]:
        con = duckdb.connect(str(served), read_only=True)
        try:
            return con.execute("SELECT change, cause_id, after->>'phone' FROM golden_history"
                               " WHERE golden_id = ? AND seq > ? ORDER BY seq", [gid, last]).fetchall()
        finally:
            con.close()

    before = _served(served)
    last = _feed_head(served)
    load_run(served, out)
    after = _served(served)
    assert after[kept] == before[kept] and feed(kept) == []
    assert after[moved][0] != before[moved][0]
    assert after[moved][1] > before[moved][1]  # type: ignore[operator]
    # One entry, with the values served (the steward's phone), not the run's and the rebuild's both.
    assert feed(moved) == [("changed", "run-spark-3", "+84912345678")]


@pytest.mark.parametrize("lineage_stored", ["in name order", "in hash order, before 0d51816"])
def test_a_load_of_the_served_results_changes_no_golden_record(
    reconciled: tuple[Path, object], tmp_path: Path, lineage_stored: str
) -> None:
    """A Spark run that found what the batch served (same model, same data) changes nothing. Its
    load built each document with the lineage's attributes in another order than the batch's, so
    a new ETag: 5,356 of the sample's 5,405 golden records were 'changed', each a change-feed
    entry and webhook call for nothing. Now every version, run id and ``updated_at`` is kept.
    A database such a load filled before the fix holds those documents still: its next load
    called them all changed once (422 of 422 here); migration 28 puts their lineage in name
    order, so it changes none either."""
    import shutil

    from mdm.load import load_run

    served = tmp_path / "served.duckdb"
    shutil.copy(reconciled[0], served)
    out = tmp_path / "out"
    _as_spark_output(served, out, "run-spark-5")
    history = out / "golden_history" / "part-0.parquet"
    con = duckdb.connect()
    con.execute(f"COPY (SELECT * FROM '{history}' WHERE false) TO '{tmp_path / 'none.parquet'}'"
                " (FORMAT PARQUET)")
    con.close()
    shutil.move(tmp_path / "none.parquet", history)

    before = _served(served)
    last = _feed_head(served)
    if lineage_stored != "in name order":
        _documents_as_loaded_before_0d51816(served)
        assert all(v[0] != before[g][0] for g, v in _served(served).items() if g in before)
    report = load_run(served, out)
    assert report["counts"]["golden_changes"].get("changed", 0) == 0  # was 422 in hash order
    assert _served(served) == before and len(before) > 100
    assert _feed_head(served) == last


def _documents_as_loaded_before_0d51816(db: Path) -> None:
    """Every stored document as a load built it before 0d51816 (documents.insert_golden, with the
    lineage grouped by json_group_object: its attributes in hash order), and the database at the
    schema before migration 28."""
    from mdm.store import documents

    sql = documents._insert_sql("built")
    in_name_order = ("to_json(map(list(attribute ORDER BY attribute), list(entries ORDER BY attribute)))\n"
                     "            AS lineage")
    assert in_name_order in sql
    con = duckdb.connect(str(db))
    con.execute("CREATE TEMP TABLE built AS SELECT * FROM golden_records")
    con.execute("DELETE FROM golden_records")
    con.execute(sql.replace(in_name_order, "json_group_object(attribute, entries) AS lineage"),
                {"slices": 1, "slice": 0})
    con.execute("DELETE FROM schema_migrations WHERE version = 28")
    con.close()


def _marketing_renamed(reconciled: Path, small_sample: Path, tmp_path: Path) -> tuple[Path, Path, str]:
    """A database served from ``reconciled`` whose steward merged two marketing-only golden records,
    and the output of a Spark run (run-spark-4) that renamed marketing, its removals accepted: the
    database, the output folder and the merge's decision id."""
    import shutil

    import yaml

    from mdm.pipeline import reconcile
    from mdm.service import Service
    from mdm.sources import load_sources, sources_to_json
    from tests.conftest import TODAY

    served, scratch = tmp_path / "served.duckdb", tmp_path / "scratch.duckdb"
    shutil.copy(reconciled, served)
    shutil.copy(reconciled, scratch)
    service = Service(served)
    service.open()
    try:
        only = [g for (g,) in service.reader().execute(
            "SELECT golden_id FROM xref GROUP BY golden_id HAVING bool_and(source = 'marketing')"
            " ORDER BY golden_id LIMIT 2").fetchall()]
        decision_id = service.steward(lambda s, con: s.merge(con, only, actor="test-steward", comment=None)
                                      ).decision["decision_id"]
    finally:
        service.close()
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    raw = yaml.safe_load((sample / "sources.yaml").read_text(encoding="utf-8"))
    next(s for s in raw["sources"] if s["name"] == "marketing")["name"] = "newsletter"
    (sample / "sources.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    reconcile(sample / "sources.yaml", scratch, today=TODAY, accept_removals=True)  # what Spark computed
    out = tmp_path / "out"
    _as_spark_output(scratch, out, "run-spark-4")
    summary = json.loads((out / REPORT / "part-00000").read_text(encoding="utf-8"))
    summary.update(sources_config=sources_to_json(load_sources(sample / "sources.yaml")),
                   decision_ids=[decision_id], decisions_binding=[], decisions_lapsing=[decision_id])
    (out / REPORT / "part-00000").write_text(json.dumps(summary), encoding="utf-8")
    return served, out, decision_id


def test_a_load_marks_and_says_the_decisions_its_run_found_binding_nothing(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """A Spark run reports the decisions it read that bind none of its records (marketing renamed,
    its removals accepted): `mdm load` marks them lapsed with the run's id, audits why and warns,
    as a DuckDB run's publish does (tests/api/test_decisions_lapsed.py)."""
    served, out, decision_id = _marketing_renamed(reconciled[0], small_sample, tmp_path)
    refused = runner.invoke(app, ["load", "--db", str(served), "--from", str(out)])
    assert refused.exit_code == 3, refused.output  # and its refusal says what accepting them lapses
    assert "accepted, 1 steward decision would lapse" in " ".join(refused.output.split()), refused.output
    result = runner.invoke(app, ["load", "--db", str(served), "--from", str(out), "--accept-removals"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (f"warning: 1 steward decision with no pair of records left to bind ({decision_id}):"
            " source 'marketing'") in said
    con = duckdb.connect(str(served), read_only=True)
    try:
        assert con.execute("SELECT lapsed_in FROM decisions WHERE decision_id = ?",
                           [decision_id]).fetchall() == [("run-spark-4",)]
        assert con.execute("SELECT actor FROM audit_log WHERE action = 'decision.lapsed' AND target = ?",
                           [decision_id]).fetchall() == [("run run-spark-4",)]
        (counts,) = con.execute("SELECT counts->>'decisions_lapsed' FROM runs WHERE run_id = 'run-spark-4'"
                                ).fetchone()
        assert counts == "1"
    finally:
        con.close()


def _state(db: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row a load writes, but the runs'."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {t: sorted(map(repr, con.execute(f"SELECT * FROM {t}").fetchall())) for t in (
            "golden_records", "golden_lineage", "golden_history", "xref", "review_queue", "decisions",
            "golden_overrides", "audit_log", "models", "constraints", "pairs", "xref_departed")}
    finally:
        con.close()


def test_a_dry_run_load_says_what_the_load_would_do_and_changes_nothing(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """`mdm load --dry-run` did not exist: an operator of a Spark run learnt what loading it would
    change, and which steward decisions it would lapse, only from a load's refusal or by loading.
    It does the whole load in the transaction and rolls it back, recording the run as previewed;
    the real load afterwards takes its place."""
    served, out, decision_id = _marketing_renamed(reconciled[0], small_sample, tmp_path)
    before = _state(served)
    preview = runner.invoke(app, ["load", "--db", str(served), "--from", str(out), "--dry-run"])
    assert preview.exit_code == 0, preview.output  # where a load stops, a dry run says so and goes on
    said = " ".join(preview.output.split())
    assert "warning: a load would stop here:" in said and "accepted, 1 steward decision would lapse" in said
    accepted = runner.invoke(app, ["load", "--db", str(served), "--from", str(out), "--dry-run",
                                   "--accept-removals"])
    assert accepted.exit_code == 0, accepted.output
    said = " ".join(accepted.output.split())
    assert f"1 steward decision would lapse, no pair of records left to bind ({decision_id})" in said
    assert "removed from marketing:" in said and "golden changes: " in said and "retired" in said, said
    assert "dry run: nothing was published" in said and "would stop here" not in said
    assert _state(served) == before
    listed = runner.invoke(app, ["runs", "--db", str(served), "--json"])
    assert [(r["run_id"], r["status"]) for r in json.loads(listed.output)][0] == ("run-spark-4", "previewed")

    loaded = runner.invoke(app, ["load", "--db", str(served), "--from", str(out), "--accept-removals"])
    assert loaded.exit_code == 0, loaded.output
    assert "with no pair of records left to bind" in " ".join(loaded.output.split())
    listed = json.loads(runner.invoke(app, ["runs", "--db", str(served), "--json"]).output)
    assert [r["status"] for r in listed if r["run_id"] == "run-spark-4"] == ["succeeded"]
    assert _state(served) != before


def test_a_merge_into_a_golden_record_posted_before_a_load_holds_through_its_replay(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """After a Spark run's input was read, a customer is posted (golden record G) and a steward
    merges a golden record H of the run's into it. The load applies the merge to H's side, into
    G, and `mdm load`'s replay brings G's posts: what they were to go back into was not kept, so
    the replay put them in a golden record of their own, splitting the customer the steward merged."""
    import shutil

    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import ApiSettings
    from tests.api.conftest import Api, make_keys
    from tests.api.test_late_decisions import _merge_held, _one_record_customer, _post_and_merge

    served = tmp_path / "served.duckdb"
    shutil.copy(reconciled[0], served)
    _as_spark_output(served, tmp_path / "out", "run-spark-5")  # a run given no --posted
    keys = make_keys(served)
    with TestClient(create_app(ApiSettings(db_path=served))) as client:
        api = Api(client, served, keys)
        batch, batch_keys = _one_record_customer(api)
        merged = _post_and_merge(api, batch)
    done = runner.invoke(app, ["load", "--db", str(served), "--from", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert "replayed from the API: 2 posted" in done.output
    with TestClient(create_app(ApiSettings(db_path=served))) as client:
        _merge_held(Api(client, served, keys), merged, batch, batch_keys)


def test_an_unchanged_post_after_the_posted_export_keeps_its_record_through_the_load(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """A record posted with the values stored after `mdm export posted` (the Spark run's input
    taken), of a run whose extract lacks it: the post stored nothing, so the load's replay had
    nothing to post again and the load removed the record, though the post is newer than the
    extract. A post that changed it was kept. Now the service stores it as posted while an export
    of the posts awaits its load, and the replay posts it again."""
    import shutil

    from mdm.pipeline import reconcile
    from mdm.service import Service
    from tests.api.test_decisions_lapse_at_deletion import _extract_without
    from tests.conftest import TODAY

    served, scratch = tmp_path / "served.duckdb", tmp_path / "scratch.duckdb"
    shutil.copy(reconciled[0], served)
    con = duckdb.connect(str(served), read_only=True)
    (source_id, raw), (other_id, other_raw) = con.execute(
        "SELECT s.source_id, CAST(s.raw AS VARCHAR) FROM source_records s JOIN xref x"
        " ON x.record_key = s.source || ':' || s.source_id WHERE s.source = 'marketing' AND x.golden_id IN"
        " (SELECT golden_id FROM xref GROUP BY golden_id HAVING count(*) = 1)"
        " ORDER BY s.source_id LIMIT 2").fetchall()
    con.close()
    extract, _lines = _extract_without(small_sample, tmp_path, source_id)
    shutil.copy(reconciled[0], scratch)
    reconcile(extract.parent / "sources.yaml", scratch, today=TODAY)  # the Spark run, its extract read
    _as_spark_output(scratch, tmp_path / "out", "run-spark-6")
    posts = tmp_path / "posted.jsonl"  # given to the Spark run: --posted
    exported = runner.invoke(app, ["export", "posted", "--db", str(served), "--out", str(posts)])
    assert exported.exit_code == 0, exported.output
    service = Service(served)
    service.open()
    try:
        golden_id = service.golden_id_for("marketing", source_id)
        posted = service.post_record("marketing", json.loads(raw), actor="test")
        assert (posted.outcome, posted.golden_id) == ("unchanged", golden_id)
    finally:
        service.close()
    done = runner.invoke(app, ["load", "--db", str(served), "--from", str(tmp_path / "out")])
    assert done.exit_code == 0, done.output
    assert "replayed from the API: 1 posted" in done.output  # it said nothing: nothing was replayed
    service = Service(served)
    service.open()
    try:
        assert service.golden_id_for("marketing", source_id) == golden_id  # was None: removed
        # The load ended the export's wait: an unchanged post stores nothing again.
        assert service.post_record("marketing", json.loads(other_raw), actor="test").outcome == "unchanged"
        assert records.posted(service.reader(), "marketing", other_id) is None
    finally:
        service.close()


def test_the_posted_export_lapses_at_the_next_run_that_reads_the_posts(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """`mdm export posted` never followed by `mdm load` (the Spark run abandoned): the service
    stored every post holding the values stored as posted, for good, each then a post every later
    run reads, which keeps its record though its system's extract drops it. A run that succeeds
    after the export read every post up to its start: what a Spark run of that export would
    replay is in what it publishes. Its success ends the wait, in the service that ran it and in
    the next one opened on the file."""
    import shutil

    from mdm.service import Service
    from mdm.store import runs

    served = tmp_path / "served.duckdb"
    shutil.copy(reconciled[0], served)
    con = duckdb.connect(str(served), read_only=True)
    stored = con.execute("SELECT source_id, CAST(raw AS VARCHAR) FROM source_records"
                         " WHERE source = 'marketing' ORDER BY source_id LIMIT 3").fetchall()
    con.close()
    out = tmp_path / "posted.jsonl"
    exported = runner.invoke(app, ["export", "posted", "--db", str(served), "--out", str(out)])
    assert exported.exit_code == 0, exported.output

    def posted_again(service: Service, n: int) -> bool:
        """Whether posting the n-th stored record as it is stored it as posted."""
        source_id, raw = stored[n]
        assert service.post_record("marketing", json.loads(raw), actor="test").outcome == "unchanged"
        return records.posted(service.reader(), "marketing", source_id) is not None

    service = Service(served)
    service.open()
    try:
        assert posted_again(service, 0)  # the export awaits its load
        run_id = service.start_run(sources_path=str(small_sample / "sources.yaml"), retrain=False,
                                   actor="test")
        assert service._run_thread is not None
        service._run_thread.join(timeout=600)
        assert (runs.get_run(service.reader(), run_id) or {}).get("status") == "succeeded"
        assert not posted_again(service, 1)  # was stored: the export waited still
    finally:
        service.close()
    service = Service(served)
    service.open()
    try:
        assert not posted_again(service, 2)
    finally:
        service.close()

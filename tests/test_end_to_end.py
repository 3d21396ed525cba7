"""reconcile → export → evaluate on a generated sample, through the real DuckDB file and CLI."""

from __future__ import annotations

import csv
import json
import os
import resource
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from matching_rules import load_rules
from mdm.cli import app
from mdm.errors import ConfigError, RunFailedError
from mdm.pipeline import reconcile
from mdm.store import database, runs
from mdm.store import work as work_sql
from tests.conftest import TODAY, assert_holds_together

runner = CliRunner()


def rows_in(path: Path) -> int:
    if path.suffix == ".jsonl":
        return sum(1 for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    with path.open(encoding="utf-8", newline="") as fh:
        return sum(1 for row in csv.reader(fh) if row and any(f.strip() for f in row)) - 1


def test_every_input_row_is_accounted_for(small_sample: Path, reconciled: tuple[Path, object]) -> None:
    db, report = reconciled
    con = duckdb.connect(str(db), read_only=True)
    for name, counts in report.sources.items():  # type: ignore[attr-defined]
        file = next(small_sample.glob(f"{name}.*"))
        assert counts.read == rows_in(file), name
        assert counts.read == counts.accepted + counts.quarantined
        (stored,) = con.execute("SELECT count(*) FROM std_records WHERE source = ?", [name]).fetchone()
        (quarantined,) = con.execute("SELECT count(*) FROM quarantine WHERE source = ?", [name]).fetchone()
        assert (stored, quarantined) == (counts.accepted, counts.quarantined)
    reasons = {r for (r,) in con.execute("SELECT DISTINCT split_part(reason, ' ', 1) FROM quarantine").fetchall()}
    assert {"missing", "duplicate"} <= reasons
    (xref,) = con.execute("SELECT count(*) FROM xref").fetchone()
    assert xref == report.records  # type: ignore[attr-defined]


def test_data_quality_flags_are_counted_per_source(reconciled: tuple[Path, object]) -> None:
    """The run's flag counts are the records the database holds with each flag."""
    db, report = reconciled
    con = duckdb.connect(str(db), read_only=True)
    stored = con.execute(
        "SELECT source, flag, count(DISTINCT record_key) FROM"
        " (SELECT source, record_key, unnest(dq_flags) AS flag FROM std_records) GROUP BY ALL"
    ).fetchall()
    quality = report.quality  # type: ignore[attr-defined]
    assert {(s, f, n) for s, flags in quality.items() for f, n in flags.items()} == set(stored)
    assert {"phone_invalid", "email_invalid", "dob_future"} <= {f for _s, f, _n in stored}
    for name, counts in report.sources.items():  # type: ignore[attr-defined]
        (flagged,) = con.execute("SELECT count(*) FROM std_records WHERE source = ? AND len(dq_flags) > 0",
                                 [name]).fetchone()
        assert counts.flagged == flagged > 0
        assert list(quality[name].values()) == sorted(quality[name].values(), reverse=True)  # most first
    ((counts_json,),) = con.execute("SELECT counts FROM runs").fetchall()
    assert json.loads(counts_json)["quality"] == quality


def test_golden_values_have_lineage_to_a_source_record_holding_them(reconciled: tuple[Path, object]) -> None:
    db, _ = reconciled
    con = duckdb.connect(str(db), read_only=True)
    golden = con.execute("SELECT golden_id, CAST(attributes AS VARCHAR) FROM golden_records WHERE status = 'active'").fetchall()
    lineage = {}
    for gid, attr, pos, value, source, sid, rule in con.execute("SELECT golden_id, attribute, position, value, source, source_id, rule FROM golden_lineage").fetchall():
        lineage[(gid, attr, pos)] = (value, source, sid, rule)
    members = set(con.execute("SELECT golden_id, source, source_id FROM xref").fetchall())
    checked = 0
    for gid, attrs in golden:
        for attr, value in json.loads(attrs).items():
            values = value if isinstance(value, list) else ([] if value is None else [value])
            for pos, v in enumerate(values):
                lv, source, sid, rule = lineage[(gid, attr, pos)]
                assert lv == v
                assert (gid, source, sid) in members  # the lineage record belongs to this golden record
                assert rule
                checked += 1
    assert checked > len(golden)


def test_a_run_s_summary_keeps_every_count_and_name_whole_in_a_log(
    small_sample: Path, tmp_path: Path
) -> None:
    """Written to a file or a pipe (not a terminal), rich laid the tables out in 80 columns: with
    six sources a count read "1,234…" and a flag "phone_in…". Six sources with long names here."""
    import yaml

    config = yaml.safe_load((small_sample / "sources.yaml").read_text())
    for source in list(config["sources"])[:2]:
        config["sources"].append({**source, "name": f"{source['name']}_copy_from_the_archive_system"})
    for source in config["sources"]:
        source["name"] = f"{source['name']}_of_the_northern_region"
        source["path"] = str(small_sample / source["path"])
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(config))
    result = runner.invoke(app, ["reconcile", "--sources", str(tmp_path / "sources.yaml"),
                                 "--db", str(tmp_path / "log.duckdb")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert not [line for line in lines if "│" in line and "…" in line]
    con = duckdb.connect(str(tmp_path / "log.duckdb"), read_only=True)
    try:
        (counts,) = con.execute("SELECT counts FROM runs").fetchone()
    finally:
        con.close()
    counts = json.loads(counts)["sources"]
    assert len(counts) == 6
    for name, c in counts.items():
        (row,) = [line for line in lines if line.startswith(f"│ {name} ")]
        cells = [cell.strip() for cell in row.split("│")[2:6]]
        assert cells == [f"{c[k]:,}" for k in ("read", "accepted", "quarantined", "flagged")]
    for flag in ("phone_invalid", "email_invalid"):
        assert any(f" {flag} " in line for line in lines)


def test_cli_reconcile_export_evaluate(small_sample: Path, tmp_path: Path) -> None:
    db = tmp_path / "cli.duckdb"
    result = runner.invoke(app, ["reconcile", "--sources", str(small_sample / "sources.yaml"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    for expected in ("rows read", "quarantined", "flagged", "data-quality flags", "phone_invalid",
                     "automatic links", "review items", "golden records", "seconds per stage"):
        assert expected in result.output

    xref_csv = tmp_path / "xref.csv"
    assert runner.invoke(app, ["export", "xref", "--db", str(db), "--out", str(xref_csv)]).exit_code == 0
    with xref_csv.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["source", "source_id", "golden_id"]

    for suffix in ("csv", "parquet"):
        out = tmp_path / f"golden.{suffix}"
        result = runner.invoke(app, ["export", "golden", "--db", str(db), "--out", str(out)])
        assert result.exit_code == 0, result.output
    table = pq.read_table(tmp_path / "golden.parquet")
    assert {"golden_id", "full_name", "phone", "all_phones", "sources"} <= set(table.column_names)
    assert table.num_rows == len({r["golden_id"] for r in rows})

    result = runner.invoke(app, ["evaluate", "--db", str(db), "--truth", str(small_sample / "truth.csv"), "--json"])
    assert result.exit_code == 0, result.output
    metrics = json.loads(result.output)
    assert metrics["evaluated_records"] == len(rows)
    # a floor that a broken model (or clustering) falls through; accuracy itself is in the README
    assert metrics["precision"] > 0.95 and metrics["recall"] > 0.7

    # For the sources' owners: the quarantined rows and the flagged records, each with its raw row.
    quarantined = tmp_path / "quarantine.csv"
    result = runner.invoke(app, ["export", "quarantine", "--db", str(db), "--out", str(quarantined)])
    assert result.exit_code == 0, result.output
    with quarantined.open(encoding="utf-8") as fh:
        rows_q = list(csv.DictReader(fh))
    con = duckdb.connect(str(db), read_only=True)
    (n_quarantined,) = con.execute("SELECT count(*) FROM quarantine").fetchone()
    con.close()
    assert len(rows_q) == n_quarantined > 0 and all(r["reason"] and r["raw"] for r in rows_q)
    flagged = tmp_path / "flagged.csv"
    flagged_cmd = ["export", "flagged", "--db", str(db), "--out", str(flagged), "--flag"]
    result = runner.invoke(app, [*flagged_cmd, "phone_invalid"])
    assert result.exit_code == 0, result.output
    with flagged.open(encoding="utf-8") as fh:
        rows_f = list(csv.DictReader(fh))
    assert rows_f and all("phone_invalid" in r["flags"].split("; ") for r in rows_f)
    assert all(json.loads(r["raw"]) for r in rows_f)
    typo = runner.invoke(app, [*flagged_cmd, "phone_invlid"])  # an empty file, and the flags there are
    assert typo.exit_code == 0 and "no record carries 'phone_invlid'" in typo.output
    assert "phone_invalid" in typo.output

    bad = runner.invoke(app, ["export", "golden", "--db", str(db), "--out", str(tmp_path / "g.xlsx")])
    assert bad.exit_code == 2 and ".csv or .parquet" in bad.output


def test_second_run_reuses_the_model_and_keeps_every_golden_id(reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    before = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    con.close()
    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    assert not report.retrained
    con = duckdb.connect(str(db), read_only=True)
    after = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    assert after == before
    assert report.golden_changes.get("created", 0) == 0
    con.close()
    assert_holds_together(db)


def test_a_rerun_replaces_the_results_with_tables_of_the_same_definition(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """A rerun swaps new tables in for the results (mdm/store/results.py): keys, indexes and
    defaults stay, nothing of the old tables is left, and a reader that began before the publish
    keeps its snapshot."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)

    def definitions() -> list[tuple[str, str]]:
        return con.execute(
            "SELECT table_name, sql FROM duckdb_tables()"
            " UNION ALL SELECT index_name, sql FROM duckdb_indexes()"
            " ORDER BY ALL"
        ).fetchall()

    before = definitions()
    reader = con.cursor()
    reader.begin()
    active = "SELECT count(*), max(run_id) FROM golden_records WHERE status = 'active'"
    golden_before = reader.execute(active).fetchall()
    report = reconcile(small_sample / "sources.yaml", db, today=TODAY, con=con.cursor())
    assert reader.execute(active).fetchall() == golden_before
    reader.commit()
    # The new tables are read now: every key is the rerun's (a golden record it left as it was
    # keeps the run that built it, and so its ETag).
    assert reader.execute("SELECT DISTINCT run_id FROM xref").fetchall() == [(report.run_id,)]
    assert definitions() == before
    for table in ("xref", "std_records", "golden_records", "review_queue"):  # keys still refuse duplicates
        with pytest.raises(duckdb.ConstraintException):
            con.execute(f"INSERT INTO {table} SELECT * FROM {table} LIMIT 1")
    con.close()


def test_readers_are_served_by_the_old_tables_and_their_indexes_while_a_rerun_publishes(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A lookup by an indexed column of a table being replaced, from another connection during the
    publish, answers from the old table. Renaming the old table aside made each such query fail
    where the index was not yet loaded (DuckDB loads one from the file when first used), as after
    the service opens the file."""
    from mdm.store import stewardship as steward_sql

    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    first = duckdb.connect(str(db), read_only=True)
    gid, key = first.execute("SELECT golden_id, record_key FROM xref ORDER BY ALL LIMIT 1").fetchone()
    (item_key,) = first.execute("SELECT record_key_l FROM review_queue ORDER BY ALL LIMIT 1").fetchone()
    (pair_key,) = first.execute("SELECT record_key_l FROM pairs ORDER BY ALL LIMIT 1").fetchone()
    lookups = [
        ("SELECT count(*) FROM xref WHERE golden_id = ?", gid),
        ("SELECT count(*) FROM xref WHERE record_key = ?", key),
        ("SELECT count(*) FROM golden_lineage WHERE golden_id = ?", gid),
        ("SELECT count(*) FROM golden_records WHERE golden_id = ?", gid),
        ("SELECT count(*) FROM std_records WHERE record_key IN"
         " (SELECT record_key FROM xref WHERE golden_id = ?)", gid),
        ("SELECT count(*) FROM review_queue WHERE record_key_l = ?", item_key),
        ("SELECT count(*) FROM pairs WHERE record_key_l = ?", pair_key),
    ]

    def answers(c: duckdb.DuckDBPyConnection) -> list[int]:
        return [c.execute(sql, [value]).fetchone()[0] for sql, value in lookups]

    before, during = answers(first), []
    first.close()
    con = database.connect(db)
    reader = con.cursor()  # its indexes not loaded yet
    add_history = steward_sql.add_history_table

    def read_then_add(*args, **kw):  # type: ignore[no-untyped-def]
        during.append(answers(reader))  # every table is replaced by now; the transaction is open
        return add_history(*args, **kw)

    monkeypatch.setattr(steward_sql, "add_history_table", read_then_add)
    reconcile(small_sample / "sources.yaml", db, today=TODAY, con=con.cursor())
    assert during == [before] and all(before)
    con.close()


def test_a_model_trained_with_other_comparison_levels_is_retrained(reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path) -> None:
    """After an upgrade that compares records differently, the stored model is not reused."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    email = next(c for c in settings["comparisons"] if c["output_column_name"] == "email")
    email["comparison_levels"] = [lv for lv in email["comparison_levels"] if "family" not in lv["sql_condition"]]
    con.execute("UPDATE models SET settings = ?", [json.dumps(settings)])
    con.close()
    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    assert report.retrained and "compares records differently" in (report.train_reason or "")


def test_a_model_whose_levels_read_other_frequencies_is_retrained(reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path) -> None:
    """A model stored before the e-mail-only level read frequencies of its own (the e-mail's
    there) is not reused: a level's frequency column is part of how it compares."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    settings = json.loads(con.execute("SELECT settings FROM models").fetchall()[0][0])
    email = next(c for c in settings["comparisons"] if c["output_column_name"] == "email")
    (alone,) = [lv for lv in email["comparison_levels"] if lv.get("tf_adjustment_column") == "email_alone"]
    alone["tf_adjustment_column"] = "email_key"
    con.execute("UPDATE models SET settings = ?", [json.dumps(settings)])
    con.close()
    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    assert report.retrained and "compares records differently" in (report.train_reason or "")


def test_failed_run_leaves_previous_results_intact(reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)

    def snapshot() -> tuple[list, list, int]:
        con = duckdb.connect(str(db), read_only=True)
        try:
            return (
                con.execute("SELECT * FROM xref ORDER BY ALL").fetchall(),
                con.execute("SELECT golden_id, CAST(attributes AS VARCHAR) FROM golden_records ORDER BY ALL").fetchall(),
                con.execute("SELECT count(*) FROM golden_lineage").fetchone()[0],
            )
        finally:
            con.close()

    before = snapshot()

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("disk on fire")

    # Fail inside the publishing transaction, after every table was replaced.
    monkeypatch.setattr("mdm.store.stewardship.add_history_table", explode)
    with pytest.raises(RunFailedError, match="disk on fire"):
        reconcile(small_sample / "sources.yaml", db, today=TODAY)
    assert snapshot() == before
    con = duckdb.connect(str(db), read_only=True)
    statuses = [s for (s,) in con.execute("SELECT status FROM runs ORDER BY started_at").fetchall()]
    assert statuses[-1] == "failed"
    staged = con.execute("SELECT table_name FROM duckdb_tables() WHERE starts_with(table_name, 'stage_')"
                         " OR ends_with(table_name, '__new')").fetchall()
    assert staged == []  # the run's staged tables, and those filled to replace the live ones, went with it


def test_tables_a_killed_run_filled_to_publish_go_with_the_next_run(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """A run killed between filling the tables that replace the live ones and its publish
    leaves them in the file; the next run drops them, and publishes its own."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    con.execute("CREATE TABLE xref__new AS SELECT * FROM xref LIMIT 3")
    con.execute("CREATE TABLE golden_records__new AS SELECT * FROM golden_records LIMIT 3")
    before = con.execute("SELECT count(*) FROM xref").fetchone()
    con.close()
    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    assert report.status == "succeeded"
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT table_name FROM duckdb_tables()"
                       " WHERE ends_with(table_name, '__new')").fetchall() == []
    assert con.execute("SELECT count(*) FROM xref").fetchone() == before
    con.close()


def test_publishing_keeps_insertion_order_after_it_even_when_it_fails(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Publishing inserts in any order (faster); the connection's other work must not inherit it.
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    seen = []
    monkeypatch.setattr("mdm.store.stewardship.add_history_table", lambda c, table: seen.append(
        c.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0]) or 1 / 0)
    with pytest.raises(RunFailedError):
        reconcile(small_sample / "sources.yaml", db, today=TODAY, con=con)
    assert seen == [False]
    assert con.execute("SELECT current_setting('preserve_insertion_order')").fetchall()[0][0] is True
    con.close()


def test_killed_run_leaves_previous_results_and_is_recorded_as_failed(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """... and the scratch folder it could not remove goes when the next run makes its own."""
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("SELECT * FROM xref ORDER BY ALL").fetchall()
    con.close()
    code = (
        "import sys; from mdm.cli import app; sys.argv = ['mdm'] + sys.argv[1:]; app()"
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "reconcile", "--retrain", "--sources", str(small_sample / "sources.yaml"), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "COLUMNS": "200", "TMPDIR": str(scratch)},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "predict" in line:  # killed mid-run, after training
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    con = database.connect(db)  # the next process to open it
    assert con.execute("SELECT * FROM xref ORDER BY ALL").fetchall() == before
    assert runs.fail_interrupted_runs(con) == 1
    last = runs.list_runs(con, limit=1)[0]
    assert last["status"] == "failed" and "interrupted" in last["error"]
    con.close()
    assert_holds_together(db)
    left = sorted(p.name for p in scratch.iterdir())
    assert left and all(name.startswith("mdm-work-") for name in left), left  # its spill folder
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))
    with work_sql.work_database():  # the next run's
        assert [p.name for p in scratch.iterdir() if p.name in left] == []


@pytest.mark.parametrize(("sent", "status", "said", "error"), [
    (signal.SIGINT, 130, "was interrupted (Ctrl-C or SIGINT); the previous results are unchanged",
     "interrupted (Ctrl-C or SIGINT)"),
    # A job scheduler stopping the job: by default the signal ended the process at once, and the
    # run stayed `running` until the next process recorded it failed.
    (signal.SIGTERM, 143, "error: cancelled: the process was sent SIGTERM",
     "cancelled: the process was sent SIGTERM"),
])
def test_a_signal_stops_a_run_with_its_exit_status_and_keeps_the_previous_results(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, sent: int, status: int, said: str,
    error: str,
) -> None:
    """Ctrl-C (or SIGTERM) lands in Python or inside a DuckDB query (training is mostly queries),
    and a stage may wrap DuckDB's error in its own: either way the run is cancelled, with the
    exit status shells report for the signal, not a training failure."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("SELECT * FROM xref ORDER BY ALL").fetchall()
    con.close()
    code = "import sys; from mdm.cli import main; sys.argv = ['mdm'] + sys.argv[1:]; main()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code,
         "reconcile", "--retrain", "--sources", str(small_sample / "sources.yaml"), "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "train" in line:
            break
    proc.send_signal(sent)
    output = proc.stdout.read()
    assert proc.wait() == status, output
    assert said in " ".join(output.split()), output
    con = database.connect(db)
    assert con.execute("SELECT * FROM xref ORDER BY ALL").fetchall() == before
    last = runs.list_runs(con, limit=1)[0]
    assert (last["status"], last["error"]) == ("cancelled", error)


def test_mdm_runs_after_a_killed_run_shows_it_failed(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """`mdm runs` is the next process to open the file after the kill (the README's promise): it
    showed the killed run as running until the next reconcile."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    code = "import sys; from mdm.cli import app; sys.argv = ['mdm'] + sys.argv[1:]; app()"
    proc = subprocess.Popen(
        [sys.executable, "-c", code, "reconcile", "--sources", str(small_sample / "sources.yaml"),
         "--db", str(db)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, "COLUMNS": "200"},
    )
    assert proc.stdout is not None
    for line in proc.stdout:
        if "standardise" in line:  # the run is recorded as running by now
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    result = runner.invoke(app, ["runs", "--db", str(db), "--json"])
    assert result.exit_code == 0, result.output
    last = json.loads(result.output)[0]
    assert last["status"] == "failed" and "interrupted" in last["error"], last


def _full_disk() -> None:
    """In a child process before it runs: no file may grow, as on a full disk."""
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails instead of killing
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, 0))


def test_mdm_runs_lists_on_a_full_disk_what_it_cannot_record(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    """Recording a killed run as failed is a write: on a full disk it failed `mdm runs` with a
    traceback, when the listing only needs to read."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    runs.start_run(con, "run-killed", "batch", "sources.yaml", "default")  # as a killed run leaves it
    con.close()
    code = "import sys; from mdm.cli import main; sys.argv = ['mdm'] + sys.argv[1:]; main()"
    done = subprocess.run([sys.executable, "-c", code, "runs", "--db", str(db), "--json"],
                          capture_output=True, text=True, timeout=120, preexec_fn=_full_disk,
                          env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)[0]["run_id"] == "run-killed"


_FULL_DISK_RUN = """
import json, os, resource, signal, sys
from mdm.pipeline import reconcile
from mdm.store import database
db, sources, room = sys.argv[1:]
con = database.connect(db)
con.execute("SET checkpoint_threshold = '100KB'")  # DuckDB writes the file itself soon
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails, as on a full disk
size = os.path.getsize(db) + int(room)
resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
try:
    reconcile(sources, db, con=con)
except BaseException as e:
    print(json.dumps([type(e).__name__, str(e)]))
"""


@pytest.mark.parametrize("room", [0, 2 << 20])  # full from the run's first write; from mid-run
def test_a_full_disk_fails_the_run_with_a_clear_error_and_keeps_the_previous_results(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, room: int
) -> None:
    """A checkpoint that cannot write the file makes DuckDB give the database up: recording the
    run (as running, or as failed) then raised DuckDB's FatalException, and the CLI printed
    four tracebacks."""
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = duckdb.connect(str(db), read_only=True)
    before = con.execute("SELECT * FROM xref ORDER BY ALL").fetchall()
    con.close()
    done = subprocess.run(
        [sys.executable, "-c", _FULL_DISK_RUN, str(db), str(small_sample / "sources.yaml"), str(room)],
        capture_output=True, text=True, timeout=300,
    )
    kind, message = json.loads(done.stdout.strip().splitlines()[-1])
    assert kind == "RunFailedError" and "File too large" in message, (kind, message)
    result = runner.invoke(app, ["runs", "--db", str(db), "--json"])  # the next process
    # Recorded as failed, unless the disk was full from its first write (then not recorded).
    statuses = [r["status"] for r in json.loads(result.output) if r["run_id"] in message]
    assert statuses == (["failed"] if room else [])
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT * FROM xref ORDER BY ALL").fetchall() == before
    con.close()


def test_pairs_whose_names_disagree_are_never_linked_automatically(reconciled: tuple[Path, object]) -> None:
    """Households share an address and a landline; the name guard sends such pairs to review
    unless personal evidence lifts it: the national id (exact or one typo), or the birthday
    when the names share nothing (a changed family name, not a twin's)."""
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    rows = con.execute(
        "SELECT outcome, " + ", ".join(
            f"CAST(json_extract(explanation, '$.{c}.gamma') AS INTEGER)" for c in ("name", "national_id", "date_of_birth")
        ) + " FROM pairs"
    ).fetchall()
    assert rows, "the sample produced no scored pairs"
    guarded = [
        (name, nid, dob) for outcome, name, nid, dob in rows
        if outcome == "auto_link" and name in (0, 1, 2) and nid not in (1, 2) and not (name == 0 and dob == 3)
    ]
    assert not guarded
    # the guard is not vacuous: the sample's households do score above the threshold
    strong_household = con.execute(
        "SELECT count(*) FROM pairs WHERE match_probability >= ? AND outcome = 'review'",
        [load_rules().matching.thresholds.auto_link],
    ).fetchall()[0][0]
    assert strong_household > 0


def test_trained_prior_is_close_to_the_true_share_of_matching_pairs(reconciled: tuple[Path, object], small_sample: Path) -> None:
    """Unsupervised, yet the prior lands within a factor of two of what the truth file says."""
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    (settings,) = con.execute("SELECT settings FROM models").fetchall()[0]
    prior = json.loads(settings)["probability_two_random_records_match"]
    con.execute(
        "CREATE TEMP TABLE t AS SELECT * FROM read_csv(?, all_varchar = true)", [str(small_sample / "truth.csv")]
    )
    n, true_pairs = con.execute(
        "WITH j AS (SELECT entity_id FROM t JOIN std_records s USING (source, source_id)),"
        " e AS (SELECT count(*) AS k FROM j GROUP BY entity_id)"
        " SELECT (SELECT count(*) FROM j), sum(k * (k - 1) / 2) FROM e"
    ).fetchall()[0]
    actual = float(true_pairs) / (n * (n - 1) / 2)
    assert actual / 2 < prior < actual * 2


@pytest.mark.parametrize("what", ["xref", "golden", "model", "decisions"])
def test_an_export_to_a_missing_folder_names_it(
    reconciled: tuple[Path, object], tmp_path: Path, what: str
) -> None:
    out = tmp_path / "no" / "such" / ("out.json" if what == "model" else "out.csv")
    result = runner.invoke(app, ["export", what, "--db", str(reconciled[0]), "--out", str(out)])
    assert result.exit_code == 2, result.output
    assert f"no such directory {out.parent}" in " ".join(result.output.split())
    folder = tmp_path / out.name  # a folder named like the file
    folder.mkdir()
    result = runner.invoke(app, ["export", what, "--db", str(reconciled[0]), "--out", str(folder)])
    assert result.exit_code == 2 and "is a directory" in " ".join(result.output.split())


def test_evaluate_refuses_a_truth_file_that_shares_no_key(reconciled: tuple[Path, object], tmp_path: Path) -> None:
    truth = tmp_path / "other.csv"
    truth.write_text("source,source_id,entity_id\nnowhere,1,E1\nnowhere,2,E1\n", encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--db", str(reconciled[0]), "--truth", str(truth)])
    assert result.exit_code == 1
    assert "nothing to evaluate" in result.output


@pytest.mark.parametrize(
    ("rows", "says"),
    [
        ("", "the truth file is empty; it needs a header source,source_id,entity_id"),
        ("source,source_id\n{a}\n", "needs the columns source, source_id, entity_id; it has no entity_id"),
        ("source,source_id,entity_id\n{a},E1\n{b},\n",
         "rows without a source, a source_id or an entity_id: 1 (the first"),
        ("source,source_id,entity_id\n{a},E1\n{b},E1\n{a},E2\n",
         "keys given more than one entity_id: 1 (the first: source '{s}', source_id '{i}': 'E1', 'E2')"),
    ],
)
def test_evaluate_refuses_a_truth_file_it_would_count_wrong(
    reconciled: tuple[Path, object], tmp_path: Path, rows: str, says: str
) -> None:
    """A row without an entity id made every such record one customer, and a key given two
    entities counted its record twice: the figures came out, wrong, without a word."""
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    (s, i), (s2, i2) = con.execute("SELECT source, source_id FROM xref ORDER BY 1, 2 LIMIT 2").fetchall()
    con.close()
    truth = tmp_path / "truth.csv"
    truth.write_text(rows.format(a=f"{s},{i}", b=f"{s2},{i2}"), encoding="utf-8")
    result = runner.invoke(app, ["evaluate", "--db", str(reconciled[0]), "--truth", str(truth)])
    assert result.exit_code == 1, result.output
    assert says.format(s=s, i=i) in " ".join(result.output.split())


def test_sources_without_phones_or_emails_still_train_and_link(small_sample, tmp_path):  # type: ignore[no-untyped-def]
    """A training rule on a field no source holds pairs nothing; it is left out, not fatal."""
    import yaml

    from mdm.pipeline import reconcile

    config = yaml.safe_load((small_sample / "sources.yaml").read_text(encoding="utf-8"))
    for source in config["sources"]:
        source["fields"] = {k: v for k, v in source["fields"].items() if k not in ("phone", "email")}
        source["path"] = str(small_sample / source["path"])
    path = tmp_path / "no_contacts.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    report = reconcile(path, tmp_path / "nc.duckdb", today=TODAY)
    assert report.status == "succeeded" and report.auto_links > 0


def _sample_with(
    sample: Path, tmp_path: Path, rows: dict[str, list[list[str]]], header: list[str], fields: dict[str, str],
    region: str = "VN",
) -> Path:
    """The sample's sources config with one more CSV source per ``rows`` entry (its name: its rows,
    each led by its id), its phones and ids written in ``region``."""
    import yaml

    config = yaml.safe_load((sample / "sources.yaml").read_text(encoding="utf-8"))
    for source in config["sources"]:
        source["path"] = str(sample / source["path"])
    for name, written in rows.items():
        path = tmp_path / f"{name}.csv"
        with path.open("w", encoding="utf-8", newline="") as fh:
            csv.writer(fh).writerows([header, *written])
        config["sources"].append({"name": name, "path": str(path), "format": "csv", "id_column": header[0],
                                  "priority": 9, "phone_region": region, "fields": fields})
    path = tmp_path / "sources.yaml"
    path.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return path


def test_an_agents_own_phone_and_email_typed_for_each_lead_link_none_of_them(
    small_sample: Path, tmp_path: Path
) -> None:
    """A sales agent types their own mobile and e-mail for every customer who gave none: the same
    two values, with names that share nothing. They are nobody's; each lead keeps them."""
    names = ["Trần Văn Bảo", "Lê Thị Cúc", "Phạm Minh Dương", "Hoàng Gia Huy", "Vũ Thị Kim",
             "Đặng Quốc Long", "Bùi Thị Mai", "Đỗ Văn Nam"]
    cities = ["Hà Nội", "Đà Nẵng", "Huế", "Cần Thơ", "Hải Phòng", "Nha Trang", "Vũng Tàu",
              "Đà Lạt"]
    leads = [[f"L{i}", name, "0976 382 319", "tuvan.hung42@gmail.com", city]
             for i, (name, city) in enumerate(zip(names, cities, strict=True))]
    fields = {"full_name": "name", "phone": "mobile", "email": "mail", "city": "city"}
    header = ["lead_id", "name", "mobile", "mail", "city"]
    path = _sample_with(small_sample, tmp_path, {"leads": leads}, header, fields)
    db = tmp_path / "leads.duckdb"
    assert reconcile(path, db, today=TODAY).status == "succeeded"
    with duckdb.connect(str(db), read_only=True) as con:
        golden = con.execute("SELECT DISTINCT x.golden_id FROM xref x JOIN std_records s USING (record_key)"
                             " WHERE s.source = 'leads'").fetchall()
        phones = con.execute(
            "SELECT DISTINCT json_extract_string(attributes, '$.phone') FROM golden_records"
            " WHERE list_contains(?::VARCHAR[], golden_id)", [[g for (g,) in golden]]).fetchall()
    assert len(golden) == len(names)
    assert phones == [("+84976382319",)]


def test_reconcile_names_a_source_whose_encoding_is_wrong_and_loses_none_of_its_rows(small_sample: Path, tmp_path: Path) -> None:
    """Billing re-saved as Latin-1 (a Windows export): every row is still read, and the summary
    names the source and the rows with bytes UTF-8 cannot decode, and the key that fixes it."""
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    text = (sample / "billing.csv").read_text(encoding="utf-8-sig")
    (sample / "billing.csv").write_bytes(text.encode("latin-1", errors="replace"))
    lines = [line for line in text.splitlines()[1:] if line.strip()]
    mangled = sum(any(0x80 <= ord(ch) <= 0xFF for ch in line) for line in lines)
    assert mangled > 0
    result = runner.invoke(app, ["reconcile", "--sources", str(sample / "sources.yaml"), "--db", str(tmp_path / "m.duckdb")])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())
    assert f"warning: billing: {mangled:,} rows hold bytes its encoding could not decode" in output
    assert "`encoding:`" in output
    con = duckdb.connect(str(tmp_path / "m.duckdb"), read_only=True)
    ((read, undecodable),) = con.execute(
        "SELECT counts->'$.sources.billing.read', counts->'$.sources.billing.undecodable' FROM runs").fetchall()
    con.close()
    assert (int(read), int(undecodable)) == (len(lines), mangled)


def _shuffled_copy(sample: Path, out: Path, seed: int) -> None:
    """The sample's extracts with their rows in another order, the rows of a repeated key kept in
    their order (the first is the one a run keeps), and its sources.yaml."""
    import random

    import yaml

    rng = random.Random(seed)
    config = yaml.safe_load((sample / "sources.yaml").read_text(encoding="utf-8"))
    for source in config["sources"]:
        path = sample / source["path"]
        if source["format"] == "csv":
            with path.open(encoding="utf-8", newline="") as fh:
                header, *rows = list(csv.reader(fh))
            at = [c.lstrip("\ufeff") for c in header].index(source["id_column"])
            key = lambda row: row[at] if len(row) > at else None  # noqa: E731
        else:
            header, rows = None, path.read_text(encoding="utf-8").splitlines()
            def key(line: str) -> object:
                try:
                    return json.loads(line).get(source["id_column"])
                except (ValueError, AttributeError):
                    return None
        by_key: dict[object, list] = {}
        for row in rows:
            by_key.setdefault(key(row), []).append(row)
        order = list(rows)
        rng.shuffle(order)
        taken = {k: iter(v) for k, v in by_key.items()}
        shuffled = [next(taken[key(row)]) for row in order]
        assert shuffled != rows
        if header is None:
            (out / source["path"]).write_text("\n".join(shuffled) + "\n", encoding="utf-8")
        else:
            with (out / source["path"]).open("w", encoding="utf-8", newline="") as fh:
                csv.writer(fh).writerows([header, *shuffled])
    shutil.copy(sample / "sources.yaml", out / "sources.yaml")


def _golden_by_members(db: Path) -> tuple[str, dict[tuple[str, ...], str]]:
    """The trained model's settings, and each golden record's values with their lineage (the
    record and rule each came from) under the sorted keys of its records: what a run decided,
    without its opaque ids."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        model = con.execute("SELECT CAST(settings AS VARCHAR) FROM models").fetchone()[0]
        rows = con.execute(
            "SELECT (SELECT list_sort(list(record_key)) FROM xref x WHERE x.golden_id = g.golden_id),"
            " CAST(g.attributes AS VARCHAR),"
            " (SELECT list_sort(list((attribute, position, value, source, source_id, rule)::VARCHAR))"
            "  FROM golden_lineage l WHERE l.golden_id = g.golden_id)"
            " FROM golden_records g WHERE g.status = 'active'"
        ).fetchall()
    finally:
        con.close()
    return model, {tuple(keys): (attributes, lineage) for keys, attributes, lineage in rows}


def test_the_extracts_row_order_changes_nothing_a_run_decides(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """A nightly extract may come out of its system in any order. The model trained on a fresh
    database, the clusters and every golden value with its lineage are the same either way."""
    shuffled = tmp_path / "shuffled"
    shuffled.mkdir()
    _shuffled_copy(small_sample, shuffled, seed=3)
    reconcile(shuffled / "sources.yaml", tmp_path / "mdm.duckdb", today=TODAY)
    model, golden = _golden_by_members(reconciled[0])
    model_shuffled, golden_shuffled = _golden_by_members(tmp_path / "mdm.duckdb")
    assert golden_shuffled.keys() == golden.keys()
    assert golden_shuffled == golden
    settings, settings_shuffled = json.loads(model), json.loads(model_shuffled)
    del settings["linker_uid"], settings_shuffled["linker_uid"]  # Splink's random name for a linker
    assert _numbers_rounded(settings_shuffled) == _numbers_rounded(settings)


def _numbers_rounded(value: object) -> object:
    """``value`` with every float to 9 significant digits: sums taken in another order differ
    in their last bits."""
    if isinstance(value, dict):
        return {k: _numbers_rounded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_numbers_rounded(v) for v in value]
    return float(f"{value:.9g}") if isinstance(value, float) else value


def test_mdm_runs_shows_what_a_run_replayed_and_its_report_keeps_the_rest(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    db = tmp_path / "copy.duckdb"
    shutil.copy(reconciled[0], db)
    con = database.connect(db)
    (run_id,) = con.execute("SELECT run_id FROM runs ORDER BY started_at DESC LIMIT 1").fetchone()
    before = runs.get_run(con, run_id)["report"]
    runs.record_replay(con, run_id, {"posts": 12, "deletions": 1, "replayed": 11, "skipped": 2}, 0)
    after = runs.get_run(con, run_id)["report"]
    con.close()
    assert after == {**before, "replayed": {"posts": 12, "deletions": 1, "replayed": 11, "skipped": 2}}
    listed = runner.invoke(app, ["runs", "--db", str(db), "--limit", "1"])
    assert listed.exit_code == 0, listed.output
    assert "replayed 11 changes made through the API during it (2 skipped)" in listed.output


def test_an_attribute_s_own_source_order_decides_its_golden_value(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    """Shipping is trusted for addresses, billing most overall: every golden record with a
    shipping address takes it; and a source the order misnames stops the run before it starts."""
    data = load_rules().model_dump(mode="json", exclude_none=True)
    data["survivorship"]["address"] = {"rules": ["source_priority", "most_recent"],
                                       "source_order": ["shipping"]}
    rules = tmp_path / "rules.yaml"
    rules.write_text(json.dumps(data))  # JSON is YAML
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    reconcile(small_sample / "sources.yaml", db, rules_path=rules, today=TODAY)
    con = duckdb.connect(str(db), read_only=True)
    by_source = dict(con.execute("""
        SELECT l.source, count(*) FROM golden_lineage l
        JOIN golden_records g USING (golden_id)
        WHERE g.status = 'active' AND l.attribute = 'address'
          AND EXISTS (SELECT 1 FROM xref x JOIN std_records s USING (record_key)
                      WHERE x.golden_id = l.golden_id AND s.source = 'shipping' AND s.address IS NOT NULL)
        GROUP BY ALL""").fetchall())
    before = dict(duckdb.connect(str(reconciled[0]), read_only=True).execute("""
        SELECT l.source, count(*) FROM golden_lineage l WHERE l.attribute = 'address'
        GROUP BY ALL""").fetchall())
    con.close()
    assert set(by_source) == {"shipping"} and by_source["shipping"] > 50, by_source
    assert set(before) - {"shipping"}  # the default rules took other sources' addresses

    data["survivorship"]["address"]["source_order"] = ["shiping"]
    rules.write_text(json.dumps(data))
    with pytest.raises(ConfigError) as e:
        reconcile(small_sample / "sources.yaml", db, rules_path=rules, today=TODAY)
    assert str(e.value) == (f"{rules}: key 'survivorship.address.source_order': 'shiping' is not a source"
                            " (the sources: billing, marketing, sales, shipping)")
    assert runs.list_runs(database.connect(db), limit=1)[0]["status"] == "succeeded"


def test_given_names_written_with_other_diacritics_at_one_home_are_two_people(
    small_sample: Path, tmp_path: Path
) -> None:
    """Hùng and Hưng fold alike to "hung": two members of a household, sharing its landline and
    address, linked as one with the same name. Both written with diacritics, the names differ; one
    written without them ("TRAN QUOC TUAN") is still the same name, and links."""
    homes = [("Nguyễn Văn Hùng", "Nguyễn Văn Hưng", "024 3823 4567", "12 Ngõ 45 Phố Huế", "Hà Nội"),
             ("Lê Minh Đức", "Lê Minh Dục", "0236 3812 345", "88 Lê Duẩn", "Đà Nẵng"),
             ("Võ Thị Thơ", "Võ Thị Thọ", "028 3930 1122", "27 Nguyễn Đình Chiểu", "Hồ Chí Minh"),
             ("Trần Quốc Tuấn", "TRAN QUOC TUAN", "0225 3745 678", "5 Lạch Tray", "Hải Phòng")]
    fields = {"full_name": "name", "phone": "phone", "address": "address", "city": "city"}
    rows = {source: [[f"H{i}", home[side], *home[2:]] for i, home in enumerate(homes)]
            for side, source in enumerate(("shop", "club"))}
    path = _sample_with(small_sample, tmp_path, rows, ["id", "name", "phone", "address", "city"], fields)
    db = tmp_path / "homes.duckdb"
    assert reconcile(path, db, today=TODAY).status == "succeeded"
    with duckdb.connect(str(db), read_only=True) as con:
        golden = dict(con.execute(
            "SELECT s.source || ':' || s.source_id, x.golden_id FROM xref x"
            " JOIN std_records s USING (record_key) WHERE s.source IN ('shop', 'club')").fetchall())
    linked = [golden[f"shop:H{i}"] == golden[f"club:H{i}"] for i in range(len(homes))]
    assert linked == [False, False, False, True]


def test_mdm_runs_json_writes_its_times_in_utc_with_the_offset(  # type: ignore[no-untyped-def]
    reconciled, tmp_path: Path,
) -> None:
    """`mdm runs --json` is read by a nightly job's script, as `GET /runs` is by a client: its times
    are the same UTC instants, written with their offset (`…T21:44:25.524970Z`); they were written
    `2026-12-07 21:44:25.524970`, which a script reads as its own local time."""
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    result = CliRunner().invoke(app, ["runs", "--db", str(db), "--json"], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    run = json.loads(result.output)[0]
    con = database.connect(db)
    try:
        stored = runs.list_runs(con, limit=1)[0]
    finally:
        con.close()
    for key in ("started_at", "finished_at"):
        assert run[key] == stored[key].isoformat(timespec="microseconds") + "Z", (key, run[key])

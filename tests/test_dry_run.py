"""A dry run computes what a run would change and publishes nothing."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mdm.cli import app
from mdm.pipeline import reconcile
from tests.conftest import TODAY
from tests.test_removals import _copy, _keep_rows, billing_halved, rows

runner = CliRunner()
TABLES = ("source_records", "std_records", "xref", "golden_records", "golden_lineage", "golden_history",
          "pairs", "review_queue", "decisions", "constraints", "models", "quarantine")


def _contents(db: Path) -> dict[str, list]:
    return {t: rows(db, f"SELECT * FROM {t} ORDER BY ALL") for t in TABLES}


def _runs(db: Path) -> list[tuple]:
    return rows(db, "SELECT status, model_id, CAST(counts AS VARCHAR) FROM runs ORDER BY started_at")


def test_a_dry_run_reports_what_a_run_would_change_and_publishes_nothing(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    sources, db, _published, cut = billing_halved(small_sample, reconciled, tmp_path)
    before = _contents(db)
    report = reconcile(sources, db, today=TODAY, dry_run=True)
    assert _contents(db) == before
    assert report.status == "previewed" and report.sources["billing"].removed == len(cut)
    assert report.removals_refused is not None and "source 'billing'" in report.removals_refused
    assert report.golden_changes.get("retired", 0) + report.golden_changes.get("changed", 0) > 0
    assert _runs(db)[-1][0] == "previewed"
    real = reconcile(sources, db, today=TODAY, accept_removals=True)  # what the dry run said, it does
    assert real.golden_changes == report.golden_changes and real.golden_records == report.golden_records


def test_a_dry_run_on_a_new_database_keeps_no_model(small_sample, tmp_path):  # type: ignore[no-untyped-def]
    db = tmp_path / "new.duckdb"
    report = reconcile(small_sample / "sources.yaml", db, today=TODAY, dry_run=True)
    assert report.retrained and report.golden_changes["created"] == report.golden_records > 0
    assert all(not rows for rows in _contents(db).values())
    (status, model_id, _counts), = _runs(db)
    assert status == "previewed" and model_id == report.model_id
    again = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    assert again.train_reason == "no model in this database yet"


def test_the_cli_says_nothing_was_published(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    sources, db = _copy(small_sample, reconciled, tmp_path)
    _keep_rows(sources.parent / "billing.csv", 10)
    before = _contents(db)
    done = runner.invoke(app, ["reconcile", "--sources", str(sources), "--db", str(db), "--dry-run"])
    assert done.exit_code == 0, done.output
    assert "nothing was published" in done.output and "a run would stop here: source 'billing'" in done.output
    assert _contents(db) == before
    spark = runner.invoke(app, ["reconcile", "--sources", str(sources), "--engine", "spark",
                                "--out", str(tmp_path / "out"), "--dry-run"])
    assert spark.exit_code != 0 and "mdm load" in spark.output

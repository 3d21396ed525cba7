"""A run that would remove much of a source stops before it publishes (mdm/removals.py)."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import duckdb
import pytest
import yaml
from typer.testing import CliRunner

from mdm.cli import app
from mdm.errors import ConfigError, RemovalsRefusedError
from mdm.pipeline import reconcile
from mdm.removals import ALWAYS_ACCEPTED, Removal, removals
from mdm.sources import load_sources
from tests.conftest import TODAY

runner = CliRunner()


def _copy(small_sample: Path, reconciled: tuple[Path, object], tmp_path: Path) -> tuple[Path, Path]:
    """A copy of the sample's extracts and of its reconciled database."""
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    return sample / "sources.yaml", db


def _keep_rows(path: Path, keep: int) -> set[str]:
    """Keep the header and the first ``keep`` rows of the billing extract; the ids kept."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(rows[: keep + 1])
    return {row[rows[0].index("account_no")] for row in rows[1: keep + 1] if row}


def _edit_config(sources: Path, edit) -> None:  # type: ignore[no-untyped-def]
    raw = yaml.safe_load(sources.read_text(encoding="utf-8"))
    edit(raw["sources"])
    sources.write_text(yaml.safe_dump(raw), encoding="utf-8")


def rows(db: Path, sql: str, params: list | None = None) -> list[tuple]:
    """The rows of one query, on a read-only connection closed after it."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _state(db: Path) -> tuple[list, list]:
    return (rows(db, "SELECT * FROM xref ORDER BY ALL"),
            rows(db, "SELECT golden_id, status, CAST(attributes AS VARCHAR) FROM golden_records"
                     " ORDER BY ALL"))


def _published(db: Path, source: str) -> set[str]:
    return {i for (i,) in rows(db, "SELECT source_id FROM xref WHERE source = ?", [source])}


def billing_halved(small_sample: Path, reconciled: tuple[Path, object], tmp_path: Path
                   ) -> tuple[Path, Path, set[str], set[str]]:
    """A copy of the sample and its database whose billing extract lost half its rows: the
    sources file, the database, billing's published ids and those gone from its extract."""
    sources, db = _copy(small_sample, reconciled, tmp_path)
    published = _published(db, "billing")
    return sources, db, published, published - _keep_rows(sources.parent / "billing.csv", len(published) // 2)


def test_a_truncated_extract_stops_the_run_and_publishes_nothing(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    sources, db, published, cut = billing_halved(small_sample, reconciled, tmp_path)
    before = _state(db)
    with pytest.raises(RemovalsRefusedError) as refused:
        reconcile(sources, db, today=TODAY)
    message = str(refused.value)
    assert f"source 'billing': {len(cut):,} of its {len(published):,} published records" in message
    assert "max_removed_share 0.2" in message and "--accept-removals" in message
    assert "sales" not in message  # the sources within their limits are not named
    assert _state(db) == before
    last = rows(db, "SELECT status, error FROM runs ORDER BY started_at DESC LIMIT 1")
    assert last == [("failed", message)]
    assert rows(db, "SELECT count(*) FROM duckdb_tables() WHERE starts_with(table_name, 'stage_')") == [(0,)]


def test_accepted_removals_are_published_and_counted(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    sources, db, published, cut = billing_halved(small_sample, reconciled, tmp_path)
    report = reconcile(sources, db, today=TODAY, accept_removals=True)
    assert report.sources["billing"].removed == len(cut) > len(published) // 3
    assert report.sources["sales"].removed == 0
    assert _published(db, "billing") == published - cut


def test_removals_within_the_limit_are_published_and_counted(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    sources, db = _copy(small_sample, reconciled, tmp_path)
    published = _published(db, "billing")
    cut = published - _keep_rows(sources.parent / "billing.csv", len(published) - (ALWAYS_ACCEPTED + 5))
    assert ALWAYS_ACCEPTED < len(cut) < 0.2 * len(published)  # more than the floor, less than the share
    report = reconcile(sources, db, today=TODAY)
    assert report.status == "succeeded" and report.sources["billing"].removed == len(cut)
    assert _published(db, "billing") == published - cut


def test_a_source_dropped_from_the_config_stops_the_run_until_accepted(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    sources, db = _copy(small_sample, reconciled, tmp_path)
    _edit_config(sources, lambda s: s.remove(next(x for x in s if x["name"] == "marketing")))
    published = len(_published(db, "marketing"))
    with pytest.raises(RemovalsRefusedError, match=f"source 'marketing' is no longer in {sources}: its"
                       f" {published:,} published records would be removed"):
        reconcile(sources, db, today=TODAY)
    report = reconcile(sources, db, today=TODAY, accept_removals=True)
    assert report.sources["marketing"].removed == published
    assert _published(db, "marketing") == set()


def test_a_source_renamed_stops_the_run_saying_its_name_is_part_of_its_keys(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    """The same extract under a new name: its keys are new keys, so the customers only it held
    would get new golden ids. The refusal names the likely rename and says to keep the name."""
    sources, db = _copy(small_sample, reconciled, tmp_path)
    _edit_config(sources, lambda s: next(x for x in s if x["name"] == "marketing").update(name="newsletter"))
    renamed = "if 'newsletter' is it renamed, keep the name 'marketing'"
    with pytest.raises(RemovalsRefusedError, match=renamed):
        reconcile(sources, db, today=TODAY)


def test_a_source_allowed_to_empty_may(small_sample, reconciled, tmp_path):  # type: ignore[no-untyped-def]
    sources, db = _copy(small_sample, reconciled, tmp_path)
    _keep_rows(sources.parent / "billing.csv", 0)
    _edit_config(sources, lambda s: next(x for x in s if x["name"] == "billing").update(max_removed_share=1))
    report = reconcile(sources, db, today=TODAY)
    assert report.status == "succeeded" and _published(db, "billing") == set()


def test_the_cli_names_the_refusal_and_takes_accept_removals(  # type: ignore[no-untyped-def]
    small_sample, reconciled, tmp_path
):
    sources, db = _copy(small_sample, reconciled, tmp_path)
    removed = len(_published(db, "billing") - _keep_rows(sources.parent / "billing.csv", 10))
    args = ["reconcile", "--sources", str(sources), "--db", str(db)]
    refused = runner.invoke(app, args)
    assert refused.exit_code == 3 and "source 'billing'" in refused.output, refused.output  # not a failure
    accepted = runner.invoke(app, [*args, "--accept-removals"])
    assert accepted.exit_code == 0, accepted.output
    header = next(line for line in accepted.output.splitlines() if "rows read" in line)
    billing = next(line for line in accepted.output.splitlines() if line.startswith("│ billing"))
    assert header.split()[-2] == "removed" and billing.split()[-2] == f"{removed:,}"
    listed = runner.invoke(app, ["runs", "--db", str(db), "--json"])
    assert listed.exit_code == 0, listed.output
    newest = json.loads(listed.output)[:2]
    assert [(r["status"], (r["counts"] or {}).get("sources", {}).get("billing", {}).get("removed"))
            for r in newest] == [("succeeded", removed), ("failed", None)]
    assert newest[1]["error"].startswith("source 'billing'")
    table = runner.invoke(app, ["runs", "--db", str(db), "--limit", "2"])
    lines = table.output.splitlines()
    assert table.exit_code == 0 and lines[0].startswith(f"{newest[0]['run_id']}  succeeded"), table.output
    assert lines[1].startswith(f"{newest[1]['run_id']}  failed") and "source 'billing'" in lines[2]


def test_the_limit_is_a_share_of_the_published_records_above_a_floor(  # type: ignore[no-untyped-def]
    tmp_path
):
    def refused(published: int, removed: int, share: float = 0.2) -> bool:
        return Removal("s", published, removed, share, True).refused

    assert not refused(1_000, 200) and refused(1_000, 201)
    assert not refused(30, ALWAYS_ACCEPTED)  # a third of a small source, but only a few records
    assert refused(30, ALWAYS_ACCEPTED + 1)
    assert not refused(1_000, 1_000, share=1.0) and refused(1_000, 11, share=0.0)
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - {name: a, path: a.csv, format: csv, id_column: id,"
                      " fields: {full_name: name}, max_removed_share: 0.5}\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("id\n1\n", encoding="utf-8")
    found = removals({"a": (100, 40), "gone": (50, 50)}, load_sources(config))
    assert [(r.source, r.max_share, r.in_config, r.refused) for r in found] == [
        ("a", 0.5, True, False), ("gone", 0.2, False, True)]


def test_a_share_outside_0_to_1_is_a_config_error_naming_it(tmp_path):  # type: ignore[no-untyped-def]
    config = tmp_path / "sources.yaml"
    config.write_text("sources:\n  - {name: a, path: a.csv, format: csv, id_column: id,"
                      " fields: {full_name: name}, max_removed_share: 1.5}\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("id\n1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="source 'a', key 'max_removed_share'"):
        load_sources(config)

"""A source whose extract holds only what changed (``extract: changes``) on the Spark engine: the
records its extract leaves out come from ``--previous`` and are carried as the DuckDB engine
carries them from its own file, and the rows it flags deleted (``deleted:``) take their keys out
as there."""

from __future__ import annotations

import csv
import io
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import ApiSettings
from mdm.cli import app
from mdm.errors import ConfigError
from mdm.load import load_run
from mdm.pipeline import reconcile
from mdm.store import database, exports
from tests.api.conftest import make_keys
from tests.conftest import TODAY
from tests.spark.test_spark_engine import _duckdb
from tests.test_extract_changes import _rows, _write

runner = CliRunner()


@pytest.fixture(scope="module")
def spark() -> Iterator[Any]:
    from mdm.spark.session import spark_session

    session = spark_session("local[2]", conf={"spark.driver.memory": "2g"})
    yield session
    session.stop()


def _spark_out(out: Path, table: str, columns: str, tail: str = "") -> list[tuple[Any, ...]]:
    return duckdb.sql(f"SELECT {columns} FROM read_parquet('{out}/{table}/*.parquet') {tail}").fetchall()


def _clusters(rows: list[tuple[str, str]]) -> set[frozenset[str]]:
    members: dict[str, set[str]] = {}
    for key, golden_id in rows:
        members.setdefault(golden_id, set()).add(key)
    return {frozenset(m) for m in members.values()}


def _changes_config(small_sample: Path, folder: Path) -> dict[str, Any]:
    """The small sample in ``folder`` with its billing source sending only what changed, each row's
    ``op`` saying whether its record was deleted ('D'; every row an insert, 'I', so far)."""
    shutil.copytree(small_sample, folder)
    config = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    (billing,) = [s for s in config["sources"] if s["name"] == "billing"]
    billing["extract"] = "changes"
    billing["deleted"] = {"column": "op", "values": ["D"]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    header, *rows = list(csv.reader(io.StringIO((folder / "billing.csv").read_text(encoding="utf-8-sig"))))
    out = io.StringIO()
    csv.writer(out).writerows([[*header, "op"], *([*row, "I"] for row in rows)])
    (folder / "billing.csv").write_text(out.getvalue(), encoding="utf-8")
    return billing


def test_a_changes_extract_on_spark_carries_the_stored_records_as_duckdb_does(  # type: ignore[no-untyped-def]
    small_sample: Path, spark: Any, tmp_path: Path
) -> None:
    """``mdm export previous`` holds the stored records (here ``--source billing``'s alone, which is
    all the run reads); a Spark run given it carries those its extract of changes leaves out, as
    the DuckDB engine does from its own file (a record posted through the API is the post's, one
    deleted through it is gone), with the same counts, values and clusters; ``mdm load`` publishes
    it without counting the carried records as removed. A row flagged deleted takes its key out (one
    of a key never stored is only counted), and one dated after its key's post leaves the post out,
    on both engines, which drop it from the stored posts. So does any value of a ``deleted_at``
    (``any_value: true``) but spaces and NULL, and a JSON lines flag key no row has deletes none:
    both count the rows holding a source's flag column, none of marketing's."""
    from mdm.spark.engine import reconcile_spark

    folder = tmp_path / "data"
    billing = _changes_config(small_sample, folder)
    sources = folder / "sources.yaml"
    config = yaml.safe_load(sources.read_text(encoding="utf-8"))
    flags = {"sales": {"column": "deleted_at", "any_value": True}, "marketing": {"column": "_deleted"}}
    for spec in config["sources"]:
        spec["deleted"] = flags.get(spec["name"], spec.get("deleted"))
    sources.write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    sales_header, sales_rows = _rows(folder / "sales.csv")
    _write(folder / "sales.csv", [*sales_header, "deleted_at"], [[*r, ""] for r in sales_rows])
    db = tmp_path / "mdm.duckdb"
    reconcile(sources, db, today=TODAY)
    sales = {k for (k,) in _duckdb(db, "SELECT source_id FROM xref WHERE source = 'sales'")}
    sales_gone, spaces, null = sorted(sales)[:3]
    at = {sales_gone: "2026-06-01T10:00:00", spaces: "  ", null: "NULL"}
    _write(folder / "sales.csv", [*sales_header, "deleted_at"], [[*r, at.get(r[0], "")] for r in sales_rows])
    con = database.connect(db)
    try:
        exports.export_model(con, tmp_path / "model.json")
    finally:
        con.close()
    done = runner.invoke(app, ["export", "previous", "--db", str(db), "--out", str(tmp_path / "previous"),
                               "--source", "billing"])
    assert done.exit_code == 0, done.output
    stored = {k for (k,) in _duckdb(db, "SELECT source_id FROM xref WHERE source = 'billing'")}

    # Today's extract of changes: one record changed, one new, one deleted, one never stored deleted.
    header, *rows = list(csv.reader(io.StringIO((folder / "billing.csv").read_text(encoding="utf-8-sig"))))
    id_at, phone_at = header.index(billing["id_column"]), header.index(billing["fields"]["phone"])
    changed, new, flagged, never = [*rows[0]], [*rows[1]], [*rows[2][:-1], "D"], [*rows[3][:-1], "D"]
    changed[phone_at], new[id_at], never[id_at] = "0909 123 457", "B-NEW-1", "B-NEVER-1"
    # Since the export: a record the extract leaves out posted through the API, another deleted, and
    # a third posted that the extract flags deleted after (its post is left out).
    in_extract = ", ".join(f"'{row[id_at]}'" for row in rows[:4])
    (posted_id, raw), (deleted_id, _raw), (flagged_later, raw_later) = _duckdb(
        db, "SELECT source_id, CAST(raw AS VARCHAR) FROM source_records WHERE source = 'billing'"
        f" AND source_id NOT IN ({in_extract}) ORDER BY source_id LIMIT 3")
    later = {**json.loads(raw_later), "op": "D", billing["fields"]["updated_at"]: "20/06/2026 10:00"}
    out = io.StringIO()
    csv.writer(out).writerows([header, changed, new, flagged, never, [later[h] for h in header]])
    (folder / "billing.csv").write_text(out.getvalue(), encoding="utf-8")
    writer = {"Authorization": f"Bearer {make_keys(db)['writer']}"}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        post = {**json.loads(raw), billing["fields"]["phone"]: "0912 555 666"}
        assert client.post("/sources/billing/records", json=post, headers=writer).status_code == 200
        assert client.delete(f"/sources/billing/records/{deleted_id}", headers=writer).status_code == 200
        post = {**json.loads(raw_later), billing["fields"]["updated_at"]: "15/06/2026 10:00"}
        assert client.post("/sources/billing/records", json=post, headers=writer).status_code == 200
    done = runner.invoke(app, ["export", "posted", "--db", str(db), "--out", str(tmp_path / "posted.jsonl")])
    assert done.exit_code == 0, done.output

    duck_db = tmp_path / "duck.duckdb"
    shutil.copy(db, duck_db)
    duck = reconcile(sources, duck_db, today=TODAY)
    out = tmp_path / "spark-out"
    report = reconcile_spark(sources, str(out), model_path=tmp_path / "model.json",
                             previous=str(tmp_path / "previous"), posted_path=str(tmp_path / "posted.jsonl"),
                             today=TODAY, spark=spark)

    spark_counts = {n: {**vars(c), "removed": 0} for n, c in report.sources.items()}  # counted by the load
    assert spark_counts == {n: {**vars(c), "removed": 0} for n, c in duck.sources.items()}
    assert all(c.read == c.accepted + c.deletions + c.quarantined for c in report.sources.values())
    assert (report.sources["sales"].deletions, report.sources["marketing"].deletions) == (1, 0)
    counts = report.sources["billing"]
    assert (counts.read, counts.accepted, counts.deletions, counts.quarantined) == (5, 2, 3, 0)
    assert (counts.posted, counts.outdated, counts.carried) == (2, 1, len(stored) - 5)
    holding = {n: c.deleted_column_rows for n, c in report.sources.items()}
    sales_holding = report.sources["sales"].accepted + 1
    assert holding == {"billing": 5, "sales": sales_holding, "marketing": 0, "shipping": None}
    assert report.records == duck.records
    columns = "* EXCLUDE (updated_at), CAST(updated_at AS VARCHAR)"
    assert {r[0]: r for r in _spark_out(out, "std_records", columns)} == {
        r[0]: r for r in _duckdb(duck_db, f"SELECT {columns} FROM std_records")}
    mine = f"WHERE source = 'billing' AND source_id IN ('{changed[id_at]}', '{posted_id}') ORDER BY 1"
    assert _spark_out(out, "std_records", "source_id, phone", mine) == sorted(
        [(changed[id_at], "+84909123457"), (posted_id, "+84912555666")])
    xref = "record_key, golden_id"
    assert _clusters(_spark_out(out, "xref", xref)) == _clusters(_duckdb(duck_db, f"SELECT {xref} FROM xref"))

    loaded = load_run(db, out)
    assert loaded["counts"]["sources"]["billing"]["removed"] == duck.sources["billing"].removed == 2
    assert loaded["counts"]["sources"]["billing"]["carried"] == len(stored) - 5
    keys = {k for (k,) in _duckdb(db, "SELECT source_id FROM xref WHERE source = 'billing'")}
    assert keys == stored - {deleted_id, flagged[id_at], flagged_later} | {"B-NEW-1"}
    assert loaded["counts"]["sources"]["sales"]["removed"] == duck.sources["sales"].removed == 1
    sales_now = {k for (k,) in _duckdb(db, "SELECT source_id FROM xref WHERE source = 'sales'")}
    assert sales_now == sales - {sales_gone}
    # The outdated post is dropped by the load, as by a DuckDB run's publish: a later extract without
    # the key would otherwise take it back.
    assert loaded["outdated_posts"] == [["billing", flagged_later]]
    posts = "SELECT source_id FROM posted_records ORDER BY 1"
    assert _duckdb(db, posts) == _duckdb(duck_db, posts) == [(posted_id,)]


def test_a_spark_run_of_a_changes_extract_needs_the_stored_records(
    small_sample: Path, spark: Any, tmp_path: Path
) -> None:
    """Without ``--previous`` the records its extract leaves out are nowhere a Spark run reads: it is
    refused before a session starts, naming the source and the flag; so is a ``--previous`` folder
    exported before it held the stored records, and one exported with other sources' records alone
    (``--source sales``: the run went on, carrying none of billing's stored records)."""
    from mdm.spark.engine import reconcile_spark

    folder = tmp_path / "data"
    _changes_config(small_sample, folder)
    sources = folder / "sources.yaml"
    with pytest.raises(ConfigError, match=r"source 'billing', key 'extract': 'changes' needs --previous"):
        reconcile_spark(sources, str(tmp_path / "out"))
    db = tmp_path / "mdm.duckdb"
    reconcile(sources, db, today=TODAY)
    done = runner.invoke(app, ["export", "previous", "--db", str(db), "--out", str(tmp_path / "previous")])
    assert done.exit_code == 0, done.output
    shutil.rmtree(tmp_path / "previous" / "source_records")  # as an export made before it held them
    with pytest.raises(ConfigError, match="previous: holds no source_records.* `mdm export previous`"):
        reconcile_spark(sources, str(tmp_path / "out"), previous=str(tmp_path / "previous"), today=TODAY,
                        spark=spark)
    done = runner.invoke(app, ["export", "previous", "--db", str(db), "--out", str(tmp_path / "sales"),
                               "--source", "sales"])
    assert done.exit_code == 0, done.output
    said = ("sales: holds the stored records of sales alone \\(`mdm export previous --source`\\), not of"
            " source 'billing', whose extract: changes needs them: export it again with --source billing")
    with pytest.raises(ConfigError, match=said):
        reconcile_spark(sources, str(tmp_path / "out"), previous=str(tmp_path / "sales"), today=TODAY,
                        spark=spark)

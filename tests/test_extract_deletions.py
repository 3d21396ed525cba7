"""An extract's rows flagged deleted (a source's ``deleted:`` column): the run takes their keys'
records out, as a deletion through the API does, and counts every row."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import ApiSettings
from mdm import cli
from mdm.cli import app
from mdm.errors import ConfigError, RemovalsRefusedError
from mdm.pipeline import reconcile
from mdm.sources import load_sources, sources_from_json, sources_to_json
from mdm.store import database, runs
from tests.api.conftest import make_keys
from tests.conftest import TODAY
from tests.test_extract_changes import _rows, _write

runner = CliRunner()


def _flagged_config(small_sample: Path, folder: Path, **billing: Any) -> tuple[list[str], list[list[str]]]:
    """The small sample in ``folder``, its billing source's config updated with ``billing`` and its
    extract given an ``op`` column (every row 'I', an insert); returns the extract's rows."""
    shutil.copytree(small_sample, folder)
    config = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    (spec,) = [s for s in config["sources"] if s["name"] == "billing"]
    spec.update(billing)
    (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    header, rows = _rows(folder / "billing.csv")
    header, rows = [*header, "op"], [[*row, "I"] for row in rows]
    _write(folder / "billing.csv", header, rows)
    return header, rows


def _query(db: Path, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _keys(db: Path, source: str = "billing") -> set[str]:
    return {k for (k,) in _query(db, "SELECT source_id FROM xref WHERE source = ?", [source])}


def _one_and_alone(db: Path) -> tuple[str, str, str]:
    """A billing key whose golden record holds others too, and one alone in its golden record, and
    the golden id of the first."""
    members = dict(_query(db, "SELECT golden_id, count(*) FROM xref GROUP BY golden_id"))
    billing = _query(db, "SELECT source_id, golden_id FROM xref WHERE source = 'billing' ORDER BY source_id")
    shared, golden_id = next((k, g) for k, g in billing if members[g] > 1)
    alone = next(k for k, g in billing if members[g] == 1)
    return shared, alone, golden_id


def test_a_changes_extract_deletes_the_records_it_flags(
    small_sample: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A row whose ``deleted.column`` holds one of ``deleted.values`` (trimmed, any case) takes its
    key's record out of the run's results: its golden record loses it, or retires when it held
    nothing else, and the key's lookup answers as after a deletion through the API. Every row is
    counted: read = accepted + deletions + quarantined; a deletion of a key the database never
    had is counted, and nothing else. The published records it takes out count as removed."""
    folder = tmp_path / "data"
    header, rows = _flagged_config(small_sample, folder, extract="changes",
                                   deleted={"column": "op", "values": ["D", "delete"]})
    db = tmp_path / "mdm.duckdb"
    first = reconcile(folder / "sources.yaml", db, today=TODAY)
    assert first.sources["billing"].deletions == 0
    stored = _keys(db)
    shared, alone, shared_golden = _one_and_alone(db)
    (alone_golden,) = _query(db, "SELECT golden_id FROM xref WHERE source = 'billing' AND source_id = ?",
                             [alone])[0]
    api_deleted = next(k for k in sorted(stored) if k not in (shared, alone))
    by_id = {row[0]: row for row in rows}

    # Today's delta: one changed row, two rows deleting stored keys, one deleting a key never stored,
    # one row without a key.
    id_at = 0
    gone = [*by_id[shared][:-1], " d "]
    also_gone = [*by_id[alone][:-1], "Delete"]
    never = [*by_id[shared][:-1], "D"]
    never[id_at] = "B-NEVER-1"
    blank = [*by_id[shared][:-1], "D"]
    blank[id_at] = ""
    changed = next(r for r in rows if r[id_at] not in (shared, alone, api_deleted))
    _write(folder / "billing.csv", header, [[*changed[:-1], "U"], gone, also_gone, never, blank])
    writer = {"Authorization": f"Bearer {make_keys(db)['writer']}"}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        assert client.delete(f"/sources/billing/records/{api_deleted}", headers=writer).status_code == 200
        after_api = client.get(f"/xref/billing/{api_deleted}", headers=writer)

    monkeypatch.setattr(cli.console, "width", 200)  # the summary's headers on one line
    result = runner.invoke(app, ["reconcile", "--sources", str(folder / "sources.yaml"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert "flagged deleted" in result.output

    con = database.connect(db)
    try:
        counts = runs.list_runs(con)[0]["counts"]["sources"]["billing"]
    finally:
        con.close()
    assert (counts["read"], counts["accepted"], counts["deletions"], counts["quarantined"]) == (5, 1, 3, 1)
    assert counts["read"] == counts["accepted"] + counts["deletions"] + counts["quarantined"]
    assert counts["deleted_column_rows"] == 4  # a CSV's every row with a key holds its header's column
    assert "holds its `deleted:`" not in result.output
    assert (counts["carried"], counts["removed"]) == (len(stored) - 4, 2)
    assert _keys(db) == stored - {shared, alone, api_deleted}
    never_had = "SELECT count(*) FROM quarantine WHERE source = 'billing' AND source_id = 'B-NEVER-1'"
    assert _query(db, never_had) == [(0,)]
    assert (shared_golden, "active") in _query(db, "SELECT golden_id, status FROM golden_records")
    retired = _query(db, "SELECT status FROM golden_records WHERE golden_id = ?", [alone_golden])
    assert retired == [("retired",)]
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        for key in (shared, alone):
            answer = client.get(f"/xref/billing/{key}", headers=writer)
            assert answer.status_code == after_api.status_code == 404
            assert answer.json() == json.loads(after_api.text.replace(api_deleted, key))
        members = client.get(f"/golden-records/{shared_golden}", headers=writer).json()["members"]
        assert shared not in {m["source_id"] for m in members}


def test_a_full_extract_leaves_out_its_soft_deleted_rows(small_sample: Path, tmp_path: Path) -> None:
    """A full extract that still lists the records its system deleted, flagged (a soft delete),
    says so with ``deleted:`` (values by default true, 1, y, yes): those keys' records leave the
    results as if missing from it, and count against ``max_removed_share`` as removals do, the
    refusal saying they may be flagged deleted."""
    folder = tmp_path / "data"
    header, rows = _flagged_config(small_sample, folder, deleted={"column": "op"})
    db = tmp_path / "mdm.duckdb"
    reconcile(folder / "sources.yaml", db, today=TODAY)
    stored = _keys(db)

    flagged = {rows[0][0]: "TRUE", rows[1][0]: " 1", rows[2][0]: "yes"}
    _write(folder / "billing.csv", header, [[*r[:-1], flagged.get(r[0], "false")] for r in rows])
    report = reconcile(folder / "sources.yaml", db, today=TODAY)
    counts = report.sources["billing"]
    assert (counts.read, counts.deletions, counts.removed) == (len(rows), 3, 3)
    assert counts.read == counts.accepted + counts.deletions + counts.quarantined
    assert _keys(db) == stored - set(flagged)

    _write(folder / "billing.csv", header, [[*r[:-1], "Y"] for r in rows])
    with pytest.raises(RemovalsRefusedError, match="are not in its extract or flagged deleted in it"):
        reconcile(folder / "sources.yaml", db, today=TODAY)
    assert _keys(db) == stored - set(flagged)


def _two_posted(small_sample: Path, tmp_path: Path) -> tuple[Path, Path, list[str], list[list[str]]]:
    """The billing changes source flagged by ``op``, published once, then its first two rows posted
    through the API dated 15/06/2026 10:00; returns the sources' folder, the database, the header
    and the rows."""
    folder = tmp_path / "data"
    header, rows = _flagged_config(small_sample, folder, extract="changes", deleted={"column": "op"})
    db = tmp_path / "mdm.duckdb"
    reconcile(folder / "sources.yaml", db, today=TODAY)
    writer = {"Authorization": f"Bearer {make_keys(db)['writer']}"}
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        for row in rows[:2]:
            post = {**dict(zip(header[:-1], row[:-1], strict=True)), "updated": "15/06/2026 10:00"}
            assert client.post("/sources/billing/records", json=post, headers=writer).status_code == 200
    return folder, db, header, rows


def test_a_post_and_a_row_flagged_deleted_the_later_wins(small_sample: Path, tmp_path: Path) -> None:
    """A key posted through the API and flagged deleted in the extract: as for any file row, the
    later ``updated_at`` is its version: a deletion dated after the post leaves the post out
    (outdated), one dated before (or undated) leaves the post standing."""
    folder, db, header, rows = _two_posted(small_sample, tmp_path)
    updated = header.index("updated")
    older, newer = rows[0], rows[1]
    deleted_after = [*older[:-1], "y"]
    deleted_after[updated] = "20/06/2026 10:00"
    deleted_before = [*newer[:-1], "y"]
    deleted_before[updated] = "10/06/2026 10:00"
    _write(folder / "billing.csv", header, [deleted_after, deleted_before])
    report = reconcile(folder / "sources.yaml", db, today=TODAY)
    counts = report.sources["billing"]
    assert (counts.deletions, counts.posted, counts.outdated, counts.superseded) == (2, 2, 1, 0)
    keys = _keys(db)
    assert older[0] not in keys and newer[0] in keys


def test_a_deleted_flag_is_checked_as_a_mapped_column(small_sample: Path, tmp_path: Path) -> None:
    """A flag column missing from a CSV header or a Parquet schema fails naming file, source and
    key (unlike a JSON source's key, which rows may all lack: a header names its columns every day,
    so one it lacks is a typo); so do an unknown key under ``deleted`` and a blank value, which
    would take every row without a flag for deleted."""
    folder = tmp_path / "data"
    header, rows = _flagged_config(small_sample, folder, deleted={"column": "is_deleted"})
    with pytest.raises(ConfigError, match=r"billing\.csv: source 'billing', key 'deleted\.column':"
                                          r" column 'is_deleted' is not in the header"):
        reconcile(folder / "sources.yaml", tmp_path / "mdm.duckdb", today=TODAY)
    config = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    (spec,) = [s for s in config["sources"] if s["name"] == "billing"]
    columns = {h: [r[i] for r in rows] for i, h in enumerate(header)}
    pq.write_table(pa.table(columns), folder / "billing.parquet")
    spec.update(path="billing.parquet", format="parquet")
    (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"billing\.parquet: source 'billing', key 'deleted\.column':"
                                          r" column 'is_deleted' is not in the Parquet schema"):
        reconcile(folder / "sources.yaml", tmp_path / "mdm.duckdb", today=TODAY)
    for wrong, key, problem in (({"column": "op", "value": ["D"]}, "deleted.value", "unknown key"),
                                ({"column": "op", "values": ["D", " "]}, "deleted.values", "blank value")):
        spec["deleted"] = wrong
        (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"sources\.yaml: source 'billing', key '{key}'.*{problem}"):
            load_sources(folder / "sources.yaml")
    spec["deleted"] = {"column": "op", "values": [True, 1, " D "]}
    (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    (billing,) = [s for s in load_sources(folder / "sources.yaml").sources if s.name == "billing"]
    assert billing.deleted is not None and billing.deleted.values == ("true", "1", "d")


def test_any_value_of_a_deleted_at_column_says_deleted(small_sample: Path, tmp_path: Path) -> None:
    """``deleted: {column: deleted_at, any_value: true}``: a soft delete's timestamp, any value,
    says deleted; a blank cell, spaces, or an export's marker for no value (NULL, \\N: a dump's)
    do not. Every row is counted, and the config reads back as stored with the run. Written with
    ``values`` too, or ``any_value`` not true or false, it fails naming file, source and key."""
    folder = tmp_path / "data"
    header, rows = _flagged_config(small_sample, folder, deleted={"column": "deleted_at", "any_value": True})
    header[-1] = "deleted_at"
    ids = [r[0] for r in rows]
    gone, spaces, null, dump_null = [k for k in ids if k.strip() and ids.count(k) == 1][:4]
    at = {gone: "2026-06-01 10:00", spaces: "  ", null: "NULL", dump_null: "\\N"}
    _write(folder / "billing.csv", header, [[*r[:-1], at.get(r[0], "")] for r in rows])
    db = tmp_path / "mdm.duckdb"
    counts = reconcile(folder / "sources.yaml", db, today=TODAY).sources["billing"]
    assert (counts.read, counts.deletions) == (len(rows), 1)
    assert counts.read == counts.accepted + counts.deletions + counts.quarantined
    keys = _keys(db)
    assert gone not in keys and {spaces, null, dump_null} <= keys
    config = load_sources(folder / "sources.yaml")
    assert sources_from_json(sources_to_json(config)) == config

    raw = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    (spec,) = [s for s in raw["sources"] if s["name"] == "billing"]
    for wrong, key, problem in (({"values": ["D"]}, "deleted", "`values`.* or `any_value: true`.*not both"),
                                ({"any_value": "sometimes"}, "deleted.any_value", "boolean")):
        spec["deleted"] = {"column": "deleted_at", "any_value": True, **wrong}
        (folder / "sources.yaml").write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
        with pytest.raises(ConfigError, match=rf"sources\.yaml: source 'billing', key '{key}': .*{problem}"):
            load_sources(folder / "sources.yaml")


def test_a_post_a_later_file_row_outdated_stays_out_once_the_extract_has_no_row_of_it(
    small_sample: Path, tmp_path: Path
) -> None:
    """A post that loses to a later file row (or to a later row flagged deleted) is outdated: the
    run that weighs it drops it from the stored posts, so that the next delta without the key
    keeps the record that run stored (or keeps the key out) instead of taking the old post back."""
    folder, db, header, rows = _two_posted(small_sample, tmp_path)
    updated = header.index("updated")
    changed_later, deleted_later, other = rows[0], rows[1], rows[2]
    newer = [*changed_later[:-1], "U"]
    newer[updated] = "20/06/2026 10:00"
    gone = [*deleted_later[:-1], "y"]
    gone[updated] = "20/06/2026 10:00"
    _write(folder / "billing.csv", header, [newer, gone])
    second = reconcile(folder / "sources.yaml", db, today=TODAY).sources["billing"]
    assert (second.posted, second.outdated, second.deletions) == (2, 2, 1)
    raw_of = "SELECT CAST(raw AS VARCHAR) FROM source_records WHERE source = 'billing' AND source_id = ?"
    (stored,) = _query(db, raw_of, [newer[0]])[0]
    assert json.loads(stored)["updated"] == "20/06/2026 10:00"
    assert _query(db, "SELECT count(*) FROM posted_records") == [(0,)]

    _write(folder / "billing.csv", header, [[*other[:-1], "U"]])  # a delta without either key
    third = reconcile(folder / "sources.yaml", db, today=TODAY).sources["billing"]
    assert (third.posted, third.outdated, third.superseded) == (0, 0, 0)
    assert _query(db, raw_of, [newer[0]]) == [(stored,)]
    assert deleted_later[0] not in _keys(db)


def _write_feed(path: Path, records: list[dict[str, Any]]) -> None:
    """``records`` as JSON lines, or as one JSON array for a ``.json`` path."""
    if path.suffix == ".json":
        path.write_text(json.dumps(records, ensure_ascii=False), encoding="utf-8")
    else:
        path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records), encoding="utf-8")


def _change_feed(small_sample: Path, folder: Path, fmt: str, **marketing: Any) -> list[dict[str, Any]]:
    """The small sample in ``folder``, its marketing source (JSON lines) written as ``fmt`` (jsonl,
    or json: one array) of its objects alone, no row holding a ``_deleted`` key, and configured with
    ``marketing``; returns the records."""
    shutil.copytree(small_sample, folder)
    lines = (folder / "marketing.jsonl").read_text(encoding="utf-8").splitlines()
    records = []
    for line in lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            continue
    records = [r for r in records if isinstance(r, dict)]
    (folder / "marketing.jsonl").unlink()
    _write_feed(folder / f"marketing.{fmt}", records)
    config = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    (spec,) = [s for s in config["sources"] if s["name"] == "marketing"]
    spec.update(path=f"marketing.{fmt}", format=fmt, **marketing)
    (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    return records


@pytest.mark.parametrize("fmt", ["jsonl", "json"])
def test_a_change_feed_writes_its_deleted_key_on_the_rows_it_deletes_alone(
    small_sample: Path, tmp_path: Path, fmt: str
) -> None:
    """A JSON lines or JSON change feed writes its flag's key only on the rows it deletes
    (``{"id": 2, "_deleted": true}``): a day on which no row has it reads, deleting nothing, and a
    row without the key, or with it null or false, is not deleted. Every row is counted, and those
    holding the key: in none, the run's summary warns (a typo in its name would delete nothing
    unseen). A mapped field's key no row has still fails, naming file, source and key."""
    folder = tmp_path / "data"
    records = _change_feed(small_sample, folder, fmt, extract="changes", deleted={"column": "_deleted"})
    db = tmp_path / "mdm.duckdb"
    result = runner.invoke(app, ["reconcile", "--sources", str(folder / "sources.yaml"), "--db", str(db)])
    assert result.exit_code == 0, result.output
    con = database.connect(db)
    try:
        first = runs.list_runs(con)[0]["counts"]["sources"]
    finally:
        con.close()
    marketing = first["marketing"]
    assert (marketing["read"], marketing["deletions"]) == (len(records), 0)
    assert marketing["read"] == marketing["accepted"] + marketing["deletions"] + marketing["quarantined"]
    assert marketing["deleted_column_rows"] == 0
    assert first["billing"]["deleted_column_rows"] is None  # it names no `deleted:` column
    output = " ".join(result.output.split())
    assert (f"warning: marketing: none of its {marketing['accepted']:,} rows holds its `deleted:`"
            " column, so none was deleted (a change feed's quiet day, or a typo in `deleted.column`)"
            ) in output
    assert output.count("`deleted:` column") == 1
    stored = _keys(db, "marketing")
    changed, gone, null, false = [r for r in records if r["subscriber_id"] in stored][:4]
    _write_feed(folder / f"marketing.{fmt}", [
        {**changed, "city": "Hà Nội"}, {"subscriber_id": gone["subscriber_id"], "_deleted": True},
        {**null, "_deleted": None}, {**false, "_deleted": False}])
    second = reconcile(folder / "sources.yaml", db, today=TODAY).sources["marketing"]
    assert (second.read, second.accepted, second.deletions, second.quarantined) == (4, 3, 1, 0)
    assert second.deleted_column_rows == 3  # true, null and false; the changed row has no key
    assert (second.carried, second.removed) == (len(stored) - 4, 1)
    assert _keys(db, "marketing") == stored - {gone["subscriber_id"]}

    config = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    (spec,) = [s for s in config["sources"] if s["name"] == "marketing"]
    spec["fields"]["email"] = "e_mail"
    (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    said = (r"source 'marketing', key 'fields\.email': column 'e_mail' is not in the file"
            r" \(no (line|element) has it")
    with pytest.raises(ConfigError, match=rf"marketing\.{fmt}: {said}"):
        reconcile(folder / "sources.yaml", db, today=TODAY)


def test_a_run_the_service_starts_logs_every_warning_the_summary_prints_about_its_sources(
    small_sample: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A run ``POST /runs`` starts has no console to print the summary's warnings on: each one
    ``mdm reconcile`` prints about the sources (here, billing's bytes its encoding could not decode
    and no marketing row holding its ``deleted:`` column) goes to the log, naming the run, beside
    the counts the OpenAPI document explains."""
    folder = tmp_path / "data"
    _change_feed(small_sample, folder, "jsonl", extract="changes", deleted={"column": "_deleted"})
    text = (folder / "billing.csv").read_text(encoding="utf-8-sig")
    (folder / "billing.csv").write_bytes(text.encode("latin-1", errors="replace"))  # a Windows export
    printed = runner.invoke(app, ["reconcile", "--sources", str(folder / "sources.yaml"),
                                  "--db", str(tmp_path / "cli.duckdb")])
    assert printed.exit_code == 0, printed.output
    before_model = " ".join(printed.output.split()).split(" model: ")[0]  # the line after the warnings
    summary = [w.strip() for w in before_model.split("warning: ")[1:]]
    db = tmp_path / "mdm.duckdb"
    admin = {"Authorization": f"Bearer {make_keys(db)['admin']}"}
    with caplog.at_level("WARNING", logger="mdm"), TestClient(create_app(ApiSettings(db_path=db))) as client:
        started = client.post("/runs", json={"sources": str(folder / "sources.yaml")}, headers=admin)
        run_id = started.json()["run_id"]
        client.app.state.service._run_thread.join(timeout=300)
        run = client.get(f"/runs/{run_id}", headers=admin).json()
        documented = client.get("/openapi.json").json()["components"]["schemas"]["RunPublic"]["properties"]
    assert "`deleted_column_rows`" in documented["counts"]["description"]  # what its 0 means
    assert run["status"] == "succeeded", run
    billing, marketing = run["counts"]["sources"]["billing"], run["counts"]["sources"]["marketing"]
    assert billing["undecodable"] > 0 and marketing["deleted_column_rows"] == 0 and marketing["accepted"] > 0
    logged = [r.getMessage().removeprefix(f"run {run_id}: ") for r in caplog.records
              if r.getMessage().startswith(f"run {run_id}: ")]
    assert logged == summary
    assert [w.split(":")[0] for w in logged] == ["billing", "marketing"]
    assert f"billing: {billing['undecodable']:,} rows hold bytes its encoding could not decode" in logged[0]
    assert logged[1] == (f"marketing: none of its {marketing['accepted']:,} rows holds its `deleted:` column,"
                         " so none was deleted (a change feed's quiet day, or a typo in `deleted.column`)")


def test_a_flag_a_float_column_wrote_says_deleted_as_its_whole_number(tmp_path: Path) -> None:
    """pandas writes a 0/1 soft-delete column with a gap (no flag on rows never deleted) as floats:
    ``1.0`` says deleted as ``1`` does, in a CSV as a JSON 1.0 does, and ``0.0`` does not."""
    from mdm.ingest import ingest

    rows = "id,name,is_deleted\n1,An,\n2,Bo,1.0\n3,Cu,0.0\n4,Di,1\n"
    (tmp_path / "crm.csv").write_text(rows, encoding="utf-8")
    config = {"sources": [{"name": "crm", "path": "crm.csv", "format": "csv", "id_column": "id",
                           "deleted": {"column": "is_deleted"}, "fields": {"full_name": "name"}}]}
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
    ingested = ingest(load_sources(tmp_path / "sources.yaml").sources)
    assert sorted(d.source_id for d in ingested.deletions) == ["2", "4"]
    assert sorted(a.source_id for a in ingested.accepted) == ["1", "3"]


@pytest.mark.parametrize("fmt", ["jsonl", "json", "parquet"])
def test_a_deleted_at_column_holding_false_or_0_says_not_deleted(tmp_path: Path, fmt: str) -> None:
    """``any_value: true`` reads a soft delete's ``deleted_at``: a JSON or Parquet ``false`` there (a
    system writing false until it deletes), or ``0`` (a Unix time's "never"), names no deletion, where
    before every row not deleted was taken as deleted. A time or ``true`` says deleted; ``values:``
    flags read the same booleans as the text ``true`` and ``false`` in every reader."""
    from mdm.ingest import ingest

    rows: list[dict[str, Any]] = [
        {"id": "1", "name": "An", "deleted_at": "2026-06-01T10:00:00Z", "gone": True},
        {"id": "2", "name": "Bo", "deleted_at": False, "gone": False},
        {"id": "3", "name": "Cu", "deleted_at": None, "gone": None},
        {"id": "4", "name": "Di", "deleted_at": 0, "gone": False},
        {"id": "5", "name": "Em", "deleted_at": True, "gone": True},
        {"id": "6", "name": "Gi", "deleted_at": 0.0, "gone": False},
    ]
    if fmt == "parquet":  # a column of one type: a boolean deleted_at
        gone = [r["gone"] for r in rows]
        pq.write_table(pa.table({"id": [r["id"] for r in rows], "name": [r["name"] for r in rows],
                                 "deleted_at": gone, "gone": gone}), tmp_path / "crm.parquet")
    else:
        lines = [json.dumps(r) for r in rows]
        text = "\n".join(lines) if fmt == "jsonl" else "[" + ",\n".join(lines) + "]"
        (tmp_path / f"crm.{fmt}").write_text(text, encoding="utf-8")

    def deleted(flag: dict[str, Any]) -> list[str]:
        config = {"sources": [{"name": "crm", "path": f"crm.{fmt}", "format": fmt, "id_column": "id",
                               "deleted": flag, "fields": {"full_name": "name"}}]}
        (tmp_path / "sources.yaml").write_text(yaml.safe_dump(config), encoding="utf-8")
        return sorted(d.source_id for d in ingest(load_sources(tmp_path / "sources.yaml").sources).deletions)

    assert deleted({"column": "deleted_at", "any_value": True}) == ["1", "5"]
    assert deleted({"column": "gone"}) == ["1", "5"]
    assert deleted({"column": "gone", "values": [False]}) == ["2", "4", "6"]

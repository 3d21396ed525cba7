"""`mdm compact`: an erased customer's bytes leave the file, and nothing else changes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import duckdb
from typer.testing import CliRunner

from mdm.cli import app
from mdm.pipeline import reconcile
from tests.conftest import TODAY

runner = CliRunner()


def _read(db: Path, sql: str, params: list[object] | None = None) -> list[tuple]:  # type: ignore[type-arg]
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def _every_table(db: Path) -> dict[str, list[tuple]]:  # type: ignore[type-arg]
    con = duckdb.connect(str(db), read_only=True)
    try:
        names = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {n: sorted(map(repr, con.execute(f'SELECT * FROM "{n}"').fetchall())) for n in names}
    finally:
        con.close()


def test_compaction_takes_an_erased_customer_s_bytes_out_and_keeps_everything_else(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path
) -> None:
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    # A customer whose e-mail no other record holds: another's stays, as it should. (Golden ids are
    # random: the first by id was sometimes one whose e-mail a record outside it also held.)
    gid, document = _read(db, "WITH g AS (SELECT golden_id, document, json_extract_string(document,"
                              " '$.attributes.email') AS email FROM golden_records WHERE status = 'active'"
                              " AND record_count >= 2)"
                              " SELECT golden_id, document FROM g WHERE email IS NOT NULL"
                              " AND NOT EXISTS (SELECT 1 FROM source_records s JOIN xref x USING (record_key)"
                              "   WHERE x.golden_id <> g.golden_id AND contains(s.raw, g.email))"
                              " AND NOT EXISTS (SELECT 1 FROM quarantine q WHERE contains(q.raw, g.email))"
                              " ORDER BY (SELECT min(m.record_key) FROM xref m"
                              "   WHERE m.golden_id = g.golden_id) LIMIT 1")[0]
    email = json.loads(document)["attributes"]["email"]
    erased = runner.invoke(app, ["erase", "--db", str(db), "--golden-id", gid, "--reason", "DSR-7"])
    assert erased.exit_code == 0, erased.output
    assert email.encode() in db.read_bytes()  # deleted rows, still in the file's free blocks
    kept, size = _every_table(db), db.stat().st_size
    sequences = "SELECT sequence_name, last_value FROM duckdb_sequences() ORDER BY 1"
    numbered = _read(db, sequences)
    assert numbered and numbered[0][1] == _read(db, "SELECT max(seq) FROM golden_history")[0][0]

    done = runner.invoke(app, ["compact", "--db", str(db)])
    assert done.exit_code == 0, done.output
    assert email.encode() not in db.read_bytes()
    assert db.stat().st_size < size and "MB ->" in done.stderr
    assert _every_table(db) == kept
    assert [p.name for p in tmp_path.iterdir() if "compacting" in p.name] == []
    indexes = "SELECT index_name, sql FROM duckdb_indexes() ORDER BY 1"
    assert _read(db, indexes) == _read(reconciled[0], indexes)
    assert _read(db, sequences) == numbered  # the change feed numbers on from where it was

    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)  # the next run goes on from it
    assert report.status == "succeeded"
    assert _read(db, "SELECT count(*) FROM golden_records WHERE golden_id = ?", [gid]) == [(0,)]


def test_a_copy_a_killed_compaction_left_goes_and_a_missing_database_is_refused(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    left = tmp_path / ".mdm.duckdb.compacting"
    left.write_bytes(b"half a copy")
    assert runner.invoke(app, ["compact", "--db", str(db)]).exit_code == 0
    assert not left.exists() and _read(db, "SELECT count(*) FROM xref") == _read(reconciled[0],
                                                                                  "SELECT count(*) FROM xref")
    missing = runner.invoke(app, ["compact", "--db", str(tmp_path / "nope.duckdb")])
    assert missing.exit_code == 2 and "no such database" in " ".join(missing.stderr.split())
    assert not (tmp_path / "nope.duckdb").exists()

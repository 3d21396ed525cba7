"""`mdm keys`: each key id shown whole (`DELETE /keys/{id}` takes it); a writer key's sources."""

from __future__ import annotations

import shutil
from pathlib import Path

from typer.testing import CliRunner, Result

from mdm.cli import app
from mdm.store import database, keys

runner = CliRunner()


def _said(result: Result) -> str:
    """What the command wrote to stderr, its lines joined: it wraps at the terminal's width."""
    return " ".join(result.stderr.split())


def test_keys_list_shows_whole_key_ids_in_a_narrow_terminal(tmp_path: Path) -> None:
    db = str(tmp_path / "mdm.duckdb")
    made = runner.invoke(app, ["keys", "create", "--db", db, "--role", "admin",
                               "--name", "a-rather-long-integration-name", "--expires-in-days", "30"])
    assert made.exit_code == 0, made.output
    key_id = made.stderr.split()[2]
    assert key_id.startswith("K") and len(key_id) == 12, made.stderr
    listed = runner.invoke(app, ["keys", "list", "--db", db], env={"COLUMNS": "80"})
    assert listed.exit_code == 0, listed.output
    assert max(len(line) for line in listed.output.splitlines()) <= 80
    assert key_id in listed.output, listed.output


def test_a_key_made_for_a_database_that_did_not_exist_says_so(tmp_path: Path) -> None:
    """Keys may come before the first run, but a mistyped --db should not pass unnoticed."""
    db = str(tmp_path / "mdm.duckdb")
    first = runner.invoke(app, ["keys", "create", "--db", db, "--role", "admin", "--name", "ops"])
    assert first.exit_code == 0 and "did not exist" in first.stderr, first.stderr
    again = runner.invoke(app, ["keys", "create", "--db", db, "--role", "reader", "--name", "app"])
    assert again.exit_code == 0 and "did not exist" not in again.stderr, again.stderr


def test_a_writer_key_limited_to_sources_names_sources_the_last_run_read(
    reconciled: tuple[Path, object], tmp_path: Path
) -> None:
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    typo = runner.invoke(app, ["keys", "create", "--db", str(db), "--role", "writer", "--name", "crm",
                               "--source", "sales", "--source", "sale"])
    assert typo.exit_code == 2, typo.output
    said = _said(typo)
    assert "--source: no source named 'sale' (the sources: billing, marketing, sales, shipping)" in said, said
    reader = runner.invoke(app, ["keys", "create", "--db", str(db), "--role", "reader", "--name", "bi",
                                 "--source", "sales"])
    assert reader.exit_code == 2 and "only a writer key is limited to sources" in _said(reader), reader.stderr
    made = runner.invoke(app, ["keys", "create", "--db", str(db), "--role", "writer", "--name", "crm",
                               "--source", "sales", "--source", "billing"])
    assert made.exit_code == 0 and "(writer, writes only billing, sales)" in _said(made), made.stderr
    listed = runner.invoke(app, ["keys", "list", "--db", str(db)])
    # the two refused keys were not made (the table's cells wrap at the terminal's width: its
    # role column, "writer: billing, sales", is checked in the store below)
    assert listed.output.split().count("crm") == 1, listed.output
    con = database.connect(db)
    try:
        assert [r["sources"] for r in keys.list_keys(con)] == [["billing", "sales"]]
    finally:
        con.close()


def test_before_the_first_run_a_key_s_sources_cannot_be_checked_and_are_kept(tmp_path: Path) -> None:
    db = str(tmp_path / "mdm.duckdb")
    made = runner.invoke(app, ["keys", "create", "--db", db, "--role", "writer", "--name", "crm",
                               "--source", "crm"])
    assert made.exit_code == 0 and "writes only crm" in _said(made), made.stderr
    padded = runner.invoke(app, ["keys", "create", "--db", db, "--role", "writer", "--name", "erp",
                                 "--source", " erp "])
    assert padded.exit_code == 0 and "writes only erp)" in _said(padded), padded.stderr
    blank = runner.invoke(app, ["keys", "create", "--db", db, "--role", "writer", "--name", "none",
                                "--source", "crm", "--source", " "])
    assert blank.exit_code == 2 and "--source: a source name is empty" in _said(blank), blank.stderr


def test_a_key_is_revoked_with_the_server_stopped(tmp_path: Path) -> None:
    """A lost admin key cannot be revoked over the API by anyone but an admin."""
    db = str(tmp_path / "mdm.duckdb")
    made = runner.invoke(app, ["keys", "create", "--db", db, "--role", "admin", "--name", "ops"])
    key_id, key = made.stderr.split()[2], made.stdout.strip().splitlines()[-1]
    done = runner.invoke(app, ["keys", "revoke", "--db", db, "--key-id", key_id])
    assert done.exit_code == 0 and f"revoked key {key_id}" in _said(done), done.output
    again = runner.invoke(app, ["keys", "revoke", "--db", db, "--key-id", key_id])
    assert again.exit_code == 1 and "no active API key" in _said(again), again.output
    con = database.connect(db)
    try:
        assert keys.find_active(con, key) is None
        audited = "SELECT actor, action, target FROM audit_log WHERE action = 'key.revoke'"
        assert con.execute(audited).fetchall() == [("cli", "key.revoke", key_id)]
        (row,) = keys.list_keys(con)
        assert row["revoked_at"] is not None
    finally:
        con.close()

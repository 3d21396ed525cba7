"""`mdm keys list` shows each key id whole: `DELETE /keys/{id}` takes it."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from mdm.cli import app

runner = CliRunner()


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

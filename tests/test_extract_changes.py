"""A source whose extract holds only the records new or changed since the last (``extract: changes``)."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import yaml
from typer.testing import CliRunner

from mdm.cli import app
from mdm.store import database, runs

runner = CliRunner()


def _rows(path: Path) -> tuple[list[str], list[list[str]]]:
    header, *rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    return header, rows


def _write(path: Path, header: list[str], rows: list[list[str]]) -> None:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    path.write_text(out.getvalue(), encoding="utf-8")


def _reconcile(folder: Path, db: Path, *extra: str) -> str:
    result = runner.invoke(app, ["reconcile", "--sources", str(folder / "sources.yaml"), "--db", str(db),
                                 *extra])
    said = " ".join(result.output.split())
    assert result.exit_code == 0, said
    return said


def test_records_a_changes_extract_leaves_out_stay_as_stored(small_sample: Path, tmp_path: Path) -> None:
    """With a full extract a record missing from it is gone (and more than a fifth of a source gone
    stops the run). A system that sends only what changed since its last extract (a daily delta)
    says so with ``extract: changes``: the records its extract has no row of stay as the database
    holds them, a changed row replaces its record, a new one joins, and the run counts them."""
    folder = tmp_path / "data"
    shutil.copytree(small_sample, folder)
    config = yaml.safe_load((folder / "sources.yaml").read_text(encoding="utf-8"))
    (billing,) = [s for s in config["sources"] if s["name"] == "billing"]
    billing["extract"] = "changes"
    (folder / "sources.yaml").write_text(yaml.safe_dump(config, allow_unicode=True), encoding="utf-8")
    db = tmp_path / "mdm.duckdb"
    _reconcile(folder, db)
    con = database.connect(db)
    stored = {k for (k,) in con.execute("SELECT source_id FROM xref WHERE source = 'billing'").fetchall()}
    con.close()

    header, rows = _rows(folder / "billing.csv")
    phone = header.index(billing["fields"]["phone"])
    changed = [*rows[0]]
    changed[phone] = "0909 123 457"
    new = [*rows[1]]
    new[header.index(billing["id_column"])] = "B-NEW-1"
    _write(folder / "billing.csv", header, [changed, new])
    said = _reconcile(folder, db)
    assert "kept as stored" in said

    con = database.connect(db)
    try:
        report = runs.list_runs(con)[0]
        counts = report["counts"]["sources"]["billing"]
        assert changed[0] in stored and rows[2][0] in stored
        assert (counts["read"], counts["accepted"], counts["carried"], counts["removed"]) == (
            2, 2, len(stored) - 1, 0)
        keys = {k for (k,) in con.execute("SELECT source_id FROM xref WHERE source = 'billing'").fetchall()}
        assert keys == stored | {"B-NEW-1"}
        (phones,) = con.execute(
            "SELECT phone FROM std_records WHERE record_key = ?", [f"billing:{changed[0]}"]).fetchone()
        assert phones == "+84909123457"
        # A record carried is the one stored: its raw row, as its last extract gave it.
        (raw,) = con.execute("SELECT CAST(raw AS VARCHAR) FROM source_records WHERE record_key = ?",
                             [f"billing:{rows[2][0]}"]).fetchone()
        assert rows[2][phone] in raw
    finally:
        con.close()

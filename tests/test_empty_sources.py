"""A first run whose sources give no usable row fails saying so, not inside the model's training."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from mdm.cli import app
from mdm.store import database, runs

runner = CliRunner()


@pytest.mark.parametrize(
    ("rows", "counts"),
    [("", "0 rows read, 0 quarantined"),  # a header alone
     ("1,2\n,,,\n", "2 rows read, 2 quarantined")],  # a short row, and one without its id
)
def test_a_first_run_with_no_usable_row_fails_naming_the_counts(
    tmp_path: Path, rows: str, counts: str
) -> None:
    (tmp_path / "crm.csv").write_text("id,name,phone,email\n" + rows, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    id_column: id\n"
        "    fields: {full_name: name, phone: phone, email: email}\n",
        encoding="utf-8",
    )
    db = tmp_path / "mdm.duckdb"
    result = runner.invoke(app, ["reconcile", "--sources", str(tmp_path / "sources.yaml"), "--db", str(db)])
    expected = f"no records to link: no source gave a usable row (crm: {counts})"
    assert result.exit_code == 1 and expected in " ".join(result.output.split())
    con = database.connect(db)
    (run,) = runs.list_runs(con)
    con.close()
    assert run["status"] == "failed" and run["error"].startswith(expected)


def test_a_first_run_with_no_customer_held_twice_says_why_it_cannot_train(tmp_path: Path) -> None:
    """Every phone and e-mail mapped, but no two records share one: no rule pairs any records,
    which the error said as if the rules named columns the sources lack."""
    rows = "".join(f"{i},Person {i},09{i:08d},p{i}@example.com\n" for i in range(1, 6))
    (tmp_path / "crm.csv").write_text("id,name,phone,email\n" + rows, encoding="utf-8")
    (tmp_path / "sources.yaml").write_text(
        "sources:\n  - name: crm\n    path: crm.csv\n    format: csv\n    id_column: id\n"
        "    fields: {full_name: name, phone: phone, email: email}\n",
        encoding="utf-8",
    )
    result = runner.invoke(app, ["reconcile", "--sources", str(tmp_path / "sources.yaml"),
                                 "--db", str(tmp_path / "mdm.duckdb")])
    said = " ".join(result.output.split())
    assert result.exit_code == 1, said
    assert "no two records share a value on any training.em_blocking rule" in said
    assert "A model learns from customers held more than once: too few records" in said

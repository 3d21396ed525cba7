"""Golden ids stay put when a run adds data: existing customers keep theirs."""

from __future__ import annotations

import shutil

from mdm.pipeline import reconcile
from mdm.store import database
from tests.conftest import TODAY


def test_existing_customers_keep_their_ids_when_data_is_added(small_sample, tmp_path):  # type: ignore[no-untyped-def]
    base = tmp_path / "base"
    shutil.copytree(small_sample, base)
    lines = (small_sample / "shipping.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    (base / "shipping.csv").write_text("".join(lines[: len(lines) * 2 // 3]), encoding="utf-8")
    db = tmp_path / "ids.duckdb"
    reconcile(base / "sources.yaml", db, today=TODAY)
    con = database.connect(db, read_only=True)
    before = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    con.close()

    report = reconcile(small_sample / "sources.yaml", db, today=TODAY)
    con = database.connect(db, read_only=True)
    try:
        after = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
        golden = {g: (status, into) for g, status, into in con.execute(
            "SELECT golden_id, status, merged_into FROM golden_records").fetchall()}
    finally:
        con.close()
    assert len(after) > len(before)  # the second run added records
    kept = sum(after[k] == g for k, g in before.items())
    for key, old in before.items():
        new = after[key]
        # Either the same id, or the old golden record was merged into the new one (a new
        # record bridged two customers) and redirects there.
        assert new == old or golden[old] == ("retired", new), key
    assert kept / len(before) >= 0.95
    assert report.golden_changes.get("created", 0) > 0

"""Real-time decisions agree with what a batch run decides for the same records."""

from __future__ import annotations

import csv
import shutil

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from matching_rules import load_rules
from mdm.pipeline import reconcile
from mdm.store import database
from tests.api.conftest import make_keys
from tests.conftest import TODAY

HELD_OUT = 80


def _split_sales(sample, out):  # type: ignore[no-untyped-def]
    """Copy the sample with the last sales rows held out; returns those rows."""
    shutil.copytree(sample, out)
    lines = (sample / "sales.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, keep, held = lines[0], lines[1:-HELD_OUT], lines[-HELD_OUT:]
    (out / "sales.csv").write_text(header + "".join(keep), encoding="utf-8")
    rows = csv.DictReader([header, *held])
    # Well-formed rows with a key: the broken ones are the batch's quarantine's business.
    return [r for r in rows if None not in r and None not in r.values() and (r["crm_id"] or "").strip()]


def test_realtime_outcomes_agree_with_a_batch_run(small_sample, tmp_path):  # type: ignore[no-untyped-def]
    base = tmp_path / "base"
    held = _split_sales(small_sample, base)
    db = tmp_path / "rt.duckdb"
    reconcile(base / "sources.yaml", db, today=TODAY)
    made = make_keys(db)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        body = client.post(
            "/sources/sales/records:batch", json={"records": held},
            headers={"Authorization": f"Bearer {made['writer']}"},
        ).json()
    assert body["errors"] == 0
    realtime = {d["result"]["source_id"]: d["result"] for d in body["data"]}
    outcomes = {r["outcome"] for r in realtime.values()}
    assert "matched" in outcomes and outcomes & {"new", "review"}  # both kinds of decision were exercised

    # Members each real-time match joined, before the batch rebuilds everything.
    con = database.connect(db, read_only=True)
    try:
        joined = {
            sid: {k for (k,) in con.execute(
                "SELECT record_key FROM xref WHERE golden_id = ? AND record_key <> ?",
                [r["golden_id"], f"sales:{sid}"]).fetchall()}
            for sid, r in realtime.items()
        }
    finally:
        con.close()

    # The batch over the full data, with the same model (the posts are part of its input).
    reconcile(small_sample / "sources.yaml", db, today=TODAY)
    con = database.connect(db, read_only=True)
    try:
        golden_of = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    finally:
        con.close()
    held_keys = {f"sales:{sid}" for sid in realtime}
    agree, auto_link = 0, load_rules().matching.thresholds.auto_link
    for sid, r in realtime.items():
        key = f"sales:{sid}"
        batch_mates = {k for k, g in golden_of.items() if g == golden_of[key] and k != key and k not in held_keys}
        if r["outcome"] == "matched":
            agree += bool(batch_mates & joined[sid])
        else:
            agree += not (batch_mates & {k for c in r["candidates"] if c["match_probability"] >= auto_link
                                         for k in [f"{c['source']}:{c['source_id']}"]})
    assert agree / len(realtime) >= 0.95, f"{agree} of {len(realtime)} agree"

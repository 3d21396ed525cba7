"""A steward's decision or override none of whose records a run has any more (its source renamed
or removed, the removals accepted) lapses: the run says so, marks it and audits why, and a run
that has the records again makes it bind again (mdm/lapsed_decisions.py)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb
import yaml
from typer.testing import CliRunner

from mdm.cli import app
from mdm.service import Service

runner = CliRunner()


def _renamed(sources: Path, old: str, new: str) -> None:
    raw = yaml.safe_load(sources.read_text(encoding="utf-8"))
    next(s for s in raw["sources"] if s["name"] == old)["name"] = new
    sources.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")


def _marketing_only(con: duckdb.DuckDBPyConnection) -> tuple[list[str], str]:
    """Golden records holding marketing records alone, and one of them holding two or more."""
    rows = con.execute("SELECT golden_id, count(*) FROM xref GROUP BY golden_id"
                       " HAVING bool_and(source = 'marketing') ORDER BY golden_id").fetchall()
    return [g for g, _n in rows], next(g for g, n in rows if n >= 2)


def _run(api, sources: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.post("/runs", who="admin", json={"sources": str(sources), "accept_removals": True})
    assert r.status_code == 202, r.json()
    api.client.app.state.service._run_thread.join()
    run = api.get(f"/runs/{r.json()['run_id']}", who="admin").json()
    assert run["status"] == "succeeded", run
    return run


def test_decisions_of_a_renamed_source_lapse_said_and_bind_again_under_its_name(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
):
    """A merge, a split and an override naming only marketing's records: marketing renamed
    newsletter and the removals accepted, the run bound none of them and said nothing (it counted
    them applied). Now its report and counts name each, the decisions are marked lapsed with the
    run's id and the audit log says why (the source no longer listed); listed again as marketing,
    the next run says they bind again, and they do: the merged customer is one again."""
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    sources = sample / "sources.yaml"
    con = api.client.app.state.service.reader()
    only, several = _marketing_only(con)
    a, b, held = [g for g in only if g != several][:3]
    merge = api.post("/golden-records/merge", who="steward", json={"golden_ids": [a, b]}).json()
    (key,) = con.execute("SELECT min(source_id) FROM xref WHERE golden_id = ?", [several]).fetchone()
    split = api.post(f"/golden-records/{several}/split", who="steward",
                     json={"source": "marketing", "source_id": key}).json()
    override = api.client.put(f"/golden-records/{held}/overrides/phone", headers=api.headers("steward"),
                              json={"value": "0912 345 678", "reason": "customer called"}).json()
    decisions = sorted([merge["decision"]["decision_id"], split["decision"]["decision_id"]])

    _renamed(sources, "marketing", "newsletter")
    run = _run(api, sources)
    lapsed = run["report"]["decisions_lapsed"]
    assert sorted(d["decision_id"] for d in lapsed) == decisions
    assert {d["kind"] for d in lapsed} == {"merge", "split"}
    assert all(d["records"] and all(k.startswith("marketing:") for k in d["records"]) for d in lapsed)
    assert all(f"source 'marketing' is no longer in {sources}" in d["why"] for d in lapsed)
    assert run["report"]["overrides_lapsed"] == [
        {"override_id": override["override"]["override_id"], "golden_id": held, "attribute": "phone"}]
    assert (run["counts"]["decisions_lapsed"], run["counts"]["overrides_lapsed"]) == (2, 1)
    assert run["report"]["decisions_applied"] == run["counts"]["decisions_applied"]
    for decision_id in decisions:
        assert api.get(f"/decisions/{decision_id}", who="steward").json()["lapsed_in"] == run["run_id"]
    audited = api.get("/audit", who="admin", params={"action": "decision.lapsed"}).json()["data"]
    assert sorted(e["target"] for e in audited) == decisions
    assert all(e["actor"] == f"run {run['run_id']}" and e["detail"]["run_id"] == run["run_id"]
               and "'marketing'" in e["detail"]["why"] for e in audited)
    # A run that finds them lapsed already says nothing more of them.
    again = _run(api, sources)
    assert (again["report"]["decisions_lapsed"], again["counts"]["decisions_lapsed"]) == ([], 0)

    _renamed(sources, "newsletter", "marketing")
    back = _run(api, sources)
    assert sorted(back["report"]["decisions_binding_again"]) == decisions
    assert [o["override_id"] for o in back["report"]["overrides_binding_again"]] == [
        override["override"]["override_id"]]
    for decision_id in decisions:
        assert api.get(f"/decisions/{decision_id}", who="steward").json()["lapsed_in"] is None
    con = api.client.app.state.service.reader()
    together = con.execute("SELECT DISTINCT golden_id FROM xref WHERE list_contains(?, record_key)",
                           [merge["decision"]["after"][merge["golden_id"]]]).fetchall()
    assert together == [(merge["golden_id"],)]
    golden = api.get(f"/golden-records/{held}", who="reader_pii").json()
    assert golden["status"] == "active" and golden["attributes"]["phone"] == "+84912345678"


def test_the_cli_summary_warns_of_decisions_lapsed_and_runs_count_them(  # type: ignore[no-untyped-def]
    reconciled, small_sample, tmp_path
):
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    service = Service(db)
    service.open()
    try:
        only, _several = _marketing_only(service.reader())
        merged = service.steward(lambda s, con: s.merge(con, only[:2], actor="test-steward", comment=None))
    finally:
        service.close()
    decision_id = merged.decision["decision_id"]
    _renamed(sample / "sources.yaml", "marketing", "newsletter")
    result = runner.invoke(app, ["reconcile", "--sources", str(sample / "sources.yaml"), "--db", str(db),
                                 "--accept-removals"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (f"warning: 1 steward decision with no record left to bind ({decision_id}): source 'marketing' is"
            f" no longer in {sample / 'sources.yaml'}") in said, said
    listed = runner.invoke(app, ["runs", "--db", str(db), "--json"])
    newest = json.loads(listed.output)[0]
    assert newest["counts"]["decisions_lapsed"] == 1
    assert [d["decision_id"] for d in newest["report"]["decisions_lapsed"]] == [decision_id]
    con = duckdb.connect(str(db), read_only=True)
    try:
        lapsed_in = con.execute("SELECT lapsed_in FROM decisions WHERE decision_id = ?", [decision_id]).fetchall()
    finally:
        con.close()
    assert lapsed_in == [(newest["run_id"],)]

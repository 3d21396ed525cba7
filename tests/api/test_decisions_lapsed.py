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


def _run(api, sources: Path, *, dry_run: bool = False) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.post("/runs", who="admin",
                 json={"sources": str(sources), "accept_removals": True, "dry_run": dry_run})
    assert r.status_code == 202, r.json()
    api.client.app.state.service._run_thread.join()
    run = api.get(f"/runs/{r.json()['run_id']}", who="admin").json()
    assert run["status"] == ("previewed" if dry_run else "succeeded"), run
    return run


def test_decisions_of_a_renamed_source_lapse_and_bind_again_under_its_name(  # type: ignore[no-untyped-def]
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


def _stewarded(
    reconciled: tuple[Path, object], small_sample: Path, tmp_path: Path, *, override: bool = False
) -> tuple[Path, Path, str, dict[str, Any] | None]:
    """Copies of the sample and its database in which a steward merged two golden records holding
    marketing's records alone (and, with ``override``, set a third's phone): (sources, database,
    the merge's id, the override)."""
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    db = tmp_path / "mdm.duckdb"
    shutil.copy(reconciled[0], db)
    service = Service(db)
    service.open()
    try:
        only, _several = _marketing_only(service.reader())
        merged = service.steward(lambda s, con: s.merge(con, only[:2], actor="test-steward", comment=None))
        phone = None if not override else service.set_override(
            only[2], "phone", "0912 345 678", reason="customer called", region="VN", actor="test-steward")
    finally:
        service.close()
    return sample / "sources.yaml", db, merged.decision["decision_id"], phone


def test_the_cli_summary_warns_of_decisions_lapsed_and_runs_count_them(  # type: ignore[no-untyped-def]
    reconciled, small_sample, tmp_path
):
    sources, db, decision_id, _override = _stewarded(reconciled, small_sample, tmp_path)
    _renamed(sources, "marketing", "newsletter")
    result = runner.invoke(app, ["reconcile", "--sources", str(sources), "--db", str(db),
                                 "--accept-removals"])
    assert result.exit_code == 0, result.output
    said = " ".join(result.output.split())
    assert (f"warning: 1 steward decision with no pair of records left to bind ({decision_id}): source"
            f" 'marketing' is no longer in {sources}") in said, said
    listed = runner.invoke(app, ["runs", "--db", str(db), "--json"])
    newest = json.loads(listed.output)[0]
    assert newest["counts"]["decisions_lapsed"] == 1
    assert [d["decision_id"] for d in newest["report"]["decisions_lapsed"]] == [decision_id]
    con = duckdb.connect(str(db), read_only=True)
    try:
        lapsed_in = con.execute("SELECT lapsed_in FROM decisions WHERE decision_id = ?",
                                [decision_id]).fetchall()
    finally:
        con.close()
    assert lapsed_in == [(newest["run_id"],)]


def _marks(db: Path) -> tuple[list[tuple[Any, ...]], dict[str, str | None]]:
    """The audit log's entries (action, target), and each decision's lapsed_in."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return (con.execute("SELECT action, target FROM audit_log ORDER BY ALL").fetchall(),
                dict(con.execute("SELECT decision_id, lapsed_in FROM decisions").fetchall()))
    finally:
        con.close()


def _newest_run(db: Path) -> dict[str, Any]:
    listed = runner.invoke(app, ["runs", "--db", str(db), "--json"])
    assert listed.exit_code == 0, listed.output
    return json.loads(listed.output)[0]  # type: ignore[no-any-return]


def test_a_dry_run_lists_what_a_run_would_lapse_and_bind_again(  # type: ignore[no-untyped-def]
    reconciled, small_sample, tmp_path
):
    """The dry run is where an operator deciding on --accept-removals (or a rename) looks first, yet
    it listed no decision that would lapse. Now it lists each (and the overrides), in its summary
    and its report, as the real run then does, marking and auditing nothing; the refusal says how
    many would lapse; and renamed back, the dry run says they would bind again, still marking
    nothing."""
    sources, db, decision_id, override = _stewarded(reconciled, small_sample, tmp_path, override=True)
    assert override is not None
    override_id, held = override["override_id"], override["golden_id"]
    _renamed(sources, "marketing", "newsletter")
    reconcile = ["reconcile", "--sources", str(sources), "--db", str(db)]
    marks = _marks(db)

    dry = runner.invoke(app, [*reconcile, "--dry-run"])
    assert dry.exit_code == 0, dry.output
    said = " ".join(dry.output.split())
    assert (f"warning: 1 steward decision would lapse, no pair of records left to bind ({decision_id}):"
            f" source 'marketing' is no longer in {sources}") in said, said
    assert "A run publishing would keep them, marked lapsed" in said
    assert ("1 steward override held by a golden record this run would retire, all its records gone"
            f" ({held} phone)") in said
    # the refusal
    assert "accepted, 1 steward decision would lapse with no pair of records left to bind" in said
    assert _marks(db) == marks  # nothing marked, nothing audited
    previewed = _newest_run(db)
    assert previewed["status"] == "previewed"
    assert [(d["decision_id"], d["kind"]) for d in previewed["report"]["decisions_lapsed"]] == [
        (decision_id, "merge")]
    assert [o["override_id"] for o in previewed["report"]["overrides_lapsed"]] == [override_id]
    assert (previewed["counts"]["decisions_lapsed"], previewed["counts"]["overrides_lapsed"]) == (1, 1)

    refused = runner.invoke(app, reconcile)
    assert refused.exit_code == 3, refused.output
    assert "accepted, 1 steward decision would lapse" in " ".join(refused.output.split())

    accepted = runner.invoke(app, [*reconcile, "--accept-removals"])
    assert accepted.exit_code == 0, accepted.output
    real = _newest_run(db)
    for key in ("decisions_lapsed", "overrides_lapsed"):  # what the dry run said, the run did
        assert real["report"][key] == previewed["report"][key]
    assert _marks(db)[1][decision_id] == real["run_id"]

    _renamed(sources, "newsletter", "marketing")
    marks = _marks(db)
    back = runner.invoke(app, [*reconcile, "--dry-run", "--accept-removals"])
    assert back.exit_code == 0, back.output
    assert (f"binding again: 1 steward decision ({decision_id}) and 1 steward override ({held} phone)"
            " lapsed before would bind again") in " ".join(back.output.split())
    assert _marks(db) == marks  # still marked lapsed by the real run
    report = _newest_run(db)["report"]
    assert report["decisions_binding_again"] == [decision_id]
    assert [o["override_id"] for o in report["overrides_binding_again"]] == [override_id]


def test_a_dry_run_the_service_starts_lists_what_would_lapse(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
):
    """POST /runs with dry_run: the run's report lists the decision that would lapse and its refusal
    counts it; the decision is not marked and nothing is audited."""
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    sources = sample / "sources.yaml"
    only, _several = _marketing_only(api.client.app.state.service.reader())
    merge = api.post("/golden-records/merge", who="steward", json={"golden_ids": only[:2]}).json()
    decision_id = merge["decision"]["decision_id"]
    _renamed(sources, "marketing", "newsletter")
    r = api.post("/runs", who="admin", json={"sources": str(sources), "dry_run": True})
    assert r.status_code == 202, r.json()
    api.client.app.state.service._run_thread.join()
    run = api.get(f"/runs/{r.json()['run_id']}", who="admin").json()
    assert run["status"] == "previewed", run
    assert [d["decision_id"] for d in run["report"]["decisions_lapsed"]] == [decision_id]
    assert run["counts"]["decisions_lapsed"] == 1
    assert "accepted, 1 steward decision would lapse" in run["report"]["removals_refused"]
    assert api.get(f"/decisions/{decision_id}", who="steward").json()["lapsed_in"] is None
    assert api.get("/audit", who="admin", params={"action": "decision.lapsed"}).json()["data"] == []


def test_a_decision_lapsed_by_one_record_leaving_its_extract_says_so(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
):
    """A merge of two marketing sign-ups, one of them gone from the next extract (the removal
    accepted): the run marked it lapsed saying "none of its records is left", though the other
    record is still held. Now its why says a record of each pair it binds is gone, one side
    being enough."""
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    con = api.client.app.state.service.reader()
    (a, a_id), (b, b_id) = con.execute(
        "SELECT golden_id, min(source_id) FROM xref GROUP BY golden_id HAVING count(*) = 1"
        " AND bool_and(source = 'marketing') ORDER BY golden_id LIMIT 2").fetchall()
    merge = api.post("/golden-records/merge", who="steward", json={"golden_ids": [a, b]}).json()
    extract = sample / "marketing.jsonl"
    lines = extract.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [x for x in lines if f'"{b_id}"' not in x]
    assert len(kept) == len(lines) - 1
    extract.write_text("".join(kept), encoding="utf-8")

    run = _run(api, sample / "sources.yaml")
    (lapsed,) = run["report"]["decisions_lapsed"]
    assert lapsed["decision_id"] == merge["decision"]["decision_id"]
    assert api.get(f"/xref/marketing/{a_id}").status_code == 200  # one of its records is held still
    assert lapsed["why"] == ("a record of each pair it binds is gone (left its extract or deleted);"
                             " it binds two records only while both are held")

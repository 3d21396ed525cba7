"""A decision whose records are deleted (or erased) through the API lapses at the deletion, not at
the next batch run; posted back, a record makes it bind again; and the runs that follow, one
computing meanwhile too, neither say it again nor clear it wrongly (mdm/lapsed_decisions.py)."""

from __future__ import annotations

from typing import Any

from tests.api.test_decisions_carried import _run
from tests.api.test_late_decisions import _while_the_run_computes


def _merged_pair(api) -> tuple[str, str, str, str]:  # type: ignore[no-untyped-def]
    """Two golden records of one marketing record each (from the extract), merged by a steward:
    (the decision's id, the merged golden id, the two source ids)."""
    con = api.client.app.state.service.reader()
    rows = con.execute("SELECT golden_id, min(source_id) FROM xref GROUP BY golden_id"
                       " HAVING count(*) = 1 AND bool_and(source = 'marketing') ORDER BY golden_id LIMIT 2"
                       ).fetchall()
    (a, a_id), (b, b_id) = rows
    r = api.post("/golden-records/merge", who="steward", json={"golden_ids": [a, b]})
    assert r.status_code == 200, r.json()
    return r.json()["decision"]["decision_id"], r.json()["golden_id"], a_id, b_id


def _decision(api, decision_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return api.get(f"/decisions/{decision_id}", who="steward").json()  # type: ignore[no-any-return]


def _audited(api, action: str, decision_id: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    entries = api.get("/audit", who="admin", params={"action": action, "target": decision_id}).json()
    return entries["data"]  # type: ignore[no-any-return]


def _delete(api, source_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.client.delete(f"/sources/marketing/records/{source_id}", headers=api.headers("writer"))
    assert r.status_code == 200, r.json()
    return r.json()  # type: ignore[no-any-return]


def _raw(api, source_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    record = api.get(f"/sources/marketing/records/{source_id}", who="reader_pii").json()
    return record["raw"]  # type: ignore[no-any-return]


def _page_says_lapsed(api, decision_id: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the steward page of the decision marks it lapsed."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    page = api.client.get(f"/steward/decisions/{decision_id}")
    assert page.status_code == 200
    return 'class="muted lapsed"' in page.text


def _lapsed_by_the_deletion(api, decision_id: str, source_id: str) -> None:  # type: ignore[no-untyped-def]
    decision = _decision(api, decision_id)
    assert decision["lapsed_at"] is not None and decision["lapsed_by"] == "test-writer", decision
    assert decision["lapsed_in"] is None  # no run marked it
    (entry,) = _audited(api, "decision.lapsed", decision_id)
    assert entry["actor"] == "test-writer"
    assert entry["detail"]["deleted"] == [f"marketing:{source_id}"]
    assert f"marketing:{source_id} deleted through the API" in entry["detail"]["why"]


def test_a_decision_lapses_at_the_deletion_and_binds_again_when_posted_back(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """A merge of two marketing sign-ups, one deleted through the API: GET /decisions/{id} showed
    it in force (lapsed_in null) until the next run marked it, which reported it then. Now the
    deletion marks it (lapsed_at, lapsed_by the deleter; audited, listed in the delete's answer,
    shown on the steward page); the run, whose extract still holds the record (left out,
    deleted), says nothing of it and keeps it lapsed; the record posted back binds it again
    (audited, in the post's answer), and the next run says nothing either."""
    decision_id, _merged, gone, kept = _merged_pair(api)
    raw = _raw(api, gone)

    assert _delete(api, gone)["decisions_lapsed"] == [decision_id]
    _lapsed_by_the_deletion(api, decision_id, gone)
    assert _page_says_lapsed(api, decision_id)

    run = _run(api, small_sample / "sources.yaml")
    assert (run["report"]["decisions_lapsed"], run["counts"]["decisions_lapsed"]) == ([], 0)
    assert run["report"]["decisions_binding_again"] == []
    _lapsed_by_the_deletion(api, decision_id, gone)  # still, and audited once

    posted = api.post("/sources/marketing/records", json=raw).json()
    assert posted["decisions_binding_again"] == [decision_id], posted
    assert posted["golden_id"] == api.get(f"/xref/marketing/{kept}").json()["golden_id"]
    decision = _decision(api, decision_id)
    assert (decision["lapsed_at"], decision["lapsed_by"], decision["lapsed_in"]) == (None, None, None)
    assert not _page_says_lapsed(api, decision_id)
    (again,) = _audited(api, "decision.binding_again", decision_id)
    assert (again["actor"], again["detail"]) == ("test-writer", {"posted": f"marketing:{gone}"})

    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["decisions_lapsed"] == run["report"]["decisions_binding_again"] == []
    assert _decision(api, decision_id)["lapsed_at"] is None
    assert len(_audited(api, "decision.lapsed", decision_id)) == 1
    assert len(_audited(api, "decision.binding_again", decision_id)) == 1
    together = {api.get(f"/xref/marketing/{k}").json()["golden_id"] for k in (gone, kept)}
    assert len(together) == 1  # the merge holds again


def test_a_deletion_while_a_run_computes_keeps_its_lapse(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run read the record and found the decision binding; deleted meanwhile, the record leaves
    its results at the publish (late deletions), and the decision stays lapsed as the deletion
    marked it: the run neither clears it nor says it binds again."""
    decision_id, _merged, gone, _kept = _merged_pair(api)
    done = _while_the_run_computes(monkeypatch, lambda: _delete(api, gone))
    run = _run(api, small_sample / "sources.yaml")
    assert done[0]["decisions_lapsed"] == [decision_id]
    assert run["report"]["late_deletions"] == [f"marketing:{gone}"]
    assert run["report"]["decisions_binding_again"] == run["report"]["decisions_lapsed"] == []
    _lapsed_by_the_deletion(api, decision_id, gone)


def test_a_post_back_while_a_run_computes_is_not_lapsed_again(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Deleted, then posted back while a run computes whose input lacked it: the post makes the
    decision bind again, and the run, whose results lack the record until the replay brings it
    back, does not mark it lapsed again (nor does the replay say it binds again)."""
    decision_id, _merged, gone, _kept = _merged_pair(api)
    raw = _raw(api, gone)
    _delete(api, gone)
    done = _while_the_run_computes(
        monkeypatch, lambda: api.post("/sources/marketing/records", json=raw).json())
    run = _run(api, small_sample / "sources.yaml")
    assert done[0]["decisions_binding_again"] == [decision_id]
    assert run["report"]["decisions_lapsed"] == run["report"]["decisions_binding_again"] == []
    assert _decision(api, decision_id)["lapsed_at"] is None
    assert len(_audited(api, "decision.lapsed", decision_id)) == 1
    assert len(_audited(api, "decision.binding_again", decision_id)) == 1


def test_erasing_a_customer_lapses_the_decisions_on_their_records(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """The merged customer erased: the merge binds nothing, marked lapsed by the erasure's caller,
    its audit entry naming the erasure; the next run says nothing more of it."""
    decision_id, merged, _gone, _kept = _merged_pair(api)
    r = api.post(f"/golden-records/{merged}/erase", who="admin", json={"reason": "asked to be forgotten"})
    assert r.status_code == 200, r.json()
    decision = _decision(api, decision_id)
    assert decision["lapsed_at"] is not None and decision["lapsed_by"] == "test-admin", decision
    (entry,) = _audited(api, "decision.lapsed", decision_id)
    assert entry["detail"]["erasure_id"] == r.json()["erasure_id"]
    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["decisions_lapsed"] == []
    assert _decision(api, decision_id)["lapsed_by"] == "test-admin"

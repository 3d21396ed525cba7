"""A steward's decision made while a batch run computes holds once the run publishes
(mdm/late_decisions.py); the live matcher agrees with the published cross-reference."""

from __future__ import annotations

from mdm.realtime import RecordIndex
from tests.api.test_records import VY, _delete
from tests.api.test_returning_ids import OTHER
from tests.api.test_stewardship import _run, _xref


def _key(side):  # type: ignore[no-untyped-def]
    return f"{side['source']}:{side['source_id']}"


def _while_the_run_computes(monkeypatch, decide):  # type: ignore[no-untyped-def]
    """Call ``decide`` once, after the run has read the decisions and clustered."""
    from mdm import golden

    build, done = golden.build_golden, []

    def build_then_decide(*args, **kw):  # type: ignore[no-untyped-def]
        out = build(*args, **kw)
        if not done:
            done.append(decide())
        return out

    monkeypatch.setattr(golden, "build_golden", build_then_decide)
    return done


def _matcher_agrees(api) -> None:  # type: ignore[no-untyped-def]
    service = api.client.app.state.service
    assert service.matcher.golden_of == RecordIndex.build(service.reader(), service._rules()).golden_of


def test_a_match_decided_while_a_run_computes_holds_after_its_publish(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    item = api.get("/review-queue", who="steward", params={"limit": 1}).json()["data"][0]
    left, right = _key(item["left"]), _key(item["right"])
    assert _xref(api, left) != _xref(api, right)
    done = _while_the_run_computes(monkeypatch, lambda: api.post(
        f"/review-queue/{item['item_id']}/decision", who="steward", json={"decision": "match"}).json())
    run = _run(api, small_sample)
    assert _xref(api, left) == _xref(api, right)  # the publish used to put them apart again
    assert _xref(api, left) == done[0]["result_golden_id"]  # under the id the steward was given
    assert run["report"]["late_decisions"] == [done[0]["decision_id"]]
    history = api.get(f"/golden-records/{_xref(api, left)}/history").json()["data"]
    assert ("decision", done[0]["decision_id"]) in [(e["cause"], e["cause_id"]) for e in history]
    _matcher_agrees(api)


def test_a_split_made_while_a_run_computes_holds_after_its_publish(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    con = api.client.app.state.service.reader()
    gid, source, source_id = con.execute(
        "SELECT x.golden_id, x.source, x.source_id FROM xref x JOIN golden_records g USING (golden_id)"
        " WHERE g.record_count = 3 ORDER BY x.record_key LIMIT 1").fetchone()
    others = [k for (k,) in con.execute("SELECT record_key FROM xref WHERE golden_id = ? AND source_id <> ?",
                                        [gid, source_id]).fetchall()]
    body = {"source": source, "source_id": source_id}
    done = _while_the_run_computes(
        monkeypatch, lambda: api.post(f"/golden-records/{gid}/split", who="steward", json=body).json())
    run = _run(api, small_sample)
    split = _xref(api, f"{source}:{source_id}")
    assert split == done[0]["golden_id"]  # the id the steward was given, still the record's
    assert {_xref(api, k) for k in others} == {gid}  # the others stay together, under their id
    assert split != gid and run["report"]["late_decisions"] == [done[0]["decision"]["decision_id"]]
    _matcher_agrees(api)


def test_a_decision_undone_while_a_run_computes_stays_undone(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    item = api.get("/review-queue", who="steward", params={"limit": 1}).json()["data"][0]
    left, right = _key(item["left"]), _key(item["right"])
    decided = api.post(f"/review-queue/{item['item_id']}/decision", who="steward",
                       json={"decision": "match"}).json()
    assert _xref(api, left) == _xref(api, right)
    _while_the_run_computes(monkeypatch, lambda: api.post(
        f"/decisions/{decided['decision_id']}/undo", who="steward").json())
    run = _run(api, small_sample)  # it read the match in force, and put the two together
    assert _xref(api, left) != _xref(api, right)
    assert run["report"]["late_undos"] == [decided["decision_id"]]
    _matcher_agrees(api)


def test_a_merge_undone_while_a_run_computes_after_its_records_left_stays_so(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run read the merge in force; the merged-away customer's record was deleted before it
    read its input, and the merge undone meanwhile. Nothing of the merge is left to undo again
    in the results: the published id must stay retired, not redirect again, and taken back."""
    first = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    second = api.post("/sources/sales/records", json=OTHER).json()["golden_id"]
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [first, second]}).json()
    loser, record = (second, OTHER) if merged["golden_id"] == first else (first, VY)
    assert _delete(api, f"/sources/sales/records/{record['crm_id']}").status_code == 200
    undone = _while_the_run_computes(monkeypatch, lambda: api.post(
        f"/decisions/{merged['decision']['decision_id']}/undo", who="steward").status_code)
    _run(api, small_sample)
    assert undone == [200]
    answer = api.get(f"/golden-records/{loser}").json()
    assert (answer["golden_id"], answer["status"], answer["merged_into"]) == (loser, "retired", None), answer
    _matcher_agrees(api)
    assert api.post("/sources/sales/records", json=record).json()["golden_id"] == loser


def test_a_merge_undone_while_a_run_computes_is_not_created_again(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Two customers merged, the merge undone while a run computes: the undo restored the merged-
    away golden record (history: restored). The run's results, read with the merge in force, have
    no row for it and the publish kept none (it was active then), so undoing the merge again at
    the publish built it as new: its history and the change feed said ``created`` a second time,
    with a new created_at and ETag. Now it goes on from its history: as the undo left it."""
    from tests.api.test_changes import _walk

    first = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    second = api.post("/sources/sales/records", json=OTHER).json()["golden_id"]
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [first, second]}).json()
    loser = second if merged["golden_id"] == first else first
    decision_id = merged["decision"]["decision_id"]
    _run(api, small_sample)

    def undo() -> tuple[str, dict]:  # type: ignore[type-arg]
        assert api.post(f"/decisions/{decision_id}/undo", who="steward").status_code == 200
        served = api.get(f"/golden-records/{loser}")
        return served.headers["etag"], served.json()

    _, cursor = _walk(api, limit=500)
    done = _while_the_run_computes(monkeypatch, undo)
    run = _run(api, small_sample)
    etag, before = done[0]
    assert run["report"]["late_undos"] == [decision_id]
    history = api.get(f"/golden-records/{loser}/history").json()["data"]
    assert [h["change"] for h in history] == ["created", "merged", "restored"], history
    entries, _ = _walk(api, after=cursor)
    assert [e["change"] for e in entries if e["golden_id"] == loser] == ["restored"]
    served = api.get(f"/golden-records/{loser}")
    assert served.json()["status"] == "active" and served.headers["etag"] == etag
    assert served.json()["created_at"] == before["created_at"]


def _one_record_customer(api):  # type: ignore[no-untyped-def]
    """A batch golden record of one record: its id and its record keys."""
    con = api.client.app.state.service.reader()
    (batch,) = con.execute("SELECT golden_id FROM golden_records WHERE status = 'active' AND record_count = 1"
                           " ORDER BY golden_id LIMIT 1").fetchone()
    members = con.execute("SELECT record_key FROM xref WHERE golden_id = ?", [batch]).fetchall()
    return batch, [k for (k,) in members]


def _post_and_merge(api, batch):  # type: ignore[no-untyped-def]
    """A customer posted (golden record G: sales:RT-1 and marketing:mk_rt1), and golden record
    ``batch``, with a phone override, merged into G by a steward; the merge's answer."""
    from tests.api.test_records import VY_MARKETING

    posted = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == posted
    r = api.client.put(f"/golden-records/{batch}/overrides/phone", headers=api.headers("steward"),
                       json={"value": "0912 345 678", "reason": "customer called"})
    assert r.status_code == 200, r.json()
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [posted, batch]}).json()
    assert merged["golden_id"] == posted
    return merged


def _merge_held(api, merged, batch, batch_keys):  # type: ignore[no-untyped-def]
    """All four records in the survivor G of ``merged`` (_post_and_merge), ``batch`` retired into
    it, its override held by G, the database whole and the matcher agreeing."""
    survivor = merged["golden_id"]
    keys = [*batch_keys, "sales:RT-1", "marketing:mk_rt1"]
    assert {k: _xref(api, k) for k in keys} == dict.fromkeys(keys, survivor)
    row = api.client.app.state.service.reader().execute(
        "SELECT status, merged_into FROM golden_records WHERE golden_id = ?", [batch]).fetchall()
    assert row == [("retired", survivor)]
    history = api.get(f"/golden-records/{batch}/history").json()["data"]
    assert history[-1]["change"] == "merged", history
    held = api.get(f"/golden-records/{survivor}/overrides", who="steward").json()["data"]
    assert [o["attribute"] for o in held] == ["phone"]
    assert api.get("/integrity", who="admin").json()["ok"]
    _matcher_agrees(api)


def test_a_merge_into_a_golden_record_posted_while_a_run_computes_holds(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """During a run, a customer is posted (golden record G, two records) and a steward merges a
    batch golden record H, with a phone override, into it. The run's results lack G's records:
    its publish found nothing to apply the merge to, so H was active again (its history merged ->
    changed), its override held by G, and the replay of G's posts left the customer split."""
    batch, batch_keys = _one_record_customer(api)
    done = _while_the_run_computes(monkeypatch, lambda: _post_and_merge(api, batch))
    run = _run(api, small_sample)
    assert run["report"]["late_decisions"] == [done[0]["decision"]["decision_id"]]  # was none
    _merge_held(api, done[0], batch, batch_keys)


def test_a_late_merge_into_a_posted_golden_record_holds_through_a_restart(  # type: ignore[no-untyped-def]
    served_db, small_sample, monkeypatch
):
    """As above, but the server dies (kill -9) after the publish, before its replay: the next
    start replays the posts. What they were to go back into lived only in the dead process, so
    the replay split the customer again (RT-1 and mk_rt1 in a golden record of their own)."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import ApiSettings
    from mdm.service import Service
    from tests.api.conftest import Api

    db, keys = served_db
    monkeypatch.setattr(Service, "replay_api_changes", lambda self, *a, **kw: (0, 0))  # died before it
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, keys)
        batch, batch_keys = _one_record_customer(api)
        done = _while_the_run_computes(monkeypatch, lambda: _post_and_merge(api, batch))
        run = _run(api, small_sample)
        assert run["report"]["late_decisions"] == [done[0]["decision"]["decision_id"]]
    monkeypatch.undo()
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, keys)
        assert api.get(f"/runs/{run['run_id']}", who="admin").json()["report"]["replayed"]["replayed"] == 2
        _merge_held(api, done[0], batch, batch_keys)

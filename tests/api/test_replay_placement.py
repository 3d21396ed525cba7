"""Where the replay puts a record posted while a run computed, onto results that hold records of
the same customer the service did not know when it placed the post (service.replay_api_changes)."""

from __future__ import annotations

import shutil

from tests.api.test_late_decisions import _matcher_agrees, _while_the_run_computes
from tests.api.test_records import VY
from tests.api.test_stewardship import _xref

# VY's customer in a billing row that is new in the extract the run reads: the service, which
# served the previous run, does not know it when VY is posted.
VY_BILLING = ('B7999999,LUONG THAO VY,0389 111 222,12/03/1991,"12 TRAN PHU, HAI CHAU, DA NANG",DA NANG,,,,'
              '01/04/2026 09:00\n')


def _with_billing_row(small_sample, tmp_path):  # type: ignore[no-untyped-def]
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    with open(sample / "billing.csv", "a", encoding="utf-8") as f:
        f.write(VY_BILLING)
    return sample


def _run_posting(api, sample, monkeypatch, post):  # type: ignore[no-untyped-def]
    """A run of ``sample`` during which ``post()`` is called once; what it returned."""
    done = _while_the_run_computes(monkeypatch, post)
    started = api.post("/runs", who="admin", json={"sources": str(sample / "sources.yaml")})
    assert started.status_code == 202, started.json()
    api.client.app.state.service._run_thread.join()
    assert api.get(f"/runs/{started.json()['run_id']}", who="admin").json()["status"] == "succeeded"
    return done[0]


def test_the_id_a_post_made_in_a_run_redirects_where_its_replay_joins(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """VY, posted during the run, made golden record G (its poster was given G, the change feed
    said G created). The run's results hold VY's billing row in golden record K; the replay joins
    VY there, as a post onto them would, and G, holding nothing, answered 404 (its history ending
    at 'created'): the id its poster stored pointed nowhere. Now G is merged into K, and redirects."""
    sample = _with_billing_row(small_sample, tmp_path)
    posted = _run_posting(api, sample, monkeypatch,
                          lambda: api.post("/sources/sales/records", json=VY).json())
    assert posted["outcome"] == "new"
    given, home = posted["golden_id"], _xref(api, "billing:B7999999")
    assert _xref(api, "sales:RT-1") == home != given
    served = api.get(f"/golden-records/{given}")
    assert served.status_code == 200 and served.json()["golden_id"] == home, served.json()  # was a 404
    row = api.client.app.state.service.reader().execute(
        "SELECT status, merged_into FROM golden_records WHERE golden_id = ?", [given]).fetchall()
    assert row == [("retired", home)]
    history = api.get(f"/golden-records/{given}/history").json()["data"]
    assert [(h["change"], h["merged_into"]) for h in history] == [("created", None), ("merged", home)]
    assert api.get("/integrity", who="admin").json()["ok"]
    _matcher_agrees(api)


def test_a_post_merged_in_a_run_stays_merged_though_it_matches_another(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """VY posted during the run (golden record G: sales:RT-1, marketing:mk_rt1) and a batch
    golden record H merged into G by a steward. The run's results hold VY's billing row in K.
    The replay put RT-1 into K, which it matches best, and mk_rt1 into G by the merge's
    must-link: the customer the steward merged was split again. The merge was of all G held: the
    posts go back into G, and K's row is queued for review beside them."""
    from tests.api.test_late_decisions import _merge_held, _one_record_customer, _post_and_merge

    sample = _with_billing_row(small_sample, tmp_path)
    batch, batch_keys = _one_record_customer(api)
    merged = _run_posting(api, sample, monkeypatch, lambda: _post_and_merge(api, batch))
    _merge_held(api, merged, batch, batch_keys)
    queued = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    pairs = [{f"{side['source']}:{side['source_id']}" for side in (i["left"], i["right"])} for i in queued]
    assert any("billing:B7999999" in p and p & {"sales:RT-1", "marketing:mk_rt1"} for p in pairs)



def _elsewhere_as_twin(api, small_sample, tmp_path, post, pair):  # type: ignore[no-untyped-def]
    """The golden record ``post`` would join now, of the two holding ``pair`` (source ids), and a
    copy of the sample whose extract holds the record of the other as the post's twin."""
    import json

    r = api.post("/sources/marketing/records:match", json=post)
    assert r.status_code == 200 and r.json()["outcome"] == "matched", r.json()
    joins = r.json()["golden_id"]
    (other,) = [k for k in pair if _xref(api, f"marketing:{k}") != joins]
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    extract = sample / "marketing.jsonl"
    twin = json.dumps({**post, "subscriber_id": other}, ensure_ascii=False) + "\n"
    lines = extract.read_text(encoding="utf-8").splitlines(keepends=True)
    extract.write_text("".join(twin if f'"{other}"' in line else line for line in lines), encoding="utf-8")
    return joins, other, sample


def test_a_post_the_replay_moves_says_its_first_golden_record_changed(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """A customer's two marketing records split apart by a steward (golden records P and Q), and a
    third record of theirs posted while a run computes: the service puts it in P, and the change
    feed (and a subscription) says P changed with it. The extract the run reads holds Q's record
    as the post's twin, so the replay puts the post in Q, which it now matches better. The feed
    said Q changed, and nothing more of P: P served without the post (the publish took it out, and
    the run found P as it was before the post), and downstream still had it in P. Now the replay
    says P changed too, in the same way a post moving a record from one golden record to another
    says both."""
    from tests.api.test_subscriptions import Receiver

    con = api.client.app.state.service.reader()
    golden_id, first, second = con.execute(
        "SELECT golden_id, min(source_id), max(source_id) FROM xref GROUP BY golden_id"
        " HAVING count(*) = 2 AND bool_and(source = 'marketing') ORDER BY golden_id LIMIT 1").fetchone()
    r = api.post(f"/golden-records/{golden_id}/split", who="steward",
                 json={"source": "marketing", "source_id": second, "comment": "two customers"})
    assert r.status_code == 200, r.json()
    raw = api.get(f"/sources/marketing/records/{first}", who="reader_pii").json()["raw"]
    post = {**raw, "subscriber_id": "mk_moved", "city": "Đà Lạt"}
    joins, other, sample = _elsewhere_as_twin(api, small_sample, tmp_path, post, (first, second))
    receiver = Receiver()
    r = api.post("/subscriptions", who="admin", json={"name": "crm-sync", "url": receiver.url})
    assert r.status_code == 201, r.json()
    start = r.json()["after_seq"]
    try:
        posted = _run_posting(api, sample, monkeypatch,
                              lambda: api.post("/sources/marketing/records", json=post).json())
        assert posted["golden_id"] == joins
        assert _xref(api, "marketing:mk_moved") == _xref(api, f"marketing:{other}") != joins
        feed = api.get("/changes", params={"after": start, "limit": 500}).json()["data"]
        said = [(e["change"], e["cause"], e["cause_id"]) for e in feed if e["golden_id"] == joins]
        assert said[0] == ("changed", "record", "marketing:mk_moved")  # the post's
        assert said[-1] == ("changed", "record", "marketing:mk_moved") and len(said) == 2, said  # was 1
        members = {m["source_id"] for m in api.get(f"/golden-records/{joins}").json()["members"]}
        assert "mk_moved" not in members and members
        receiver.wait_for(1)
        while feed[-1]["seq"] not in [e["seq"] for e in receiver.entries()]:
            receiver.wait_for(len(receiver.received) + 1)
        pushed = [e for e in receiver.entries() if e["golden_id"] == joins]
        assert [e["seq"] for e in pushed] == [e["seq"] for e in feed if e["golden_id"] == joins]
        assert "mk_moved" in str(pushed[0]["golden_record"]["members"])  # as downstream saw it then
        assert "mk_moved" not in str(pushed[-1]["golden_record"]["members"])
    finally:
        receiver.server.shutdown()

"""A customer whose records left and came back keeps the golden id downstream systems stored,
unless the id was merged into another or the customer was erased."""

from __future__ import annotations

from tests.api.test_changes import _walk
from tests.api.test_records import VY, VY_MARKETING, _delete
from tests.api.test_stewardship import _run

OTHER = {"crm_id": "RT-9", "first_name": "Minh Khoa", "last_name": "Trịnh",
         "email": "khoa.trinh.rt9@example.vn", "mobile": "0912 404 505", "city": "Cần Thơ"}
OTHER_MARKETING = {"subscriber_id": "mk_rt9", "name": "TRINH MINH KHOA", "email": "Khoa.Trinh.RT9@example.vn",
                   "phone": "+84 912 404 505", "birthday": "02/11/1985", "city": "Can Tho"}


def _departed_links(api, golden_ids):  # type: ignore[no-untyped-def]
    return api.client.app.state.service.reader().execute(
        "SELECT record_key FROM xref_departed WHERE list_contains(?::VARCHAR[], golden_id)", [golden_ids]
    ).fetchall()


def test_a_deleted_record_posted_again_takes_back_its_golden_id(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """Deleted, then kept out of a batch run, then posted again: the golden record comes back,
    active, and the feed says ``restored``."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert _delete(api, "/sources/sales/records/RT-1").json()["golden_change"] == "retired"
    service = api.client.app.state.service
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")}).json()
    service._run_thread.join()
    assert api.get(f"/runs/{started['run_id']}").json()["status"] == "succeeded"
    assert api.get(f"/golden-records/{gid}").json()["status"] == "retired"
    _, cursor = _walk(api, limit=500)

    again = api.post("/sources/sales/records", json=VY).json()
    assert (again["outcome"], again["golden_id"]) == ("new", gid), again
    record = api.get(f"/golden-records/{gid}").json()
    assert record["status"] == "active" and record["merged_into"] is None
    assert [(m["source"], m["source_id"]) for m in record["members"]] == [("sales", "RT-1")]
    entries, _ = _walk(api, after=cursor)
    assert [(e["golden_id"], e["change"], e["cause"]) for e in entries] == [(gid, "restored", "record")]


def test_records_of_a_merged_away_golden_record_do_not_bring_it_back(api):  # type: ignore[no-untyped-def]
    """A golden record merged into another redirects to its survivor; a record that left it
    before the merge gets a golden id of its own when it comes back changed."""
    first = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == first
    second = api.post("/sources/sales/records", json=OTHER).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=OTHER_MARKETING).json()["golden_id"] == second
    assert _delete(api, "/sources/marketing/records/mk_rt1").json()["golden_change"] == "changed"
    assert _delete(api, "/sources/marketing/records/mk_rt9").json()["golden_change"] == "changed"
    survivor = api.post("/golden-records/merge", who="steward", json={"golden_ids": [first, second]}).json()
    loser = second if survivor["golden_id"] == first else first
    came_back = {**(VY_MARKETING if loser == first else OTHER_MARKETING),
                 "name": "Hồ Gia Bảo", "email": "bao.ho.rt@example.vn", "phone": "0933 777 888",
                 "birthday": "07/07/1977", "city": "Huế"}
    again = api.post("/sources/marketing/records", json=came_back).json()
    assert again["outcome"] in ("new", "review"), again
    assert again["golden_id"] not in {first, second}
    assert api.get(f"/golden-records/{loser}").json()["redirected_from"]["golden_id"] == loser


def test_an_erased_customer_does_not_get_its_id_back(api):  # type: ignore[no-untyped-def]
    """Neither the erased records nor one that left the customer before the erasure bring the
    erased golden id back, and no link to it is kept."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == gid
    assert _delete(api, "/sources/marketing/records/mk_rt1").status_code == 200
    r = api.post(f"/golden-records/{gid}/erase", who="admin", json={"reason": "request DSR-7"})
    assert r.status_code == 200, r.json()
    assert _departed_links(api, [gid]) == []

    for source, record in (("sales", VY), ("marketing", VY_MARKETING)):
        again = api.post(f"/sources/{source}/records", json=record).json()
        assert again["golden_id"] != gid, again
    assert api.get(f"/golden-records/{gid}").status_code == 404


def test_undoing_a_merge_after_the_merged_away_records_left_retires_their_id(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """Merged, then the merged-away customer's record deleted, then the merge undone: its id no
    longer redirects to a customer it was never one with, through a batch run too, and the
    record posted again takes the id back, as a record that left and came back does."""
    first = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    second = api.post("/sources/sales/records", json=OTHER).json()["golden_id"]
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [first, second]}).json()
    survivor, decision_id = merged["golden_id"], merged["decision"]["decision_id"]
    loser, record = (second, OTHER) if survivor == first else (first, VY)
    assert _delete(api, f"/sources/sales/records/{record['crm_id']}").json()["golden_id"] == survivor
    assert api.post(f"/decisions/{decision_id}/undo", who="steward").status_code == 200

    answer = api.get(f"/golden-records/{loser}").json()
    assert (answer["golden_id"], answer["status"], answer["merged_into"]) == (loser, "retired", None), answer
    assert answer.get("redirected_from") is None
    history = api.get(f"/golden-records/{loser}/history").json()["data"]
    last = history[-1]
    assert (last["change"], last["cause"], last["cause_id"]) == ("retired", "undo", decision_id)
    assert [m["source_id"] for m in api.get(f"/golden-records/{survivor}").json()["members"]] == [
        (OTHER if record is VY else VY)["crm_id"]]
    _run(api, small_sample)
    assert api.get(f"/golden-records/{loser}").json()["merged_into"] is None
    checked = api.get("/integrity", who="admin").json()
    assert checked["ok"], checked

    again = api.post("/sources/sales/records", json=record).json()
    assert (again["outcome"], again["golden_id"]) == ("new", loser), again
    back = api.get(f"/golden-records/{loser}").json()
    assert back["status"] == "active" and [m["source_id"] for m in back["members"]] == [record["crm_id"]]


def test_a_post_while_a_run_computes_is_not_created_again_by_its_replay(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Posted while a run computes, a record gets a golden id of its own; the run's results lack
    it, so its publish dropped the row and the replay of the post built it again: the history and
    the change feed said ``created`` a second time, for an id served since, with a new
    ``created_at`` and ETag. Now the replay goes on from the history: rebuilt as it was served, it
    keeps its version (ETag, created_at) and writes no entry."""
    from tests.api.test_decisions_carried import _run
    from tests.api.test_late_decisions import _while_the_run_computes

    def post() -> tuple[str, str, dict]:  # type: ignore[type-arg]
        gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
        served = api.get(f"/golden-records/{gid}")
        return gid, served.headers["etag"], served.json()

    _, cursor = _walk(api, limit=500)
    done = _while_the_run_computes(monkeypatch, post)
    run = _run(api, small_sample / "sources.yaml")
    gid, etag, before = done[0]
    assert run["report"]["replayed"]["posts"] == 1

    history = api.get(f"/golden-records/{gid}/history").json()["data"]
    assert [(h["change"], h["cause"]) for h in history] == [("created", "record")], history
    entries, _ = _walk(api, after=cursor)
    assert [e["change"] for e in entries if e["golden_id"] == gid] == ["created"]
    served = api.get(f"/golden-records/{gid}")
    assert served.headers["etag"] == etag
    assert (served.json()["created_at"], served.json()["updated_at"]) == (before["created_at"],
                                                                          before["updated_at"])

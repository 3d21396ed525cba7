"""Matching a record without storing it: the answer a post would give, and nothing written."""

from __future__ import annotations

import threading

from mdm.realtime import RealtimeMatcher
from tests.api.test_records import VY, VY_MARKETING

MATCH = "/sources/{}/records:match"
WAIT = 10.0  # seconds a thread is given to get somewhere it should get to at once


def _state(api):  # type: ignore[no-untyped-def]
    """Everything a post would change: records, posted rows, queue, golden records, history, audit."""
    con = api.client.app.state.service.reader()
    return [con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("source_records", "posted_records", "review_queue", "golden_records", "golden_history",
                      "audit_log")]


def test_a_preview_says_what_a_post_would_and_writes_nothing(api):  # type: ignore[no-untyped-def]
    before = _state(api)
    new = api.post(MATCH.format("sales"), who="reader", json=VY)
    assert new.status_code == 200, new.json()
    body = new.json()
    assert (body["outcome"], body["golden_id"], body["golden_record"]) == ("new", None, None)
    assert _state(api) == before
    assert api.get("/xref/sales/RT-1").status_code == 404

    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    before = _state(api)
    preview = api.post(MATCH.format("marketing"), who="reader", json=VY_MARKETING).json()
    assert _state(api) == before
    assert (preview["outcome"], preview["golden_id"], preview["current_golden_id"]) == ("matched", gid, None)
    assert preview["golden_record"]["golden_id"] == gid
    assert preview["golden_record"]["attributes"]["phone"] == "+84 *** *** 222"  # masked for this reader
    assert preview["candidates"][0]["source_id"] == "RT-1" and preview["match_probability"] >= 0.95
    posted = api.post("/sources/marketing/records", json=VY_MARKETING).json()
    assert (posted["outcome"], posted["golden_id"]) == (preview["outcome"], preview["golden_id"])
    assert posted["candidates"] == preview["candidates"]

    # Without its id: a caller asking before it has created the customer.
    anonymous = {k: v for k, v in VY_MARKETING.items() if k != "subscriber_id"}
    known = api.post(MATCH.format("marketing"), who="reader", json=anonymous).json()
    assert (known["source_id"], known["outcome"], known["golden_id"]) == (None, "matched", gid)
    again = api.post(MATCH.format("marketing"), who="reader", json=VY_MARKETING).json()
    assert again["current_golden_id"] == gid


def test_a_preview_of_an_uncertain_record_says_review(api):  # type: ignore[no-untyped-def]
    api.post("/sources/sales/records", json=VY)
    # The same name alone, in the same system: a namesake as likely as a second account.
    namesake = {"crm_id": "RT-9", "first_name": "Thảo Vy", "last_name": "Lương"}
    preview = api.post(MATCH.format("sales"), who="reader", json=namesake).json()
    assert (preview["outcome"], preview["golden_id"]) == ("review", None), preview
    assert preview["candidates"][0]["source_id"] == "RT-1"
    posted = api.post("/sources/sales/records", json=namesake).json()
    assert posted["outcome"] == "review" and posted["candidates"] == preview["candidates"]


def test_a_bad_preview_is_refused(api):  # type: ignore[no-untyped-def]
    assert api.post(MATCH.format("nope"), who="reader", json=VY).status_code == 404
    assert api.post(MATCH.format("sales"), who="reader", json=[VY]).status_code == 422
    assert api.client.post(MATCH.format("sales"), json=VY).status_code == 401


def _in_thread(fn):  # type: ignore[no-untyped-def]
    out: list = []
    thread = threading.Thread(target=lambda: out.append(fn()), daemon=True)
    thread.start()
    return thread, out


def test_a_preview_answers_while_a_post_is_in_its_transaction(  # type: ignore[no-untyped-def]
    api, monkeypatch
):
    """Previews no longer wait for writes: only for a commit and the live index following it."""
    service = api.client.app.state.service
    inside, release = threading.Event(), threading.Event()
    upsert = RealtimeMatcher.upsert

    def slow_upsert(self, *args, **kw):  # type: ignore[no-untyped-def]
        out = upsert(self, *args, **kw)
        inside.set()
        release.wait(WAIT)
        return out

    monkeypatch.setattr(RealtimeMatcher, "upsert", slow_upsert)
    poster, _ = _in_thread(lambda: service.post_record("sales", VY, actor="test"))
    try:
        assert inside.wait(WAIT)
        previewer, answers = _in_thread(
            lambda: api.post(MATCH.format("marketing"), who="reader", json=VY_MARKETING))
        previewer.join(WAIT)
        assert answers and answers[0].status_code == 200, answers
        # the post has not committed: the preview does not see it
        assert "RT-1" not in [c["source_id"] for c in answers[0].json()["candidates"]]
    finally:
        release.set()
        poster.join(WAIT)
    after = api.post(MATCH.format("marketing"), who="reader", json=VY_MARKETING).json()
    assert after["candidates"][0]["source_id"] == "RT-1"


def test_a_preview_waits_while_a_commit_is_not_yet_in_the_live_index(  # type: ignore[no-untyped-def]
    api, monkeypatch
):
    """Between a post's commit and the live index taking it, a preview would read the database
    and the index disagreeing: it waits, and then sees both."""
    service = api.client.app.state.service
    inside, release = threading.Event(), threading.Event()
    commit_index = RealtimeMatcher.commit_index

    def slow_commit_index(self):  # type: ignore[no-untyped-def]
        inside.set()
        release.wait(WAIT)
        commit_index(self)

    monkeypatch.setattr(RealtimeMatcher, "commit_index", slow_commit_index)
    poster, posted = _in_thread(lambda: service.post_record("sales", VY, actor="test"))
    try:
        assert inside.wait(WAIT)
        previewer, answers = _in_thread(lambda: api.post(MATCH.format("sales"), who="reader", json=VY))
        previewer.join(0.3)
        assert previewer.is_alive() and not answers
    finally:
        release.set()
        poster.join(WAIT)
    previewer.join(WAIT)
    assert answers[0].status_code == 200
    assert answers[0].json()["current_golden_id"] == posted[0].golden_id is not None

"""The change feed: every change to a golden record, once, in commit order, from any cursor."""

from __future__ import annotations

import duckdb

from mdm.store.database import migrate
from tests.api.test_records import VY, VY_MARKETING
from tests.test_database import _file_before


def _walk(api, after=0, limit=7, who="reader"):  # type: ignore[no-untyped-def]
    """Every entry after ``after``, page by page; returns them and the last cursor."""
    entries = []
    while True:
        page = api.get("/changes", who=who, params={"after": after, "limit": limit}).json()
        entries += page["data"]
        assert page["next_after"] == (page["data"][-1]["seq"] if page["data"] else after)
        after = page["next_after"]
        if not page["more"]:
            return entries, after


def test_the_first_run_is_read_once_page_by_page(api):  # type: ignore[no-untyped-def]
    entries, cursor = _walk(api)
    seqs = [e["seq"] for e in entries]
    assert seqs == sorted(set(seqs))  # in order, each once
    active = api.get("/golden-records", params={"limit": 1}).json()["count"]
    assert len(entries) == active
    assert {(e["change"], e["cause"]) for e in entries} == {("created", "run")}
    assert len({e["golden_id"] for e in entries}) == active
    assert all(e["golden_record"]["golden_id"] == e["golden_id"] for e in entries)
    # One large page says the same; nothing comes after the end.
    whole = api.get("/changes", params={"limit": 500}).json()  # the sample has fewer golden records
    assert not whole["more"] and [e["seq"] for e in whole["data"]] == seqs
    end = api.get("/changes", params={"after": cursor}).json()
    assert end == {"data": [], "next_after": cursor, "more": False, "head": cursor}
    assert api.get("/changes", params={"limit": 1}).json()["head"] == cursor  # the last entry, on any page


def test_posts_deletes_and_merges_come_after_the_cursor(api):  # type: ignore[no-untyped-def]
    _, cursor = _walk(api, limit=500)
    created = api.post("/sources/sales/records", json=VY).json()
    matched = api.post("/sources/marketing/records", json=VY_MARKETING).json()
    assert matched["golden_id"] == created["golden_id"]
    other = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    both = {"golden_ids": [other, created["golden_id"]]}
    merged = api.post("/golden-records/merge", who="steward", json=both)
    assert merged.status_code == 200, merged.json()
    survivor = merged.json()["golden_id"]
    gone = other if survivor == created["golden_id"] else created["golden_id"]
    deleted = api.client.delete("/sources/marketing/records/mk_rt1", headers=api.headers("writer"))
    assert deleted.status_code == 200

    entries, last = _walk(api, after=cursor, limit=2)
    assert all(e["seq"] > cursor for e in entries)
    assert api.get("/changes", params={"after": 0, "limit": 1}).json()["head"] == last
    steps = [(e["golden_id"], e["change"], e["cause"], e["cause_id"]) for e in entries]
    assert steps[:2] == [
        (created["golden_id"], "created", "record", "sales:RT-1"),
        (created["golden_id"], "changed", "record", "marketing:mk_rt1"),
    ]
    by_decision = {(g, change) for g, change, cause, _ in steps[2:-1] if cause == "decision"}
    assert (gone, "merged") in by_decision and (survivor, "changed") in by_decision
    assert steps[-1][1:] == ("changed", "record_deleted", "marketing:mk_rt1") and steps[-1][0] == survivor
    # Each entry carries the golden record as it is now: merged away, or without the deleted member.
    now = {e["golden_id"]: e["golden_record"] for e in entries}
    assert now[gone]["status"] == "retired" and now[gone]["merged_into"] == survivor
    assert ("marketing", "mk_rt1") not in {(m["source"], m["source_id"]) for m in now[survivor]["members"]}


def test_readers_without_pii_get_the_records_masked(api):  # type: ignore[no-untyped-def]
    _, cursor = _walk(api, limit=500)
    api.post("/sources/sales/records", json=VY)
    masked = api.get("/changes", params={"after": cursor}).json()["data"][0]["golden_record"]
    clear = api.get("/changes", who="reader_pii", params={"after": cursor}).json()["data"][0]["golden_record"]
    assert clear["attributes"]["email"] == VY["email"]
    assert masked["attributes"]["email"] == "v***@example.vn"
    assert VY["email"] not in str(masked)


def test_bad_cursors_and_limits_are_422_naming_the_parameter(api):  # type: ignore[no-untyped-def]
    for params, name in (({"after": -1}, "after"), ({"after": "x"}, "after"), ({"limit": 0}, "limit"),
                         ({"limit": 501}, "limit")):
        r = api.get("/changes", params=params)
        assert r.status_code == 422 and name in str(r.json()), (params, r.json())
    assert api.client.get("/changes").status_code == 401


def test_a_cursor_beyond_the_last_change_is_422_naming_it(api):  # type: ignore[no-untyped-def]
    """No entry was ever past the head: such a cursor is corrupted, and reading on from it would
    skip every change up to it unseen (a subscription's "after" is refused alike)."""
    head = api.get("/changes", params={"limit": 1}).json()["head"]
    at_head = api.get("/changes", params={"after": head}).json()
    assert (at_head["data"], at_head["next_after"], at_head["head"]) == ([], head, head)
    for after in (head + 1, 99999999, 2**64):
        r = api.get("/changes", params={"after": after})
        assert r.status_code == 422, r.text
        assert "'after'" in r.json()["detail"] and "beyond the last change" in r.json()["detail"]


def test_history_written_before_the_feed_is_numbered_by_time(tmp_path):  # type: ignore[no-untyped-def]
    path = str(tmp_path / "old.duckdb")
    con = _file_before(path, 10)
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause) VALUES"
                " ('G2', '2026-01-02', 'changed', 'record'), ('G1', '2026-01-01', 'created', 'run'),"
                " ('G2', '2026-01-01', 'created', 'run')")
    con.close()

    con = duckdb.connect(path)
    migrate(con)
    con.execute("INSERT INTO golden_history (golden_id, changed_at, change, cause)"
                " VALUES ('G1', '2025-12-31', 'changed', 'decision')")  # an older clock commits later
    assert con.execute("SELECT seq, golden_id, change FROM golden_history ORDER BY seq").fetchall() == [
        (1, "G1", "created"), (2, "G2", "created"), (3, "G2", "changed"), (4, "G1", "changed"),
    ]


def test_a_copy_paged_by_key_then_the_feed_from_head_is_what_is_held(api):  # type: ignore[no-untyped-def]
    """What the README tells a downstream system: note ``head``, copy by paging ``after``, then read
    the feed from ``head``. Writes between the pages must not leave the copy wrong."""

    def page(after):  # type: ignore[no-untyped-def]
        params = {"limit": 100} if after is None else {"limit": 100, "after": after}
        body = api.get("/golden-records", who="reader_pii", params=params).json()
        return {h["golden_record"]["golden_id"]: h["golden_record"] for h in body["data"]}, body["next_after"]

    head = api.get("/changes", params={"limit": 1}).json()["head"]
    copy, after = page(None)
    # Between the first page and the rest: a new customer, a match to it, a retirement on the page
    # read, and a merge of two golden records not read yet.
    created = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    api.post("/sources/marketing/records", json=VY_MARKETING)
    rows = api.client.app.state.service.reader().execute(
        "SELECT min(source_id), golden_id FROM xref GROUP BY golden_id HAVING count(*) = 1"
        " AND min(source) = 'sales' ORDER BY golden_id").fetchall()
    read_alone = next(sid for sid, gid in rows if gid in copy and gid != created)
    deleted = api.client.delete(f"/sources/sales/records/{read_alone}", headers=api.headers("writer"))
    assert deleted.status_code == 200
    unread = [gid for _sid, gid in rows if gid > after][:2]
    assert api.post("/golden-records/merge", who="steward", json={"golden_ids": unread}).status_code == 200
    while after is not None:
        more, after = page(after)
        copy.update(more)
    entries, _ = _walk(api, after=head, limit=50, who="reader_pii")
    assert entries
    for e in entries:
        now = e["golden_record"]
        if now is not None and now["status"] == "active":
            copy[e["golden_id"]] = now
        else:
            copy.pop(e["golden_id"], None)
    fresh, after = page(None)
    while after is not None:
        more, after = page(after)
        fresh.update(more)
    assert created in fresh and copy == fresh

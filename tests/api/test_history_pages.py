"""A golden record's history pages as the other lists do: a record a daily run touches for years
has thousands of versions, too many for one answer or one page."""

from __future__ import annotations

import re

from mdm import realtime
from tests.api.conftest import Api
from tests.api.test_links import _merge_two_alone
from tests.api.test_overrides import _golden, _put
from tests.api.test_records import VY

CHANGES = 56  # a steward's value set again and again: one version each, past a page of 50


def _history_table(page: str) -> str:
    """The history table of a golden record's page."""
    table = re.search(r'<table id="history"[^>]*>.*?</table>', page, re.S)
    assert table is not None, page
    return table.group(0)


def _changed_often(api):  # type: ignore[no-untyped-def]
    gid = _golden(api, 2)
    for n in range(CHANGES):
        r = _put(api, gid, "phone", {"value": f"0912 345 {n:03d}", "reason": "customer called"})
        assert r.status_code == 200 and r.json()["golden_change"] == "changed", r.json()
    return gid


def test_the_history_pages_in_a_stable_order(api):  # type: ignore[no-untyped-def]
    gid = _changed_often(api)
    url = f"/golden-records/{gid}/history"
    whole = api.get(url, params={"limit": 200}).json()
    total = whole["count"]
    assert total == len(whole["data"]) > CHANGES  # the run that made it, then the steward's
    assert [e["changed_at"] for e in whole["data"]] == sorted(e["changed_at"] for e in whole["data"])
    assert [e["cause"] for e in whole["data"][-CHANGES:]] == ["override"] * CHANGES

    first = api.get(url).json()  # as the other lists: 50 unless asked
    assert (first["count"], first["limit"], first["offset"]) == (total, 50, 0)
    assert first["data"] == whole["data"][:50]
    pages = [api.get(url, params={"limit": 7, "offset": at}).json() for at in range(0, total, 7)]
    assert [e for p in pages for e in p["data"]] == whole["data"]  # none repeated, none skipped
    assert {(p["count"], p["limit"]) for p in pages} == {(total, 7)}
    latest = api.get(url, params={"limit": 5, "offset": total - 5}).json()["data"]
    assert latest == whole["data"][-5:]

    past = api.get(url, params={"offset": total}).json()
    assert (past["data"], past["count"]) == ([], total)  # the id is known: no 404 past its last page
    assert api.get(url, params={"limit": 201}).status_code == 422
    assert api.get(url, params={"limit": 0}).status_code == 422
    assert api.get("/golden-records/GNOPE/history").status_code == 404


def test_the_golden_records_page_shows_the_latest_history_and_pages_to_the_older(api: Api) -> None:
    gid = _changed_often(api)
    whole = api.get(f"/golden-records/{gid}/history", params={"limit": 200}).json()
    total, causes = whole["count"], [f"{e['cause']} {e['cause_id'] or ''}" for e in whole["data"]]
    newest = causes[::-1]
    api.client.post("/steward/login", data={"key": api.keys["steward"]})

    def shown(text: str) -> list[str]:
        rows = _history_table(text)
        cells = re.findall(r"<tr><td>(.*?)</td><td>(.*?)</td><td>(.*?)</td>", rows)
        return [cause.strip() for _, _, cause in cells]

    page = api.client.get(f"/steward/golden/{gid}").text
    assert shown(page) == newest[:50]  # the latest first: what a steward looks for
    assert f"Showing 1–50 of {total}." in page and 'rel="prev"' not in page
    older = re.search(r'<a href="([^"]+)" rel="next">Older</a>', page).group(1)  # type: ignore[union-attr]
    assert older == f"/steward/golden/{gid}?offset=50"
    rest = api.client.get(older).text
    assert shown(rest) == newest[50:]
    assert f'<a href="/steward/golden/{gid}?offset=0" rel="prev">Newer</a>' in rest
    assert 'rel="next"' not in rest


def test_a_merged_away_id_answers_its_own_history_not_its_survivors(api):  # type: ignore[no-untyped-def]
    # Unlike a lookup, links, household and similar, a history is not followed to the survivor:
    # the survivor's versions hold none of the merged-away record's, so following would lose them.
    a, b, merged = _merge_two_alone(api)
    survivor = merged["golden_id"]
    gone = b if survivor == a else a
    url = "/golden-records/{}/history"
    own = api.get(url.format(gone)).json()
    assert "redirected_from" not in own
    assert [(e["change"], e["cause"]) for e in own["data"]][0] == ("created", "run")
    decision = merged["decision"]["decision_id"]
    assert (own["data"][-1]["change"], own["data"][-1]["cause_id"]) == ("merged", decision)
    kept = api.get(url.format(survivor)).json()["data"]
    assert (kept[-1]["change"], kept[-1]["cause_id"]) == ("changed", decision)
    assert not [e for e in own["data"] if e in kept]

    # An id retired with no survivor (its last record deleted) still answers its own.
    posted = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.client.delete("/sources/sales/records/RT-1", headers=api.headers("writer")).status_code == 200
    alone = api.get(url.format(posted)).json()["data"]
    assert [(e["change"], e["cause"]) for e in alone] == [
        ("created", "record"), ("retired", "record_deleted")]


def test_the_golden_records_page_says_where_a_merged_version_went(api: Api) -> None:
    """A merged entry names its survivor (migration 21's ``merged_into``, in the JSON and the feed):
    the page said only "merged". Seen once the id is active again (its page follows a merge away)."""
    a, b, merged = _merge_two_alone(api)
    survivor = merged["golden_id"]
    gone = b if survivor == a else a
    assert api.post(f"/decisions/{merged['decision']['decision_id']}/undo", who="steward").status_code == 200
    entries = api.get(f"/golden-records/{gone}/history").json()["data"]
    assert [e["merged_into"] for e in entries if e["change"] == "merged"] == [survivor]
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    rows = _history_table(api.client.get(f"/steward/golden/{gone}").text)
    changes = re.findall(r"<tr><td>.*?</td><td>(.*?)</td>", rows)
    link = f'merged into <a href="/steward/golden/{survivor}">{survivor}</a>'
    assert changes == [link if e["change"] == "merged" else e["change"] for e in entries[::-1]], changes
    assert api.client.get(f"/steward/golden/{survivor}").status_code == 200


def test_changes_in_one_instant_come_in_the_order_they_were_made(  # type: ignore[no-untyped-def]
        api: Api, monkeypatch) -> None:
    """A record posted, posted again changed and deleted, its three versions stamped with one
    instant (the clock held): created, changed, retired on every page, the JSON's and the
    steward's. They came ordered by the change's name within an instant: changed, created, retired."""
    instant = realtime.now()
    monkeypatch.setattr(realtime, "now", lambda: instant)
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    changed = api.post("/sources/sales/records",
                       json={**VY, "city": "Huế", "last_modified": "2026-05-02T10:00:00"})
    assert changed.json()["golden_id"] == gid, changed.json()
    assert api.client.delete("/sources/sales/records/RT-1", headers=api.headers("writer")).status_code == 200
    made = ["created", "changed", "retired"]
    url = f"/golden-records/{gid}/history"
    whole = api.get(url).json()["data"]
    assert [(e["change"], e["changed_at"]) for e in whole] == [(c, whole[0]["changed_at"]) for c in made]
    pages = [api.get(url, params={"limit": 1, "offset": at}).json()["data"] for at in range(3)]
    assert [e["change"] for page in pages for e in page] == made
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    for at, newest in enumerate(made[::-1]):
        page = api.client.get(f"/steward/golden/{gid}", params={"offset": at}).text
        rows = _history_table(page)
        assert re.findall(r"<tr><td>.*?</td><td>(.*?)</td>", rows)[0] == newest, (at, rows)

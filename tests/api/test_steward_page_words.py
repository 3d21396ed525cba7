"""A pair's score explained in a steward's words, and a queue read from either end."""

from __future__ import annotations

import html
import json
import re

from mdm.store import database, models
from tests.api.test_steward_page_reading import _cells, _rows

# What the words of a level may not carry: Splink's name of its last level, our column names.
_JARGON = re.compile(r"All other comparisons|_norm|_key|Jaro-Winkler|\w_\w")


def test_a_level_reads_in_plain_words(api, reconciled):  # type: ignore[no-untyped-def]
    """A pair's page and the API named a level as the model stores it: a name that reached no
    level read "All other comparisons", a city "same city_norm", an address "address Jaro-Winkler
    >= 0.8". They now read "different names", "same city", "similar address (similarity 0.8 or
    more)"; the model and the stored explanation keep Splink's labels (training finds levels by
    them, and a model trained before keeps its own), and each weight is as stored."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    items = api.get("/review-queue", who="steward", params={"limit": 100}).json()["data"]
    con = database.connect(reconciled[0], read_only=True)  # the served copy's run
    try:
        stored = dict(con.execute("SELECT item_id, CAST(explanation AS VARCHAR) FROM review_queue")
                      .fetchall())
        model = models.latest_model(con)
    finally:
        con.close()
    assert model is not None
    stored_labels = {lv.get("label_for_charts") for c in model["settings"]["comparisons"]
                     for lv in c["comparison_levels"]}
    levels: dict[str, set[str]] = {}
    for item in items[:40]:
        explained = json.loads(stored[item["item_id"]])
        shown = api.get(f"/review-queue/{item['item_id']}", who="steward").json()["explanation"]
        page = api.client.get(f"/steward/items/{item['item_id']}").text
        rows = [_cells(row) for row in _rows(page, "explanation")]
        on_page = {c[0]: c[1] for c in rows if c[0] not in ("prior", "total")}
        for part in shown:
            assert part["match_weight"] == explained[part["comparison"]]["match_weight"], part
            assert on_page[part["comparison"]] == part["level"], (on_page, part)
            assert not _JARGON.search(part["level"]), part
            levels.setdefault(part["comparison"], set()).add(part["level"])
    assert {"All other comparisons", "same city_norm"} <= stored_labels  # the model's own, unchanged
    assert "different names" in levels["name"], levels["name"]
    assert "same city" in levels["city"], levels["city"]


def _listed(page: str, table: str, link: str) -> list[str]:
    body = re.search(rf'<table id="{table}".*?</table>', page, re.S)
    assert body is not None, page
    return re.findall(rf'href="/steward/{link}/([^"#]+)"', body[0])


def test_the_queue_lists_the_weakest_first(api):  # type: ignore[no-untyped-def]
    """The queue offered the most impactful, the strongest or the newest pairs first: the pairs most
    likely not a match (the quickest "no") came last. The page and the API order them weakest first
    now, as asked."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    listed = api.get("/review-queue", who="steward", params={"limit": 200, "order": "weakest"}).json()
    items = listed["data"]
    assert len(items) == listed["count"] > 1
    weakest = [(i["match_probability"], i["match_weight"]) for i in items]
    assert weakest == sorted(weakest) and weakest[0] < weakest[-1]
    page = api.client.get("/steward", params={"order": "weakest"}).text
    assert '<option value="weakest" selected>weakest score</option>' in page
    assert _listed(page, "queue", "items") == [i["item_id"] for i in items]


def test_a_long_list_links_its_first_and_last_pages(api):  # type: ignore[no-untyped-def]
    """A steward's list (the queue, a search, the decisions) reached its last page by Next after
    Next. Its paging says which page of how many and links the last and first pages too (plain
    links, no script), keeping the list's filters."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    found = api.get("/golden-records", who="steward", params={"city": "Hà Nội", "limit": 100}).json()
    count = found["count"]
    assert count > 100, count  # three pages of 50 or more
    final = (count - 1) // 50 * 50
    page = api.client.get("/steward/search", params={"city": "Hà Nội"}).text
    assert f"Page 1 of {final // 50 + 1}." in page and 'rel="first"' not in page
    last = re.search(r'<a href="([^"]+)" rel="last">Last</a>', page)
    assert last and html.unescape(last[1]) == f"/steward/search?city=H%C3%A0+N%E1%BB%99i&offset={final}", last
    end = api.client.get(html.unescape(last[1])).text
    assert len(_listed(end, "results", "golden")) == count - final
    assert 'rel="last"' not in end and 'rel="next"' not in end
    first = re.search(r'<a href="([^"]+)" rel="first">First</a>', end)
    assert first and html.unescape(first[1]) == "/steward/search?city=H%C3%A0+N%E1%BB%99i&offset=0", first
    assert f"Page {final // 50 + 1} of {final // 50 + 1}." in end

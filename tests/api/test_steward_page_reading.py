"""The steward pages read without colour and move within themselves: what a pair's values share
is said in words, and a golden record's lineage opens the record each value came from."""

from __future__ import annotations

import html
import re


def _rows(page: str, table: str) -> list[str]:
    body = re.search(rf'<table id="{table}">(.*?)</table>', page, re.S)
    assert body is not None, page
    return re.findall(r"<tr[^>]*>.*?</tr>", body[1], re.S)[1:]  # the header row left out


def _cells(row: str) -> list[str]:
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


def test_a_pairs_values_that_differ_are_said_not_only_coloured(api):  # type: ignore[no-untyped-def]
    """A pair's page told values that agree from those that differ by the row's background alone
    (green, red): nothing a colour-blind steward or a screen reader could tell apart."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    items = api.get("/review-queue", who="steward", params={"limit": 50}).json()["data"]
    said = []
    for item in items:
        for row in _rows(api.client.get(f"/steward/items/{item['item_id']}").text, "pair"):
            field, left, right, *compared = _cells(row)
            expected = ("same" if left == right else "differs") if left and right else ""
            assert compared == [expected], (item["item_id"], field, left, right, compared)
            said.append(expected)
    assert {"same", "differs"} <= set(said)


def test_each_value_links_the_record_it_came_from(api):  # type: ignore[no-untyped-def]
    """A golden record's lineage named the source record of each value (and the steward's value
    that set one) as bare text: on a record of many members, the steward looked for it by eye."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    listed = api.get("/golden-records", who="steward", params={"limit": 100}).json()["data"]
    record = max((h["golden_record"] for h in listed), key=lambda g: g["record_count"])
    gid = record["golden_id"]
    api.client.post(f"/steward/golden/{gid}/overrides",
                    data={"attribute": "company", "value": "Công ty Ánh Dương", "reason": "contract"})
    page = api.client.get(f"/steward/golden/{gid}").text
    ids = set(re.findall(r'<tr id="([^"]+)"', page))
    links = [(html.unescape(target), html.unescape(text)) for row in _rows(page, "attributes")
             for target, text in re.findall(r'<a href="#([^"]+)">([^<]*)</a>', row)]
    assert {text.split(":")[0] for _t, text in links} >= {"steward", *record["sources"]}, links
    for target, text in links:
        assert target == text.replace(" ", "_") and target in ids, (target, ids)
    members = {_cells(row)[0] for row in _rows(page, "members")}
    assert {text for _t, text in links if not text.startswith("steward:")} <= members

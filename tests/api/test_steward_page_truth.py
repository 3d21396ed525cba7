"""The steward pages say what the service holds: why a pair waits, what became of a decided
pair and its records, and a decision that no longer binds. Over TestClient (no browser needed)."""

from __future__ import annotations

import html
import re

from api.review import held_back_label


def _held_back_cells(page: str) -> dict[str, str]:
    """Each queue row's pair id -> its "Held back by" cell, as text."""
    rows = re.findall(r'<tr data-item="([^"]+)">(.*?)</tr>', page, re.S)
    return {item: html.unescape(re.search(r'<td class="held-back">(.*?)</td>', row, re.S)[1]).strip()
            for item, row in rows}


def test_the_queue_says_what_held_back_a_pair_of_uncertain_score(api):  # type: ignore[no-untyped-def]
    """A pair scoring between the thresholds whose golden records hold two birth dates was
    listed with an empty "Held back by" cell (only the ``held_back_by`` filter found it), as if
    nothing but its score stood in the way."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    listed = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    uncertain = [i for i in listed if i["queued_because"]["kind"] == "uncertain"
                 and i["queued_because"]["held_back_by"]]
    assert uncertain
    cells = _held_back_cells(api.client.get("/steward", params={"order": "score"}).text)
    for item in listed:
        if item["queued_because"]["held_back_by"] and item["item_id"] in cells:
            assert cells[item["item_id"]] == held_back_label(item["queued_because"]["held_back_by"]), item
    assert {i["item_id"] for i in uncertain} & cells.keys()

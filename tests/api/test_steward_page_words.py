"""A pair's score explained in a steward's words, and a queue read from either end."""

from __future__ import annotations

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

"""Golden records that may be the same customer: scored like posts, down to what no queue holds."""

from __future__ import annotations

from tests.conftest import BY_FIRST_MEMBER

SIMILAR = "/golden-records/{}/similar"


def _key(side):  # type: ignore[no-untyped-def]
    return {"source": side["source"], "source_id": side["source_id"]}


def _queued_pair_found(api):  # type: ignore[no-untyped-def]
    """An uncertain open item, and the similar entry of its right golden record seen from its left
    one, where that entry's best pair is the item's own pair."""
    items = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    for item in items:
        if item["queued_because"]["kind"] != "uncertain":
            continue
        found = api.get(SIMILAR.format(item["left"]["golden_id"]), who="steward").json()["data"]
        for entry in found:
            if (entry["golden_id"], entry["record"], entry["other"]) == (
                    item["right"]["golden_id"], _key(item["left"]), _key(item["right"])):
                return item, entry, found
    raise AssertionError("no uncertain item found among its golden record's similar ones")


def test_a_queued_pair_is_among_the_similar_and_a_decision_marks_it(api):  # type: ignore[no-untyped-def]
    item, entry, found = _queued_pair_found(api)
    left, right = item["left"]["golden_id"], item["right"]["golden_id"]
    assert abs(entry["match_probability"] - item["match_probability"]) < 1e-9
    assert not entry["ruled_out"] and entry["explanation"]
    probabilities = [f["match_probability"] for f in found]
    assert probabilities == sorted(probabilities, reverse=True)
    assert left not in {f["golden_id"] for f in found}
    above = api.get(SIMILAR.format(left), who="steward",
                    params={"min_probability": entry["match_probability"] + 1e-6}).json()["data"]
    assert right not in {f["golden_id"] for f in above}

    decided = api.post(f"/review-queue/{item['item_id']}/decision", who="steward",
                       json={"decision": "not_a_match"})
    assert decided.status_code == 200
    found = api.get(SIMILAR.format(left), who="steward").json()["data"]
    (entry,) = [f for f in found if f["golden_id"] == right]
    assert entry["ruled_out"]


def test_it_finds_what_scored_below_the_queue(api):  # type: ignore[no-untyped-def]
    review = 0.6  # matching_rules/default.yaml: below it, a pair is neither linked nor queued
    active = api.client.app.state.service.reader().execute(
        f"SELECT golden_id FROM golden_records WHERE status = 'active' ORDER BY {BY_FIRST_MEMBER}").fetchall()
    below = ((gid, f) for (gid,) in active for f in api.get(SIMILAR.format(gid), who="steward").json()["data"]
             if f["match_probability"] < review)
    gid, found = next(below)  # namesakes and the like: scored, and no queue holds them
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [gid, found["golden_id"]]})
    assert merged.status_code == 200


def test_similar_needs_a_steward_and_an_active_record(api):  # type: ignore[no-untyped-def]
    assert api.get(SIMILAR.format("GNOPE"), who="steward").status_code == 404
    gid = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    assert api.get(SIMILAR.format(gid), who="reader").status_code == 403
    assert api.get(SIMILAR.format(gid), who="steward", params={"min_probability": 2}).status_code == 422

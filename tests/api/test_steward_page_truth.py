"""The steward pages say what the service holds: why a pair waits, what became of a decided
pair and its records, and a decision that no longer binds. Over TestClient (no browser needed)."""

from __future__ import annotations

import html
import re

from api.review import held_back_label
from tests.api.test_stewardship import _run


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


def _text(page: str) -> str:
    """The page's main part as a steward reads it: its words, tags and spacing left out."""
    main = page[page.index("<main>"):page.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", main)).split())


def test_a_decided_pair_says_its_decision_and_its_lapse(  # type: ignore[no-untyped-def]
    api,
):
    """A decided pair's page said only "Decided by D…": not which way, by whom, why, nor that the
    decision lapsed when a record of the pair was deleted; and the deleted record's side linked to
    /steward/golden/None, a page saying golden record 'None' is not found. The decisions page said
    a lapsed decision "binds no record left" where the other record is still there."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    listed = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    # The record deleted is its golden record's only one: no pair the decision binds is left whole.
    item, side = next((i, side) for i in listed for side in ("left", "right")
                      if i[side]["golden_record_count"] == 1)
    api.client.post(f"/steward/items/{item['item_id']}/decision",
                    data={"decision": "not_a_match", "comment": "two people, checked by phone"})
    gone = item[side]
    deleted = api.client.delete(f"/sources/{gone['source']}/records/{gone['source_id']}",
                                headers=api.headers("writer")).json()
    (decision_id,) = deleted["decisions_lapsed"]
    lapsed_at = api.get(f"/decisions/{decision_id}", who="steward").json()["lapsed_at"]
    when = lapsed_at[:19].replace("T", " ") + " UTC"

    page = api.client.get(f"/steward/items/{item['item_id']}").text
    assert "/steward/golden/None" not in page
    said = _text(page)
    assert f"{gone['source']}:{gone['source_id']} · held by no golden record now (deleted)" in said
    assert ("Decided not a match by test-steward" in said and "“two people, checked by phone”" in said
            and f"({decision_id})" in said), said
    assert f"Lapsed {when} by test-writer: not in force" in said, said

    listed_page = _text(api.client.get("/steward/decisions").text)
    lapse = f"Lapsed {when} by test-writer: not in force, no pair of the records it binds is left whole"
    assert lapse in listed_page
    assert "binds no record left" not in listed_page


def test_a_retired_records_values_are_said_lapsed(api):  # type: ignore[no-untyped-def]
    """A steward's value on a golden record retired by the deletion of its last record binds
    nothing (the deletion reports it in ``overrides_lapsed``), yet its page said the value "wins
    over the survivorship rules in every later run and post", and "0 source records from"."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    listed = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    only = next(i[side] for i in listed for side in ("left", "right") if i[side]["golden_record_count"] == 1)
    gid = only["golden_id"]
    api.client.post(f"/steward/golden/{gid}/overrides",
                    data={"attribute": "company", "value": "Công ty Ánh Dương", "reason": "contract"})
    assert "wins over the survivorship rules" in _text(api.client.get(f"/steward/golden/{gid}").text)
    deleted = api.client.delete(f"/sources/{only['source']}/records/{only['source_id']}",
                                headers=api.headers("writer")).json()
    assert [o["attribute"] for o in deleted["overrides_lapsed"]] == ["company"]

    said = _text(api.client.get(f"/steward/golden/{gid}").text)
    assert f"Golden record {gid} · retired" in said and "no source record left" in said, said
    assert "Lapsed: not in force, as this golden record is retired" in said, said
    assert "wins over the survivorship rules" not in said and "Công ty Ánh Dương" in said


def test_a_page_past_the_last_says_so_and_goes_back_to_the_last(api):  # type: ignore[no-untyped-def]
    """A queue page past the last (an address kept while the queue shrank) said "Nothing to
    review" above its open pairs' count, and its Previous link, like a search's, went back one
    page size: to another page past the last."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    count = api.get("/review-queue", who="steward").json()["count"]
    for path, page_size in (("/steward", 100), ("/steward/search?name=nguyen", 50)):
        past = api.client.get(f"{path}{'&' if '?' in path else '?'}offset=5000").text
        assert "Nothing to review" not in past
        back = html.unescape(re.search(r'href="([^"]+)" rel="prev"', past)[1])  # type: ignore[index]
        offset = int(re.search(r"offset=(\d+)", back)[1])  # type: ignore[index]
        assert offset < 5000 and offset % page_size == 0
        last = api.client.get(back).text
        assert "rel=\"next\"" not in last and re.search(r"<tr data-item=|<td class=\"num\">", last), back
    assert "No pair on this page: it is past the last." in api.client.get("/steward?offset=5000").text
    assert count


def test_a_decided_pair_says_its_score_is_from_when_it_was_queued(  # type: ignore[no-untyped-def]
    api, small_sample,
):
    """A batch run keeps a decided pair as it was queued, score and all, and scores its records
    anew: the pair's page showed that old score as the pair's, with no word of when it was scored."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item = api.get("/review-queue", who="steward").json()["data"][0]
    api.client.post(f"/steward/items/{item['item_id']}/decision", data={"decision": "match"})
    _run(api, small_sample)
    kept = api.get(f"/review-queue/{item['item_id']}", who="steward").json()
    assert (kept["status"], kept["created_at"]) == ("decided", item["created_at"])
    said = _text(api.client.get(f"/steward/items/{item['item_id']}").text)
    queued = item["created_at"][:19].replace("T", " ") + " UTC"
    score = f"{item['match_probability']:.4f} (match weight {item['match_weight']:.2f})"
    assert f"{score} as scored when queued, {queued}." in said, said


def test_the_decided_queue_and_the_decisions_say_which_way_in_words(api):  # type: ignore[no-untyped-def]
    """The decided queue listed its pairs as the open one does, with no word of which way each
    went; the decisions page's Kind said ``not_a_match``; a pair's page said "(1 records)"; and a
    lapsed decision's Undo did not say that it withdraws a decision no longer in force."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    listed = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    single = next(i for i in listed if i["left"]["golden_record_count"] == 1)
    pair = _text(api.client.get(f"/steward/items/{single['item_id']}").text)
    assert f"{single['left']['golden_id']} (1 record)" in pair and "(1 records)" not in pair
    apart = single
    api.client.post(f"/steward/items/{apart['item_id']}/decision", data={"decision": "not_a_match"})
    (decision,) = api.get("/decisions", who="steward").json()["data"]

    decided = api.client.get("/steward", params={"status": "decided"}).text
    row = re.search(rf'<tr data-item="{apart["item_id"]}">(.*?)</tr>', decided, re.S)
    assert row is not None
    cell = re.search(r'<td class="decided">(.*?)</td>', row[1], re.S)
    assert cell is not None and _text(f"<main>{cell[1]}</main>") == f"not a match ({decision['decision_id']})"
    kinds = re.findall(r"</a></td><td>([^<]*)</td>", api.client.get("/steward/decisions").text)
    assert kinds == ["not a match"], kinds

    gone = apart["left"]  # its golden record's only record: the decision binds no pair left whole
    api.client.delete(f"/sources/{gone['source']}/records/{gone['source_id']}", headers=api.headers("writer"))
    said = _text(api.client.get("/steward/decisions").text)
    assert "Undo: withdraw it so it does not bind again when its records are back" in said, said

"""A merge asked for on the steward pages is previewed first (the merged golden record, the values
that differ, the identifiers that conflict) and made only when confirmed on what was shown."""

from __future__ import annotations

import html
import re

from mdm.store import serving
from tests.api.test_steward_page_reading import _cells, _rows


def _text(page: str) -> str:
    main = page[page.index("<main>"):page.index("</main>")]
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", main)).split())


def _confirm_form(page: str) -> dict[str, list[str]]:
    """The confirm form's fields as the browser would post them."""
    form = re.search(r'<form id="confirm-merge"(.*?)</form>', page, re.S)
    assert form is not None, _text(page)
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"', form[1]):
        fields.setdefault(name, []).append(html.unescape(value))
    return fields


def _asked_on_page_of(a: str, b: str) -> dict[str, object]:
    """The form the "Merge" button on ``a``'s page posts, to merge ``b`` into it."""
    return {"golden_ids": [a, b], "back": f"/steward/golden/{a}"}


def _dated_pair(api) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """Two golden records holding different dates of birth (a pair the clustering held back)."""
    listed = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    item = next(i for i in listed if i["queued_because"]["held_back_by"] == "different date_of_birth")
    return item["left"]["golden_id"], item["right"]["golden_id"]


def test_a_merge_is_previewed_with_its_conflicts_and_made_when_confirmed(api):  # type: ignore[no-untyped-def]
    """The "Merge" buttons merged at once: the steward saw neither what the merged record would hold
    nor that the two held two dates of birth, which a batch run would never join."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    a, b = _dated_pair(api)
    page = api.client.post("/steward/merge/preview", data=_asked_on_page_of(a, b))
    assert page.status_code == 200, _text(page.text)
    assert api.get("/decisions", who="steward").json()["data"] == []  # nothing merged yet
    expected = api.post("/golden-records/merge:preview", who="steward", json={"golden_ids": [a, b]}).json()
    (conflict,) = [c for c in expected["conflicts"] if c["conflict"] == "different date_of_birth"]
    said = _text(page.text)
    assert (f"Date of birth differs: {a} holds {', '.join(conflict['values'][a])};"
            f" {b} holds {', '.join(conflict['values'][b])}.") in said, said
    assert f"{expected['golden_id']} keeps its id" in said
    merged = {c[0]: c[1] for c in map(_cells, _rows(page.text, "merged"))}
    assert merged["date_of_birth"] == expected["golden_record"]["attributes"]["date_of_birth"]
    differing = {c[0]: c[1:] for c in map(_cells, _rows(page.text, "differing"))}
    assert len(set(differing["date_of_birth"][:2])) == 2, differing  # each record's, then the merged one's

    done = api.client.post("/steward/merge", data={**_confirm_form(page.text), "comment": "same person"},
                           follow_redirects=False)
    assert done.status_code == 303
    assert done.headers["location"].startswith(f"/steward/golden/{expected['golden_id']}?")
    (decision,) = api.get("/decisions", who="steward").json()["data"]
    assert (decision["kind"], sorted(decision["golden_ids"])) == ("merge", sorted([a, b]))


def test_a_merge_confirmed_on_a_stale_preview_is_refused(api):  # type: ignore[no-untyped-def]
    """A record changed between the preview and the confirm (here a steward's value set on it) was
    merged all the same, into what the steward had not seen; and a merge posted without its
    preview, or from another origin, is refused too."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    a, b = _dated_pair(api)
    page = api.client.post("/steward/merge/preview", data=_asked_on_page_of(a, b))
    confirm = _confirm_form(page.text)
    set_city = api.client.put(f"/golden-records/{b}/overrides/city", headers=api.headers("steward"),
                              json={"value": "Hue", "reason": "customer called"})
    assert set_city.status_code == 200, set_city.text

    stale = api.client.post("/steward/merge", data=confirm)  # back on the golden record's page
    assert f"not merged: golden record {b} has changed since the preview" in _text(stale.text)
    unpreviewed = api.client.post("/steward/merge", data=_asked_on_page_of(a, b))
    assert "ask for the preview first" in _text(unpreviewed.text)
    forged = api.client.post("/steward/merge", data=confirm, headers={"Origin": "http://evil.example"})
    assert forged.status_code == 403
    assert api.get("/decisions", who="steward").json()["data"] == []

    again = _confirm_form(api.client.post("/steward/merge/preview", data={"golden_ids": [a, b]}).text)
    assert api.client.post("/steward/merge", data=again, follow_redirects=False).status_code == 303


def test_a_merge_stewards_kept_apart_is_previewed_with_no_confirm(api):  # type: ignore[no-untyped-def]
    """Golden records a steward's "not a match" keeps apart: the preview names the decision to undo
    first and offers no Confirm (the merge would be refused)."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item = api.get("/review-queue", who="steward", params={"limit": 1}).json()["data"][0]
    api.client.post(f"/steward/items/{item['item_id']}/decision", data={"decision": "not_a_match"})
    (decision,) = api.get("/decisions", who="steward").json()["data"]
    a, b = item["left"]["golden_id"], item["right"]["golden_id"]
    page = api.client.post("/steward/merge/preview", data=_asked_on_page_of(a, b))
    said = _text(page.text)
    refused = "refused while these decisions (not the same customer) stand; undo them first:"
    assert f"{refused} {decision['decision_id']}" in said, said
    assert 'id="confirm-merge"' not in page.text


def _ticked(page: str) -> list[str]:
    return re.findall(r'<input type="checkbox" name="golden_ids" value="([^"]+)"[^>]*\bchecked>', page)


def test_cancel_on_a_preview_from_a_search_keeps_its_ticks(api):  # type: ignore[no-untyped-def]
    """"Cancel" on a merge's preview led back to the search with every tick gone: a steward who
    looked, then wanted to tick one more, ticked them all again (on the second page, found again)."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    second_page = api.client.get("/steward/search", params={"name": "nguyen", "offset": "50"}).text
    shown = re.findall(r'name="golden_ids" value="([^"]+)"', second_page)
    ticked = [shown[2], shown[0]]  # in the order ticked, not shown
    page = api.client.post("/steward/merge/preview", data={
        "golden_ids": ticked, "q_name": "nguyen", "offset": "50", "comment": "same person"})
    assert page.status_code == 200, _text(page.text)
    cancel = re.search(r'<a href="([^"]+)">Cancel</a>', page.text)
    assert cancel is not None, _text(page.text)
    back = api.client.get(html.unescape(cancel[1]))
    assert back.status_code == 200, _text(back.text)
    assert 'name="name" value="nguyen"' in back.text and "Showing 51–" in back.text
    assert sorted(_ticked(back.text)) == sorted(ticked)
    assert api.get("/decisions", who="steward").json()["data"] == []


def test_a_merge_preview_reads_each_golden_record_once(api, monkeypatch):  # type: ignore[no-untyped-def]
    """The preview read each golden record's document for its version, then again for the values
    that differ: twice the reads, and the values shown could be of a later version than the one the
    confirm carries. The reads are counted as they go to the store, each still made."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    a, b = _dated_pair(api)
    read: list[str] = []
    one, many = serving.document, serving.documents
    monkeypatch.setattr(serving, "document", lambda con, g: read.append(g) or one(con, g))
    monkeypatch.setattr(serving, "documents", lambda con, gs: read.extend(gs) or many(con, gs))
    page = api.client.post("/steward/merge/preview", data=_asked_on_page_of(a, b))
    assert page.status_code == 200, _text(page.text)
    assert sorted(read) == sorted([a, b])
    differing = {c[0]: c[1:] for c in map(_cells, _rows(page.text, "differing"))}
    assert len(set(differing["date_of_birth"][:2])) == 2, differing  # each record's values, as read

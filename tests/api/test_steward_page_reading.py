"""The steward pages read without colour and move within themselves: what a pair's values share
is said in words, and a golden record's lineage opens the record each value came from."""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


def _rows(page: str, table: str) -> list[str]:
    body = re.search(rf'<table id="{table}"[^>]*>(.*?)</table>', page, re.S)
    assert body is not None, page
    return re.findall(r"<tr[^>]*>.*?</tr>", body[1], re.S)[1:]  # the header row left out


def _cells(row: str) -> list[str]:
    return [" ".join(html.unescape(re.sub(r"<[^>]+>", "", c)).replace("\u200b", "").split())
            for c in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)]


# The comparison of the default rules that reads each field shown.
_READ_BY = {"full_name": "name", "email": "email", "phone": "phone", "date_of_birth": "date_of_birth",
            "address": "address", "city": "city", "postcode": "postcode", "company": "company",
            "tax_id": "tax_id", "national_id": "national_id"}


def test_a_pairs_fields_say_what_the_model_made_of_them(api):  # type: ignore[no-untyped-def]
    """A pair's page said whether its values agree by their letters: "HA NOI" and "Hà Nội", or two
    spellings of one address, were said to differ where the model weighed them the same (+1.95,
    +13.36), and a name the model weighed against the pair (-7.66) showed its weight in red with
    "All other comparisons", no word saying it counts against. Each field a comparison reads now
    says what its weight says, as its colour does (for a match, against a match, no evidence); each
    weight says it too; a field no comparison reads says so."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    items = api.get("/review-queue", who="steward", params={"limit": 50}).json()["data"]
    said = []
    for item in items:
        page = api.client.get(f"/steward/items/{item['item_id']}").text
        weighed = {}
        for row in _rows(page, "explanation"):
            comparison, level, weight = _cells(row)
            if comparison not in ("prior", "total"):
                word, number = weight.rsplit(" ", 1)
                sign = (float(number) > 0) - (float(number) < 0)
                assert word == {1: "for a match", -1: "against a match", 0: "no evidence"}[sign], weight
                weighed[comparison] = None if level == "missing" else word
        for row in _rows(page, "pair"):
            field, left, right, compared = _cells(row)
            if not (left and right):
                expected = ""
            elif field in _READ_BY:
                expected = weighed[_READ_BY[field]] or "no evidence"
            else:
                expected = ("same" if left == right else "differs") + ", not compared"
            assert compared == expected, (item["item_id"], field, left, right, compared)
            said.append((compared, left == right))
    assert ("for a match", False) in said  # "HA NOI", "Hà Nội": not said to differ
    assert {"for a match", "against a match", "differs, not compared"} <= {word for word, _same in said}


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
    sources = {text.split(":")[0] for _t, text in links}
    assert "steward" in sources and sources - {"steward"}, links
    assert sources <= {"steward", *record["sources"]}, links
    for target, text in links:
        assert target == text.replace(" ", "_") and target in ids, (target, ids)
    members = {_cells(row)[0] for row in _rows(page, "members")}
    assert {text for _t, text in links if not text.startswith("steward:")} <= members


class _Named(HTMLParser):
    """The accessible names of a page's buttons and of the text boxes wrapped in a label: the
    aria-label, else the text the button or label shows."""

    def __init__(self, page: str) -> None:
        super().__init__()
        self.buttons: list[str] = []
        self.boxes: list[str] = []
        self._open: tuple[list[str], list[str]] | None = None  # where the name goes, its text so far
        self.feed(page)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "button" and not {"hidden", "disabled"} & a.keys():
            if a.get("aria-label"):
                self.buttons.append(str(a["aria-label"]))
            else:
                self._open = (self.buttons, [])
        elif tag == "label":
            self._open = (self.boxes, [])
        elif tag == "input" and self._open and self._open[0] is self.boxes:
            self.boxes.append(" ".join("".join(self._open[1]).split()))
            self._open = None

    def handle_data(self, data: str) -> None:
        if self._open:
            self._open[1].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("button", "label") and self._open:
            if self._open[0] is self.buttons:
                self.buttons.append(" ".join("".join(self._open[1]).split()))
            self._open = None


def test_each_rows_button_and_box_is_named_for_its_row(api):  # type: ignore[no-untyped-def]
    """A golden record's page had one "Split off" button per member, a "Merge" per record possibly
    the same customer and a "Remove" and "Why remove" per steward's value; the decisions page an
    "Undo" per decision: a screen reader's list of buttons and boxes read "Undo, Undo, Undo"."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    listed = api.get("/golden-records", who="steward", params={"limit": 100}).json()["data"]

    def similar(golden_id: str) -> list[dict]:  # type: ignore[type-arg]
        return api.get(f"/golden-records/{golden_id}/similar", who="steward").json()["data"]

    # Of many records, and others possibly the same customer: each has its buttons.
    record = next(g for g in (h["golden_record"] for h in listed)
                  if g["record_count"] > 1 and similar(g["golden_id"]))
    gid = record["golden_id"]
    for attribute in ("company", "city"):
        api.client.post(f"/steward/golden/{gid}/overrides",
                        data={"attribute": attribute, "value": "Huế", "reason": "contract"})
    for item in api.get("/review-queue", who="steward", params={"limit": 2}).json()["data"]:
        api.client.post(f"/steward/items/{item['item_id']}/decision", data={"decision": "not_a_match"})
    golden = _Named(api.client.get(f"/steward/golden/{gid}").text)
    buttons = golden.buttons
    assert sum(b.startswith("Split off ") for b in buttons) == record["record_count"] > 1
    assert sum(b.startswith("Merge with ") for b in buttons) and "Remove city" in buttons, buttons
    boxes = [b for b in golden.boxes if b.startswith("Why remove")]
    assert sorted(boxes) == ["Why remove city", "Why remove company"], golden.boxes
    decisions = [b for b in _Named(api.client.get("/steward/decisions").text).buttons if b.startswith("Undo")]
    for names in (buttons, golden.boxes, decisions):
        assert len(set(names)) == len(names), names
    assert len(decisions) == 2


def _title(page: str) -> str:
    found = re.search(r"<title>(.*?)</title>", page, re.S)
    assert found is not None, page
    return " ".join(html.unescape(found[1]).split())


def test_each_pages_title_says_where_the_steward_is(api):  # type: ignore[no-untyped-def]
    """The title is what a screen reader says first of a page, and what a tab and the history show:
    one decision's page was titled "Decisions", as were a golden record's decisions, and the
    decided pairs "Review queue" as the open ones; an unknown pair, golden record or decision (a
    404) was titled as the page it is said above ("Review queue", "Search", "Decisions"), and a
    refused action too, nothing in the title saying that something went wrong; and a form's address
    asked by GET (a 405) was titled "No such page", where its heading says it is not opened by GET."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item = api.get("/review-queue", who="steward").json()["data"][0]
    gid = item["left"]["golden_id"]
    decided = api.post(f"/review-queue/{item['item_id']}/decision", who="steward",
                       json={"decision": "not_a_match"}).json()["decision_id"]
    titles = {path: _title(api.client.get(path).text) for path in (
        "/steward", "/steward?status=decided", f"/steward/decisions/{decided}",
        f"/steward/decisions?golden_id={gid}", "/steward/decisions", f"/steward/golden/{gid}",
        "/steward/items/NOPE", "/steward/golden/NOPE", "/steward/decisions/NOPE")}
    assert titles == {
        "/steward": "Review queue · mdm",
        "/steward?status=decided": "Review queue: decided pairs · mdm",
        f"/steward/decisions/{decided}": f"Decision {decided} · mdm",
        f"/steward/decisions?golden_id={gid}": f"Decisions on {gid} · mdm",
        "/steward/decisions": "Decisions · mdm",
        f"/steward/golden/{gid}": f"Golden record {gid} · mdm",
        "/steward/items/NOPE": "Error: Review queue · mdm",
        "/steward/golden/NOPE": "Error: Search · mdm",
        "/steward/decisions/NOPE": "Error: Decisions · mdm",
    }, titles
    refused = api.client.post("/steward/decide", data={"decision": "match"})  # nothing ticked
    assert _title(refused.text) == "Error: Review queue · mdm"
    # A form's address typed (a 405) is not "No such page": the page is there, opened by its form.
    assert _title(api.client.get("/steward/logout").text) == "/steward/logout is not opened by GET · mdm"
    assert _title(api.client.get("/steward/nope").text) == "No such page · mdm"


def test_the_headers_links_say_which_page_is_open(api):  # type: ignore[no-untyped-def]
    """The header's links (Review queue, Search, Decisions) were bare links in the banner: a screen
    reader found no navigation among the page's landmarks, and nothing said which of them was the
    page open. They are a navigation now, the open page's link marked as the current page."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    for path, name in (("/steward", "Review queue"), ("/steward/search", "Search"),
                       ("/steward/decisions", "Decisions")):
        page = api.client.get(path).text
        nav = re.search(r'<nav aria-label="Steward pages">(.*?)</nav>', page, re.S)
        assert nav is not None, page
        links = re.findall(r'<a href="([^"]+)"[^>]*?( aria-current="page")?>([^<]*)</a>', nav[1])
        assert [(href, text) for href, _c, text in links] == [
            ("/steward", "Review queue"), ("/steward/search", "Search"), ("/steward/decisions", "Decisions")]
        assert [text for _h, current, text in links if current] == [name], (path, links)
    item = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    assert 'aria-current="page"' not in api.client.get(f"/steward/items/{item}").text  # none of the three


def test_the_queue_tells_apart_pairs_whose_probability_reads_the_same(api):  # type: ignore[no-untyped-def]
    """Ordered by the strongest score, a long queue's first pages all read "1.000": a pair held back
    by a guard scores to link, and a probability to three places tells 16.62 from 18.77 apart no
    more than from 40. Each pair says its match weight now, as its own page does, and the order
    by score is the order of the weights."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    page = api.client.get("/steward", params={"order": "score"}).text
    rows = _rows(page, "queue")
    header = _cells(re.search(r'<table id="queue".*?<tr>(.*?)</tr>', page, re.S)[1])
    weight_at, probability_at = header.index("Match weight"), header.index("Probability")
    shown = [(float(c[probability_at]), float(c[weight_at])) for c in map(_cells, rows)]
    items = api.get("/review-queue", who="steward", params={"limit": 100}).json()["data"]
    assert sorted(round(i["match_weight"], 2) for i in items) == sorted(w for _p, w in shown)
    assert [w for _p, w in shown] == sorted((w for _p, w in shown), reverse=True)
    ones = [w for p, w in shown if p == 1.0]
    assert len(set(ones)) > 1, shown  # "1.000" more than once, told apart by the weight

"""What a steward sees and hears of each steward page in Chromium, walked as a steward goes through
them: every table named."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator

import httpx
from playwright.sync_api import Page, expect

from tests.api.test_steward_page import _logged_in


def _walk(base: str, page: Page, steward: dict[str, str]) -> Iterator[str]:
    """Each steward page, and each message a form's answer shows, in turn: yields where it is."""
    yield "the queue"
    page.get_by_role("button", name="Not a match ticked").click()  # nothing ticked: refused
    expect(page.get_by_role("alert")).to_be_visible()
    yield "the queue, a refusal"
    for item_id in page.locator("#queue input[name=item_ids]").evaluate_all("bs => bs.map(b => b.value)"):
        page.goto(f"{base}/steward/items/{item_id}")
        if page.locator("#explanation td.neg").count():  # a pair with evidence against it too
            break
    yield "a pair"
    page.get_by_role("button", name="Claim").click()
    expect(page.get_by_role("status")).to_have_text("Claimed.")
    yield "a pair, claimed"
    page.locator("#btn-match").click()
    expect(page.get_by_role("status")).to_contain_text(f"{item_id}: match")
    yield "a pair, decided"
    page.goto(f"{base}/steward?status=decided")
    yield "the decided pairs"
    page.goto(f"{base}/steward/decisions")
    page.get_by_role("button", name="Undo").first.click()
    expect(page.get_by_role("status")).to_be_visible()
    yield "the decisions, one undone"
    decision_id = httpx.get(f"{base}/decisions", headers=steward).json()["data"][0]["decision_id"]
    page.goto(f"{base}/steward/decisions/{decision_id}")
    yield "a decision"
    listed = httpx.get(f"{base}/golden-records", params={"limit": 100}, headers=steward).json()["data"]
    record = max((h["golden_record"] for h in listed), key=lambda g: g["record_count"])
    page.goto(f"{base}/steward/golden/{record['golden_id']}")
    form = page.locator("#set-override")
    form.get_by_label("Attribute").select_option("company")
    form.get_by_label("Value").fill("Công ty Ánh Dương")
    form.get_by_label("Why").fill("contract")
    form.get_by_role("button", name="Set").click()
    expect(page.get_by_role("status")).to_be_visible()
    yield "a golden record"
    page.goto(f"{base}/steward/search")
    yield "the search"
    cities = Counter(city for h in listed if (city := h["golden_record"]["attributes"]["city"]))
    page.get_by_label("City").fill(cities.most_common(1)[0][0])  # a city of many
    page.get_by_role("button", name="Search").click()
    expect(page.locator("#results")).to_be_visible()
    yield "search results"
    page.locator("#results input[name=golden_ids]").nth(0).check()
    page.locator("#results input[name=golden_ids]").nth(1).check()
    page.get_by_role("button", name="Merge selected").click()
    expect(page.locator("#merged")).to_be_visible()
    yield "a merge to confirm"
    for path in ("/steward/items/NOPE", "/steward/golden/NOPE", "/steward/decisions/NOPE", "/steward/nope",
                 "/steward/logout", "/steward?offset=-1"):
        page.goto(base + path)
        yield path
    page.get_by_role("button", name="Log out").click()
    expect(page.locator("#key")).to_be_visible()
    yield "the login"
    page.goto(f"{base}/steward")
    yield "the queue, logged out"


def _table_names(page: Page) -> dict[str, tuple[str, str]]:
    """Each table of the page by its id: the role and the name Chromium's accessibility tree gives it."""
    cdp = page.context.new_cdp_session(page)
    root = cdp.send("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    named = {}
    for table in page.locator("table").evaluate_all("ts => ts.map(t => t.id)"):
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": f"#{table}"})["nodeId"]
        ax = cdp.send("Accessibility.getPartialAXTree", {"nodeId": node, "fetchRelatives": False})["nodes"][0]
        named[table] = (ax["role"]["value"], ax.get("name", {}).get("value", ""))
    cdp.detach()
    return named


def test_every_table_says_what_it_is(served_db):  # type: ignore[no-untyped-def]
    """On a phone (375px) each table scrolls sideways in a box of its own, and a screen reader said
    only "table" of it, not which: a golden record's page has up to seven. Each is named by the
    heading it sits under now, the search's results by what they are."""
    named: dict[str, str] = {}
    with _logged_in(served_db) as (base, page, steward):
        page.set_viewport_size({"width": 375, "height": 800})
        for where in _walk(base, page, steward):
            tables = _table_names(page)
            for table, (role, name) in tables.items():
                assert role == "table" and name.strip(), (where, table, role, name)
                named[table] = name
            assert len({name for _role, name in tables.values()}) == len(tables), (where, tables)
    assert named["links"] == "Why these records are together"
    assert re.fullmatch(r"History \(\d+\)", named["history"]), named
    assert named["members"] == "Members" and named["explanation"] == "Why this score", named
    assert named["results"] == "Golden records found", named
    assert named["queue"].startswith("Review queue (") and named["pair"].startswith("Pair "), named
    assert {"attributes", "overrides", "decisions", "merged"} <= named.keys(), named

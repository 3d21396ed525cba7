"""The steward pages as a steward moves through them in Chromium, by mouse and keyboard, in a
window as wide as a desktop's (1280px) and a phone's (375px): what an action leaves in sight."""

from __future__ import annotations

import httpx
from playwright.sync_api import Page, expect

from tests.api.test_steward_page import ARTIFACTS, _logged_in

_BELOW_THE_BAR = """() => {
  const bar = document.getElementById("decide-ticked").getBoundingClientRect();
  const seen = document.activeElement.getBoundingClientRect();
  return seen.top >= bar.bottom - 1 && seen.bottom <= innerHeight + 1;
}"""


def _in_sight_below_the_bar(page: Page) -> bool:
    return bool(page.evaluate(_BELOW_THE_BAR))


def test_the_decision_on_the_ticked_pairs_stays_in_sight(served_db):  # type: ignore[no-untyped-def]
    """"Match ticked" and "Not a match ticked" sat above the queue: a steward who ticked the last
    pairs scrolled back up to the top to decide them. The bar stays at the window's top as the
    pairs scroll under it, at a desktop's width and a phone's, and hides none of them: a pair's
    box reached by Shift+Tab comes into sight below it, not under it."""
    with _logged_in(served_db) as (base, page, steward):
        for width, height in ((1280, 500), (375, 667)):
            page.set_viewport_size({"width": width, "height": height})
            page.goto(f"{base}/steward")
            boxes = page.locator("#queue input[name=item_ids]")
            last = boxes.last
            last.scroll_into_view_if_needed()
            last.check()
            assert page.evaluate("scrollY") > 200, width  # scrolled well past the bar's place
            for name in ("Match ticked", "Not a match ticked"):
                expect(page.get_by_role("button", name=name, exact=True)).to_be_in_viewport(ratio=1)
            page.screenshot(path=str(ARTIFACTS / f"steward-queue-scrolled-{width}px.png"))
            last.focus()
            assert _in_sight_below_the_bar(page), width
            for _ in range(2 * boxes.count() - 2):  # back up the pairs, box and link by box and link
                page.keyboard.press("Shift+Tab")
                focused = page.evaluate("document.activeElement.outerHTML")
                assert _in_sight_below_the_bar(page), (width, focused)
            assert page.evaluate("document.documentElement.scrollWidth") <= width
        item_id = last.get_attribute("value")
        page.get_by_role("button", name="Not a match ticked").click()
        expect(page.get_by_role("status")).to_contain_text("1 of 1 decided: not a match")
        decisions = httpx.get(f"{base}/decisions", headers=steward).json()["data"]
        assert [(d["item_id"], d["kind"]) for d in decisions] == [(item_id, "not_a_match")]

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


def _focused(page: Page) -> str:
    return str(page.evaluate("document.activeElement.textContent.trim()"))


def test_after_an_action_the_focus_is_on_what_it_says(served_db):  # type: ignore[no-untyped-def]
    """A form's answer is a new page, its message at the top (role=status, role=alert): the focus
    was left on the page's body, so the next Tab started again at the header's first link, and a
    screen reader, which reads a live region's changes and not one the page opens with, said
    nothing of what was done. The message takes the focus now, and Tab goes on from it."""
    with _logged_in(served_db) as (base, page, steward):
        for width in (1280, 375):
            page.set_viewport_size({"width": width, "height": 667})
            page.goto(f"{base}/steward")
            page.get_by_role("button", name="Not a match ticked").focus()
            page.keyboard.press("Enter")  # nothing ticked: refused, said
            expect(page.get_by_role("alert")).to_contain_text("tick the pairs")
            assert _focused(page) == "tick the pairs to decide first", width
            expect(page.get_by_role("alert")).to_be_in_viewport()
        item_id = page.locator("#queue input[name=item_ids]").first.get_attribute("value")
        page.goto(f"{base}/steward/items/{item_id}")
        page.get_by_role("button", name="Claim").focus()
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_have_text("Claimed.")
        assert _focused(page) == "Claimed."
        page.keyboard.press("Tab")  # on from the message, not from the header's first link
        assert page.evaluate("document.activeElement.closest('main') !== null")
        assert _focused(page) != "Review queue"
        page.keyboard.press("m")  # the page's keys still decide with the message focused
        expect(page.get_by_role("status")).to_contain_text(f"{item_id}: match")
        assert _focused(page).startswith(f"{item_id}: match")
        assert httpx.get(f"{base}/review-queue/{item_id}", headers=steward).json()["status"] == "decided"


_RING = "() => getComputedStyle(document.activeElement).outlineStyle"


def test_a_click_shows_no_focus_ring_and_the_keyboard_does(served_db):  # type: ignore[no-untyped-def]
    """The ring was drawn on :focus, so a button clicked with the mouse kept a dark ring the
    steward had not asked for. It is drawn on :focus-visible now: where Tab or Shift+Tab brings
    the focus, and in a box typed into however it was reached, not on a button clicked."""
    with _logged_in(served_db) as (base, page, _steward):
        page.goto(f"{base}/steward")
        page.evaluate("document.addEventListener('submit', e => e.preventDefault(), true)")  # stay here
        filter_button = page.get_by_role("button", name="Filter", exact=True)
        filter_button.click()
        assert page.evaluate("document.activeElement.textContent") == "Filter"
        assert page.evaluate(_RING) == "none"
        page.keyboard.press("Tab")  # the keyboard's stop after it: ringed
        assert page.evaluate(_RING) == "solid"
        page.keyboard.press("Shift+Tab")  # back to the button clicked, by the keyboard: ringed now
        assert page.evaluate("document.activeElement.textContent") == "Filter"
        assert page.evaluate(_RING) == "solid"
        page.get_by_label("Why").click()  # a box clicked: ringed, where the typing goes
        assert page.evaluate(_RING) == "solid"
        page.locator("#queue input[name=item_ids]").first.click()  # a box ticked by the mouse: not
        assert page.evaluate(_RING) == "none"


_CUT_SHORT = """() => [document.documentElement.scrollWidth > innerWidth ? "the page scrolls sideways" : "",
  ...[...document.querySelectorAll("#pair, #explanation")]
     .filter(t => t.scrollWidth > t.clientWidth).map(t => `#${t.id} scrolls sideways`),
  ...[...document.querySelectorAll("#pair th, #pair td, #explanation th, #explanation td")]
     .filter(c => c.scrollWidth > c.clientWidth).map(c => `cut: ${c.textContent.trim()}`)].filter(Boolean)"""


def test_a_pair_reads_whole_at_a_phones_width_and_decides_by_tab(served_db):  # type: ignore[no-untyped-def]
    """At a phone's width (375px) a pair's table scrolled sideways in its box (554px of it in 337):
    the right record and what was said of each field were out of sight, and the steward decides
    from the two side by side. Each pair's records and weights fit the window now, at a desktop's
    width too; and Tab reaches the comment, then Match, then Not a match, each in sight."""
    with _logged_in(served_db) as (base, page, _steward):
        ids = page.locator("#queue input[name=item_ids]").evaluate_all("bs => bs.map(b => b.value)")
        for width in (375, 1280):
            page.set_viewport_size({"width": width, "height": 700})
            for item_id in ids:
                page.goto(f"{base}/steward/items/{item_id}")
                assert page.evaluate(_CUT_SHORT) == [], (width, item_id)
            stops = []
            for _ in range(12):
                page.keyboard.press("Tab")
                stops.append(page.evaluate("document.activeElement.id || document.activeElement.tagName"))
                if stops[-1] == "btn-nomatch":
                    break
            assert stops[-3:] == ["comment", "btn-match", "btn-nomatch"], (width, stops)
            expect(page.locator("#btn-nomatch")).to_be_in_viewport()
        page.screenshot(path=str(ARTIFACTS / "steward-pair-1280px.png"), full_page=True)

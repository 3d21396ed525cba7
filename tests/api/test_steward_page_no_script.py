"""The steward pages in Chromium with JavaScript off, as in a locked-down browser or some screen
readers' setups: every action is a form the browser posts on its own, and no control shown needs
script to do what it says."""

from __future__ import annotations

import httpx
from playwright.sync_api import expect, sync_playwright

from tests.api.server import serving
from tests.api.test_steward_page import (
    ARTIFACTS,
    CHROMIUM,
    FLAGS,
    _a_golden_id,
    _every_golden_record,
    _set_value,
)
from tests.api.test_steward_page_keyboard import _in_sight_below_the_bar


def test_a_steward_does_everything_with_script_off(served_db):  # type: ignore[no-untyped-def]
    db, made = served_db
    ARTIFACTS.mkdir(exist_ok=True)
    steward = {"Authorization": f"Bearer {made['steward']}"}
    with serving(db) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_context(java_script_enabled=False).new_page()
        page.goto(f"{base}/steward")
        expect(page).to_have_url(f"{base}/steward/login")
        page.fill("#key", made["steward"])
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/steward")

        # Tab back up the pairs: each box and link comes into sight below the bar kept at the top
        boxes = page.locator("#queue input[name=item_ids]")
        for width, height in ((1280, 500), (375, 667)):
            page.set_viewport_size({"width": width, "height": height})
            boxes.last.focus()
            for _ in range(2 * boxes.count() - 2):
                page.keyboard.press("Shift+Tab")
                focused = page.evaluate("document.activeElement.outerHTML")
                assert _in_sight_below_the_bar(page), (width, focused)
        page.set_viewport_size({"width": 1280, "height": 720})

        # "tick every pair shown" ticks nothing without script: not offered, each pair's box is
        expect(page.locator("#tick-all")).to_be_hidden()
        ticked = [boxes.nth(i).get_attribute("value") for i in (0, 1)]
        for i in (0, 1):
            boxes.nth(i).check()
        page.get_by_role("button", name="Not a match ticked").click()
        expect(page.get_by_role("status")).to_contain_text("2 of 2 decided: not a match")
        # what was done takes the focus, for a screen reader to say it and Tab to go on from it
        expect(page.locator("#said")).to_be_focused()
        page.screenshot(path=str(ARTIFACTS / "steward-no-script-queue.png"), full_page=True)

        item_id = boxes.first.get_attribute("value")
        assert item_id not in ticked
        page.get_by_role("link", name=item_id, exact=True).click()
        page.get_by_role("button", name="Claim").click()
        expect(page.get_by_role("status")).to_have_text("Claimed.")
        expect(page.locator("#said")).to_be_focused()
        page.get_by_label("Comment").fill("two people")
        page.locator("#btn-nomatch").click()
        expect(page.get_by_role("status")).to_contain_text(f"{item_id}: not a match")
        assert httpx.get(f"{base}/review-queue/{item_id}", headers=steward).json()["status"] == "decided"

        gid = _a_golden_id(base, steward)
        page.goto(f"{base}/steward/golden/{gid}")
        page.locator("#set-override").get_by_label("Region").fill("GB")
        _set_value(page, "phone", "07911 123456", "customer called")
        expect(page.get_by_role("status")).to_contain_text("phone set by a steward")
        (held,) = httpx.get(f"{base}/golden-records/{gid}/overrides", headers=steward).json()["data"]
        assert held["value"].startswith("+44")  # read in the region typed
        multi = next(h["golden_record"] for h in _every_golden_record(base, steward)
                     if h["golden_record"]["record_count"] >= 2)
        page.goto(f"{base}/steward/golden/{multi['golden_id']}")
        page.locator("#members").get_by_role("button", name="Split off").last.click()
        expect(page.get_by_role("status")).to_contain_text(f"split off {multi['golden_id']}")

        page.get_by_role("link", name="Search").click()
        page.get_by_label("Name").fill("nguyen")
        page.get_by_label("Region").fill("VN")
        page.get_by_role("button", name="Search").click()
        expect(page.get_by_label("Region")).to_have_value("VN")
        results = page.locator("#results input[name=golden_ids]")
        two = [results.nth(i).get_attribute("value") for i in (0, 1)]
        for g in two:
            page.locator(f"#results input[value='{g}']").check()
        page.get_by_role("button", name="Merge selected").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Merge")
        page.get_by_role("link", name="Cancel").click()  # back on the search, the same two ticked
        expect(page.get_by_label("Region")).to_have_value("VN")
        for g in two:
            expect(page.locator(f"#results input[value='{g}']")).to_be_checked()
        page.get_by_role("button", name="Merge selected").click()
        page.get_by_role("button", name="Confirm merge").click()
        expect(page.get_by_role("status")).to_contain_text("merged")

        page.get_by_role("link", name="Decisions", exact=True).click()
        newest = page.locator("#decisions tbody tr").first
        decision_id = newest.get_attribute("id")
        newest.get_by_role("button", name="Undo").click()
        expect(page.get_by_role("status")).to_contain_text(f"{decision_id} undone")
        assert httpx.get(f"{base}/decisions/{decision_id}", headers=steward).json()["undone_by"]

        page.get_by_role("button", name="Log out").click()
        expect(page).to_have_url(f"{base}/steward/login")
        page.goto(f"{base}/steward")
        expect(page).to_have_url(f"{base}/steward/login")
        browser.close()

"""The steward web page, driven end to end in headless Chromium (Debian's package)."""

from __future__ import annotations

import html
import http.server
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit

import httpx
from fastapi.testclient import TestClient
from playwright.sync_api import Page, expect, sync_playwright

from api.main import create_app
from api.routes import steward_page
from api.settings import ApiSettings
from tests.api.conftest import apart
from tests.api.server import serving

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# This machine has no internet: keep Chromium from reaching for it.
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
         "--disable-component-update", "--disable-sync"]


def test_steward_decides_a_pair_in_the_browser(served_db, tmp_path):  # type: ignore[no-untyped-def]
    db, made = served_db
    ARTIFACTS.mkdir(exist_ok=True)
    steward = {"Authorization": f"Bearer {made['steward']}"}
    with serving(db) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page()

        page.goto(f"{base}/steward")
        expect(page).to_have_url(f"{base}/steward/login")  # not logged in
        page.fill("#key", "mdm_wrong")
        page.keyboard.press("Enter")
        expect(page.get_by_role("alert")).to_contain_text("unknown")
        page.fill("#key", made["steward"])
        page.keyboard.press("Enter")

        rows = page.locator("#queue tbody tr[data-item]")
        expect(rows.first).to_be_visible()
        item_id = rows.first.get_attribute("data-item")
        before = httpx.get(f"{base}/review-queue/{item_id}", headers=steward).json()
        page.screenshot(path=str(ARTIFACTS / "steward-queue.png"), full_page=True)
        # a pair the clustering held back says for what in the queue's "Held back by" column
        listed = httpx.get(f"{base}/review-queue", headers=steward, params={"limit": 200}).json()["data"]
        held = next(i for i in listed if i["queued_because"]["kind"] == "clustering")
        reason = held["queued_because"]["held_back_by"]
        label = {"source_structure": "the source structure", "cannot_link": "a steward's decision"}.get(
            reason, reason.replace("_", " "))
        expect(page.locator(f"#queue tr[data-item='{held['item_id']}'] td.held-back")).to_have_text(label)
        page.select_option("select[name=held_back_by]", reason)  # only the pairs held back for it
        page.click("form.filters button[type=submit]")  # the min. score box left empty
        expect(page.locator("#queue tbody tr[data-item] td.held-back")).to_have_text(
            [label] * sum(i["queued_because"]["held_back_by"] == reason for i in listed))
        page.select_option("select[name=held_back_by]", "disagreeing name")  # those the name guard held
        page.click("form.filters button[type=submit]")
        guarded = sum(i["queued_because"]["held_back_by"] == "disagreeing name" for i in listed)
        assert guarded and guarded == sum(i["queued_because"]["kind"] == "guard" for i in listed)
        cells = page.locator("#queue tbody tr[data-item] td.held-back")
        expect(cells).to_have_text(["disagreeing name"] * guarded)
        dated = next(i for i in listed if i["queued_because"]["held_back_by"] == "different date_of_birth")
        page.goto(f"{base}/steward/items/{dated['item_id']}")  # the birth dates each golden record holds
        for side in ("left", "right"):
            held = ", ".join(dated["queued_because"]["conflict"][side])
            expect(page.locator("#conflict")).to_contain_text(held)
        page.goto(f"{base}/steward")
        page.select_option("select[name=order]", "score")  # the strongest first: those held back
        page.click("form.filters button[type=submit]")
        top = max(i["match_probability"] for i in listed)
        expect(page.locator("#queue tbody tr[data-item] td.num").first).to_have_text(f"{top:.3f}")
        page.goto(f"{base}/steward?min_score=high")  # typed into the address bar: said, not a 422
        expect(page.get_by_role("alert")).to_contain_text("not a number from 0 to 1")
        expect(rows.first).to_be_visible()
        page.goto(f"{base}/steward")

        page.click(f"a[href='/steward/items/{item_id}']")
        expect(page.locator("#explanation")).to_contain_text("name")
        expect(page.locator("#pair")).to_contain_text(before["left"]["source_id"])
        expect(page.locator("#queued-because")).to_contain_text(before["queued_because"]["detail"])
        page.screenshot(path=str(ARTIFACTS / "steward-pair.png"), full_page=True)
        page.keyboard.press("m")  # the keyboard shortcut for "match"

        expect(page.get_by_role("status")).to_contain_text(f"{item_id}: match")
        expect(page.locator("#queue")).not_to_contain_text(item_id)  # it left the queue
        page.screenshot(path=str(ARTIFACTS / "steward-after-decision.png"), full_page=True)

        decided = httpx.get(f"{base}/review-queue/{item_id}", headers=steward).json()
        assert decided["status"] == "decided"
        survivor = httpx.get(f"{base}/decisions/{decided['decision_id']}", headers=steward).json()["result_golden_id"]
        page.goto(f"{base}/steward/golden/{survivor}")
        members = page.locator("#members")
        for side in ("left", "right"):
            expect(members).to_contain_text(f"{before[side]['source']}:{before[side]['source_id']}")
        expect(page.locator("#history")).to_contain_text(decided["decision_id"])
        page.screenshot(path=str(ARTIFACTS / "steward-golden.png"), full_page=True)

        page.goto(f"{base}/steward/search?name={before['left']['fields']['full_name'] or 'a'}")
        expect(page.locator("#results")).to_be_visible()
        # A national id typed as it is printed on the card, with spaces, finds its golden record.
        listed = httpx.get(f"{base}/golden-records", params={"limit": 100}, headers=steward).json()["data"]
        holder = next(h["golden_record"] for h in listed if h["golden_record"]["attributes"]["national_id"])
        nid = holder["attributes"]["national_id"]
        page.goto(f"{base}/steward/search")
        page.get_by_label("National id").fill(" ".join(nid[i:i + 3] for i in range(0, len(nid), 3)))
        page.get_by_role("button", name="Search").click()
        expect(page.locator("#results")).to_contain_text(holder["golden_id"])
        page.click("text=Log out")
        expect(page).to_have_url(re.compile(r".*/steward/login$"))
        browser.close()


def _every_golden_record(base: str, headers: dict[str, str]) -> Iterator[dict]:  # type: ignore[type-arg]
    offset = 0
    while page := httpx.get(f"{base}/golden-records", params={"limit": 100, "offset": offset},
                            headers=headers).json()["data"]:
        yield from page
        offset += len(page)


@contextmanager
def _logged_in(served_db) -> Iterator[tuple[str, Page, dict[str, str]]]:  # type: ignore[no-untyped-def]
    """A served copy of the sample and a Chromium page logged in as the steward: (base URL, page,
    the steward's headers for the JSON API)."""
    db, made = served_db
    ARTIFACTS.mkdir(exist_ok=True)
    with serving(db) as base, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=FLAGS)
        page = browser.new_page()
        page.goto(f"{base}/steward/login")
        page.fill("#key", made["steward"])
        page.keyboard.press("Enter")
        expect(page).to_have_url(f"{base}/steward")  # logged in: the queue
        yield base, page, {"Authorization": f"Bearer {made['steward']}"}
        browser.close()


def test_steward_decides_the_ticked_pairs_in_the_browser(served_db):  # type: ignore[no-untyped-def]
    with _logged_in(served_db) as (base, page, steward):
        page.get_by_role("button", name="Not a match ticked").click()  # nothing ticked: said, nothing done
        expect(page.get_by_role("alert")).to_contain_text("tick the pairs")

        # The strongest pairs first; the page keeps its filters after deciding.
        page.select_option("select[name=order]", "score")
        page.click("form.filters button[type=submit]")
        boxes = page.locator("#queue input[name=item_ids]")
        shown = boxes.count()
        assert shown >= 2
        page.locator("#tick-all").check()  # ticks every pair shown ...
        for i in range(shown):
            expect(boxes.nth(i)).to_be_checked()
        page.locator("#tick-all").uncheck()  # ... and unticks them
        expect(boxes.nth(0)).not_to_be_checked()
        ticked = [boxes.nth(i).get_attribute("value") for i in (0, 1)]
        for item_id in ticked:
            page.locator(f"#queue input[value='{item_id}']").check()
        page.locator("#decide-many").get_by_label("Why").fill("checked by phone")
        page.get_by_role("button", name="Not a match ticked").click()
        expect(page.get_by_role("status")).to_contain_text("2 of 2 decided: not a match")
        expect(page.locator("select[name=order]")).to_have_value("score")
        expect(page.locator("#queue input[name=item_ids]")).to_have_count(shown - 2)
        page.screenshot(path=str(ARTIFACTS / "steward-decide-many.png"), full_page=True)
        decisions = httpx.get(f"{base}/decisions", headers=steward).json()["data"]
        assert sorted((d["item_id"], d["kind"], d["comment"]) for d in decisions) == sorted(
            (i, "not_a_match", "checked by phone") for i in ticked)


def _a_golden_id(base: str, steward: dict[str, str]) -> str:
    """The first golden record the search lists, through the JSON API."""
    first = httpx.get(f"{base}/golden-records", params={"limit": 1}, headers=steward).json()["data"][0]
    return str(first["golden_record"]["golden_id"])


def _set_value(page, attribute: str, value: str, why: str):  # type: ignore[no-untyped-def]
    """Fill and send the golden record page's form for a steward's value; the form."""
    form = page.locator("#set-override")
    form.get_by_label("Attribute").select_option(attribute)
    form.get_by_label("Value").fill(value)
    form.get_by_label("Why").fill(why)
    form.get_by_role("button", name="Set").click()
    return form


def test_steward_sets_and_removes_a_value_in_the_browser(served_db):  # type: ignore[no-untyped-def]
    with _logged_in(served_db) as (base, page, steward):
        gid = _a_golden_id(base, steward)
        page.goto(f"{base}/steward/golden/{gid}")
        _set_value(page, "phone", "12345", "customer called")
        expect(page.get_by_role("alert")).to_contain_text("not a usable phone")  # said, and not kept
        assert httpx.get(f"{base}/golden-records/{gid}/overrides", headers=steward).json()["data"] == []

        _set_value(page, "phone", "0912 345 678", "customer called")  # typed as the customer said it
        expect(page.get_by_role("status")).to_contain_text("phone set by a steward")
        expect(page.locator("#overrides")).to_contain_text("+84 *** *** 678")  # this key has no pii
        expect(page.locator("#attributes tr", has_text="steward_override").first).to_contain_text("phone")
        (held,) = httpx.get(f"{base}/golden-records/{gid}/overrides", headers=steward).json()["data"]
        assert (held["attribute"], held["actor"]) == ("phone", "test-steward")
        # Its time as the API sends it (UTC, with ``Z``), to the second and said to be UTC.
        assert held["created_at"].endswith("Z")
        expect(page.locator("#overrides")).to_contain_text(held["created_at"][:19].replace("T", " ") + " UTC")
        page.screenshot(path=str(ARTIFACTS / "steward-override.png"), full_page=True)

        page.locator("#overrides").get_by_label("Why remove").fill("set on the wrong customer")
        page.locator("#overrides").get_by_role("button", name="Remove").click()
        expect(page.get_by_role("status")).to_contain_text("the rules choose it again")
        expect(page.locator("#overrides")).to_have_count(0)
        expect(page.locator("#attributes")).not_to_contain_text("steward_override")


def test_steward_merges_golden_records_found_by_a_search(served_db):  # type: ignore[no-untyped-def]
    with _logged_in(served_db) as (base, page, steward):
        page.goto(f"{base}/steward/search")
        page.get_by_label("Name").fill("nguyen")
        page.get_by_role("button", name="Search").click()
        boxes = page.locator("#results input[name=golden_ids]")
        expect(boxes.nth(1)).to_be_visible()
        first, second = boxes.nth(0).get_attribute("value"), boxes.nth(1).get_attribute("value")

        boxes.nth(0).check()
        page.get_by_role("button", name="Merge selected").click()  # one is not a merge: said, nothing done
        expect(page.get_by_role("alert")).to_contain_text("at least two")
        expect(page.get_by_label("Name")).to_have_value("nguyen")  # back on the same search

        page.locator(f"#results input[value='{first}']").check()
        page.locator(f"#results input[value='{second}']").check()
        page.get_by_label("Why").fill("same customer, two CRM accounts")
        page.get_by_role("button", name="Merge selected").click()  # previewed: nothing merged yet
        expect(page.get_by_role("heading", level=1)).to_have_text(f"Merge {first} and {second}?")
        expect(page.locator("#merged")).to_contain_text("full_name")
        page.screenshot(path=str(ARTIFACTS / "steward-merge-preview.png"), full_page=True)
        assert httpx.get(f"{base}/decisions", headers=steward).json()["data"] == []
        page.get_by_role("link", name="Cancel").click()  # back on the same search, nothing merged
        expect(page.get_by_label("Name")).to_have_value("nguyen")
        page.locator(f"#results input[value='{first}']").check()
        page.locator(f"#results input[value='{second}']").check()
        page.get_by_label("Why").fill("same customer, two CRM accounts")
        page.get_by_role("button", name="Merge selected").click()
        expect(page.get_by_label("Why")).to_have_value("same customer, two CRM accounts")  # kept to confirm
        page.get_by_role("button", name="Confirm merge").click()
        expect(page.get_by_role("status")).to_contain_text("merged")
        survivor = re.search(r"/steward/golden/(\w+)\?", page.url).group(1)  # type: ignore[union-attr]
        assert survivor in (first, second)
        gone = second if survivor == first else first
        redirected = httpx.get(f"{base}/golden-records/{gone}", headers=steward).json()
        assert redirected["golden_id"] == survivor and redirected["redirected_from"]["golden_id"] == gone
        (decision,) = httpx.get(f"{base}/decisions", headers=steward).json()["data"]
        assert (decision["kind"], decision["comment"]) == ("merge", "same customer, two CRM accounts")

        # A golden record's page says why its records are together: each pair, scored. (Golden ids
        # are random, so the records are looked for among all of them, not the first page.)
        listed = list(_every_golden_record(base, steward))
        multi = next(h["golden_record"] for h in listed if h["golden_record"]["record_count"] >= 3)
        links = httpx.get(f"{base}/golden-records/{multi['golden_id']}/links", headers=steward).json()["data"]
        page.goto(f"{base}/steward/golden/{multi['golden_id']}")
        expect(page.locator("#links tbody tr")).to_have_count(len(links))
        expect(page.locator("#links tbody tr").first).to_contain_text(f"{links[0]['match_probability']:.3f}")
        page.screenshot(path=str(ARTIFACTS / "steward-links.png"), full_page=True)

        # ... and who shares its home or landline.
        home, household = next((g, members) for g in (h["golden_record"]["golden_id"] for h in listed) if (
            members := httpx.get(f"{base}/golden-records/{g}/household", headers=steward).json()["data"]))
        page.goto(f"{base}/steward/golden/{home}")
        expect(page.locator("#household tbody tr")).to_have_count(len(household))
        expect(page.locator("#household")).to_contain_text(household[0]["golden_id"])

        # A golden record's page lists those possibly the same customer, however low they scored.
        def similar(golden_id: str) -> list[dict]:  # type: ignore[type-arg]
            return httpx.get(f"{base}/golden-records/{golden_id}/similar", headers=steward).json()["data"]

        gid, other = next((g, found[0]) for g in (h["golden_record"]["golden_id"] for h in listed)
                          if (found := similar(g)))
        page.goto(f"{base}/steward/golden/{gid}")
        row = page.locator("#similar tr", has_text=other["golden_id"])
        expect(row).to_contain_text(f"{other['match_probability']:.3f}")
        page.screenshot(path=str(ARTIFACTS / "steward-similar.png"), full_page=True)
        row.get_by_role("button", name="Merge").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(other["golden_id"])  # the preview
        page.get_by_role("button", name="Confirm merge").click()
        expect(page.get_by_role("status")).to_contain_text("merged")
        now = {httpx.get(f"{base}/golden-records/{g}", headers=steward).json()["golden_id"]
               for g in (gid, other["golden_id"])}
        assert len(now) == 1  # one golden record, the other redirecting to it
        assert len(httpx.get(f"{base}/decisions", headers=steward).json()["data"]) == 2


def test_enter_in_the_why_box_decides_nothing(served_db):  # type: ignore[no-untyped-def]
    """Enter typed in the queue's "Why" box submits no decision: the form's first button is "Match
    ticked", and a steward explaining a "not a match" would have merged the pairs."""
    with _logged_in(served_db) as (base, page, steward):
        box = page.locator("#queue input[name=item_ids]").first
        item_id = box.get_attribute("value")
        box.check()
        why = page.locator("#decide-many").get_by_label("Why")
        why.fill("two people, checked by phone")
        why.press("Enter")
        page.get_by_role("button", name="Not a match ticked").click()
        expect(page.get_by_role("status")).to_contain_text("1 of 1 decided: not a match")
        decisions = httpx.get(f"{base}/decisions", headers=steward).json()["data"]
        assert [(d["item_id"], d["kind"], d["comment"]) for d in decisions] == [
            (item_id, "not_a_match", "two people, checked by phone")]


def test_ctrl_enter_in_a_comment_box_sends_its_form(served_db):  # type: ignore[no-untyped-def]
    """Ctrl+Enter, which ends a comment in most web apps, did nothing in a box: it sends a form of
    one action (a steward's value). In a form of two decisions (a pair's, the queue's) no key
    chooses one for the steward: it leaves the comment, for m or n (or Tab) to decide."""
    with _logged_in(served_db) as (base, page, steward):
        why = page.locator("#decide-many").get_by_label("Why")
        page.locator("#queue input[name=item_ids]").first.check()
        why.fill("checked by phone")
        why.press("Control+Enter")
        expect(why).not_to_be_focused()
        page.wait_for_timeout(300)  # a submit would be on its way
        assert httpx.get(f"{base}/decisions", headers=steward).json()["data"] == []

        gid = _a_golden_id(base, steward)
        page.goto(f"{base}/steward/golden/{gid}")
        form = page.locator("#set-override")
        form.get_by_label("Attribute").select_option("phone")
        form.get_by_label("Value").fill("0912 345 678")
        form.get_by_label("Why").fill("customer called")
        form.get_by_label("Why").press("Control+Enter")
        expect(page.get_by_role("status")).to_contain_text("phone set by a steward")

        item_id = httpx.get(f"{base}/review-queue", headers=steward).json()["data"][0]["item_id"]
        page.goto(f"{base}/steward/items/{item_id}")
        comment = page.get_by_label("Comment")
        comment.fill("two people:\nchecked by phone")
        comment.press("Control+Enter")
        expect(comment).not_to_be_focused()
        page.keyboard.press("n")
        expect(page.get_by_role("status")).to_contain_text(f"{item_id}: not a match")
        (decision,) = httpx.get(f"{base}/decisions", headers=steward).json()["data"]
        assert decision["item_id"] == item_id  # the comment as the browser sends a box's lines (CR LF)
        assert decision["comment"].splitlines() == ["two people:", "checked by phone"]


def test_a_phone_wide_window_does_not_scroll_sideways(served_db):  # type: ignore[no-untyped-def]
    """In a window 375px wide (a phone), a golden record with a long address and company's name made
    the whole page scroll sideways, 2,200px wide, the header and its "Log out" a corner of it; and a
    pair's comment box was wider than the window. A wide table scrolls on its own now."""
    writer = {"Authorization": f"Bearer {served_db[1]['writer']}"}
    with _logged_in(served_db) as (base, page, steward):
        long = {"account_no": "LONG-1", "account_holder": "Nguyễn Thị " + "Hoàngminhthuyvananh" * 4,
                "billing_address": "Số 123/45/67 " + "Nguyễn Văn Linh Kéo Dài " * 12 + ", TP.HCM",
                "company_name": "Công ty TNHH " + "Thươngmạidịchvụ" * 10, "phone": "0912 345 670"}
        made = httpx.post(f"{base}/sources/billing/records", headers=writer, json=long)
        assert made.status_code == 200, made.text
        item_id = httpx.get(f"{base}/review-queue", headers=steward).json()["data"][0]["item_id"]
        page.set_viewport_size({"width": 375, "height": 800})
        for path in (f"/steward/golden/{made.json()['golden_id']}", f"/steward/items/{item_id}", "/steward"):
            page.goto(base + path)
            assert page.evaluate("document.documentElement.scrollWidth") <= 375, path
            expect(page.get_by_role("button", name="Log out")).to_be_in_viewport()
        page.screenshot(path=str(ARTIFACTS / "steward-queue-375px.png"), full_page=True)


def test_a_form_posted_from_another_origin_decides_nothing(served_db):  # type: ignore[no-untyped-def]
    """The cookie is SameSite=Strict, but another port of the same host (or another subdomain) is
    the same site: a page there posting a form to the steward page is refused."""
    with _logged_in(served_db) as (base, page, steward):
        item_id = page.locator("#queue input[name=item_ids]").first.get_attribute("value")
        elsewhere = base.rsplit(":", 1)[0] + ":1/form"  # the same host, another port: same site
        page.route(elsewhere, lambda route: route.fulfill(content_type="text/html", body=f"""
            <form method="post" action="{base}/steward/decide"><input name="item_ids" value="{item_id}">
            <input name="decision" value="match"></form><script>document.forms[0].submit()</script>"""))
        with page.expect_response(f"{base}/steward/decide") as posted:
            page.goto(elsewhere)
        assert posted.value.status == 403
        assert httpx.get(f"{base}/review-queue/{item_id}", headers=steward).json()["status"] == "open"
        page.goto(f"{base}/steward")  # the page's own forms still work
        page.locator(f"#queue input[value='{item_id}']").check()
        page.get_by_role("button", name="Not a match ticked").click()
        expect(page.get_by_role("status")).to_contain_text("1 of 1 decided: not a match")


def test_a_page_of_another_origin_cannot_frame_the_steward_page(served_db):  # type: ignore[no-untyped-def]
    """A page of the same site (another port, a sibling subdomain) gets the steward's cookie sent
    with a frame of the queue, and could lay its own content over the frame's buttons
    (clickjacking): the browser is told to show the page in no frame."""
    with _logged_in(served_db) as (base, page, steward), _framing(f"{base}/steward") as elsewhere:
        seen: list[int] = []
        page.on("response", lambda r: seen.append(r.status) if r.url == f"{base}/steward" else None)
        page.goto(elsewhere)  # waits for the frame's load too
        assert seen == [200]  # served to the logged-in steward's browser ...
        (frame,) = page.main_frame.child_frames
        assert frame.locator("#queue").count() == 0 and "Review queue" not in frame.content()  # ... not shown
        page.goto(f"{base}/steward")  # shown as a page of its own
        expect(page.locator("#queue")).to_be_visible()


@contextmanager
def _framing(url: str) -> Iterator[str]:
    """A page of another port of the same host (the same site) showing ``url`` in a frame."""
    body = f'<iframe id="mdm" src="{url}" width=900 height=600></iframe>'.encode()

    class Framing(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802 - the handler's name
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Framing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def test_over_https_the_login_cookie_is_never_sent_over_plain_http(served_db):  # type: ignore[no-untyped-def]
    """The cookie holds the steward's key: served over HTTPS (behind a proxy saying so too), it is
    Secure; over plain HTTP (a steward on localhost) it cannot be, or no login would hold."""
    db, made = served_db
    for scheme, secure in (("https", True), ("http", False)):
        with TestClient(create_app(ApiSettings(db_path=db)), base_url=f"{scheme}://testserver") as client:
            r = client.post("/steward/login", data={"key": made["steward"]}, follow_redirects=False)
        assert r.status_code == 303
        flags = [f.strip().lower() for f in r.headers["set-cookie"].split(";")]
        assert {"httponly", "path=/steward", "samesite=strict"} <= set(flags)
        assert ("secure" in flags) == secure, (scheme, flags)


def test_a_post_from_another_origin_is_refused_without_fetch_metadata(api):  # type: ignore[no-untyped-def]
    """A browser that sends no Sec-Fetch-Site is held to its Origin header."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item_id = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    forged = api.client.post("/steward/decide", data={"item_ids": item_id, "decision": "match"},
                             headers={"Origin": "http://testserver:8080"}, follow_redirects=False)
    assert forged.status_code == 403
    assert api.get(f"/review-queue/{item_id}", who="steward").json()["status"] == "open"
    own = api.client.post("/steward/decide", data={"item_ids": item_id, "decision": "not_a_match"},
                          headers={"Origin": "http://testserver"}, follow_redirects=False)
    assert own.status_code == 303
    assert api.get(f"/review-queue/{item_id}", who="steward").json()["status"] == "decided"


def test_back_after_logging_out_shows_no_customer(served_db):  # type: ignore[no-untyped-def]
    """The pages are not kept by the browser: Back after logging out asks the server again, which
    asks for a key, rather than showing the customer's record from the cache."""
    with _logged_in(served_db) as (base, page, steward):
        gid = _a_golden_id(base, steward)
        shown = page.goto(f"{base}/steward/golden/{gid}")
        expect(page.locator("#members")).to_be_visible()
        page.click("text=Log out")
        expect(page).to_have_url(re.compile(r".*/steward/login$"))
        page.go_back()
        expect(page).to_have_url(re.compile(r".*/steward/login$"))
        expect(page.locator("#members")).to_have_count(0)
        assert shown is not None and shown.headers.get("cache-control") == "no-store"


def test_every_decision_can_be_reached_and_undone_on_the_page(served_db):  # type: ignore[no-untyped-def]
    """The decisions page lists 200 at a time; the older ones are a link away, undone there too."""
    with _logged_in(served_db) as (base, page, steward):
        item = httpx.get(f"{base}/review-queue", headers=steward).json()["data"][0]
        first = httpx.post(f"{base}/review-queue/{item['item_id']}/decision", headers=steward,
                           json={"decision": "not_a_match"}).json()
        # 200 later decisions, none on the first's golden records: a record split off each of 200 others
        others = [h["golden_record"] for h in _every_golden_record(base, steward)
                  if h["golden_record"]["record_count"] > 1 and h["golden_record"]["golden_id"] not in (
                      item["left"]["golden_id"], item["right"]["golden_id"])]
        assert len(others) >= 200
        for g in others[:200]:
            member = g["members"][-1]
            httpx.post(f"{base}/golden-records/{g['golden_id']}/split", headers=steward, json={
                "source": member["source"], "source_id": member["source_id"]}).raise_for_status()
        page.goto(f"{base}/steward/decisions")
        expect(page.locator("#decisions tbody tr")).to_have_count(200)
        expect(page.locator(f"#{first['decision_id']}")).to_have_count(0)  # the oldest: on the next page
        expect(page.locator("#paging")).to_contain_text("Showing 1–200 of 201")
        page.get_by_role("link", name="Older").click()
        expect(page.locator("#decisions tbody tr")).to_have_count(1)
        page.locator(f"#{first['decision_id']}").get_by_role("button", name="Undo").click()
        expect(page.get_by_role("status")).to_contain_text(f"{first['decision_id']} undone")
        undone = httpx.get(f"{base}/decisions/{first['decision_id']}", headers=steward).json()
        assert undone["undone_by"] == "test-steward"


def test_a_refused_value_stays_in_the_form_and_out_of_the_address(served_db):  # type: ignore[no-untyped-def]
    """A steward's value refused comes back in the form as typed, to correct, with why it was refused;
    the customer's value is not put in the page's address (nor so in the server's access log)."""
    with _logged_in(served_db) as (base, page, steward):
        gid = _a_golden_id(base, steward)
        page.goto(f"{base}/steward/golden/{gid}")
        form = _set_value(page, "date_of_birth", "31/02/1980", "passport seen at the branch")
        expect(page.get_by_role("alert")).to_contain_text("not a usable date of birth")
        expect(form.get_by_label("Attribute")).to_have_value("date_of_birth")
        expect(form.get_by_label("Value")).to_have_value("31/02/1980")
        expect(form.get_by_label("Why")).to_have_value("passport seen at the branch")
        assert "1980" not in page.url
        form.get_by_label("Value").fill("28/02/1980")  # corrected, and set
        form.get_by_role("button", name="Set").click()
        expect(page.get_by_role("status")).to_contain_text("date_of_birth set by a steward")
        (held,) = httpx.get(f"{base}/golden-records/{gid}/overrides", headers=steward).json()["data"]
        assert (held["value"], held["reason"]) == ("1980-02-28", "passport seen at the branch")


def test_a_value_set_on_a_page_that_is_out_of_date_is_refused_and_shown_anew(  # type: ignore[no-untyped-def]
    served_db,
):
    """Another steward set a value while this page was open: the page's value is not set over it
    unseen; the page comes back with the record as it is now and the form as typed."""
    with _logged_in(served_db) as (base, page, steward):
        gid = _a_golden_id(base, steward)
        page.goto(f"{base}/steward/golden/{gid}")
        meanwhile = httpx.put(f"{base}/golden-records/{gid}/overrides/phone", headers=steward,
                              json={"value": "0912 345 678", "reason": "customer called the branch"})
        assert meanwhile.status_code == 200
        form = _set_value(page, "phone", "0903 218 475", "customer wrote in")
        expect(page.get_by_role("alert")).to_contain_text("has changed since")
        expect(page.locator("#overrides")).to_contain_text("customer called the branch")
        expect(form.get_by_label("Value")).to_have_value("0903 218 475")
        (held,) = httpx.get(f"{base}/golden-records/{gid}/overrides", headers=steward).json()["data"]
        assert held["reason"] == "customer called the branch"
        form.get_by_role("button", name="Set").click()  # seen now, and set over it
        expect(page.get_by_role("status")).to_contain_text("phone set by a steward")
        (held,) = httpx.get(f"{base}/golden-records/{gid}/overrides", headers=steward).json()["data"]
        assert held["reason"] == "customer wrote in"


def test_a_comment_the_api_would_refuse_is_refused_on_the_page(api):  # type: ignore[no-untyped-def]
    """A decision's comment is at most 2,000 characters on the page as in the JSON API."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    first, second = (i["item_id"] for i in api.get("/review-queue", who="steward").json()["data"][:2])
    long = {"decision": "not_a_match", "comment": "x" * 2001}
    said = api.client.post(f"/steward/items/{first}/decision", data=long, follow_redirects=False)
    assert "at+most+2000" in said.headers["location"]
    said = api.client.post("/steward/decide", data={"item_ids": second, **long}, follow_redirects=False)
    assert "at+most+2000" in said.headers["location"]
    assert api.post(f"/review-queue/{first}/decision", who="steward", json=long).status_code == 422
    for item_id in (first, second):
        assert api.get(f"/review-queue/{item_id}", who="steward").json()["status"] == "open"


def test_a_comment_of_several_lines_is_kept_as_the_api_keeps_it(api):  # type: ignore[no-untyped-def]
    """A browser sends a comment box's lines ended by CR LF: a pair's comment typed on the page was
    kept with them ("two people:\\r\\nchecked"), one sent to the JSON API with LF, and 2,000
    characters of lines were refused on the page that the API takes. Each line now ends as in the API."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item_id = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    lines = "\r\n".join(["two people:", "checked by phone", "x" * 1970])  # 2,001 characters, 1,999 in LF
    said = api.client.post(f"/steward/items/{item_id}/decision",
                           data={"decision": "not_a_match", "comment": lines}, follow_redirects=False)
    assert said.headers["location"].startswith("/steward?"), said.headers["location"]  # to the queue: decided
    (decision,) = api.get("/decisions", who="steward").json()["data"]
    assert decision["comment"] == lines.replace("\r\n", "\n")


def test_a_decision_the_service_refuses_is_said_on_the_pair_page(api):  # type: ignore[no-untyped-def]
    """A pair's form sent with no decision, or an empty one, shows the service's refusal on the pair's
    page, as one it does not know does (it was a JSON 422 page saying the field was required)."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item_id = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    for form in ({"comment": "checked"}, {"decision": ""}, {"decision": "maybe"}):
        said = api.client.post(f"/steward/items/{item_id}/decision", data=form, follow_redirects=False)
        assert said.status_code == 303 and said.headers["location"].startswith(f"/steward/items/{item_id}?")
        shown = api.client.get(said.headers["location"])
        assert re.search(r'<div class="error" role="alert">field &#39;decision&#39;: must be one of match,'
                         r' not_a_match</div>', shown.text), shown.text
        assert 'id="pair"' in shown.text
    assert api.get(f"/review-queue/{item_id}", who="steward").json()["status"] == "open"
    golden_id = api.get(f"/review-queue/{item_id}", who="steward").json()["left"]["golden_id"]
    said = api.client.post(f"/steward/golden/{golden_id}/split", data={}, follow_redirects=False)
    assert said.status_code == 303 and "is+not+a+source" in said.headers["location"]


def test_a_form_missing_a_field_is_refused_on_the_page(api):  # type: ignore[no-untyped-def]
    """A hand-made login form with no key, and a value form with no attribute, show the refusal on
    the login or golden record's page (each was a JSON 422 saying the field was required)."""
    said = api.client.post("/steward/login", data={})
    assert (said.status_code, said.headers["content-type"]) == (401, "text/html; charset=utf-8")
    assert '<div class="error" role="alert">That key is unknown' in said.text and 'id="key"' in said.text
    assert steward_page.COOKIE not in said.cookies
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item_id = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    golden_id = api.get(f"/review-queue/{item_id}", who="steward").json()["left"]["golden_id"]
    said = api.client.post(f"/steward/golden/{golden_id}/overrides",
                           data={"value": "0912 345 678", "reason": "customer called"})
    assert (said.status_code, said.headers["content-type"]) == (422, "text/html; charset=utf-8")
    assert re.search(r'<div class="error" role="alert">field &#39;attribute&#39;: &#39;&#39; is not a golden'
                     r' attribute \(one of [a-z_, ]+\)</div>', said.text), said.text
    assert 'id="set-override"' in said.text and 'value="customer called"' in said.text
    assert api.get(f"/golden-records/{golden_id}/overrides").json()["data"] == []


def test_the_value_form_reads_a_phone_in_the_region_it_names(api):  # type: ignore[no-untyped-def]
    """The value form read every phone in the service's region, though PUT .../overrides takes
    "region": a São Paulo mobile '(11) 91234-5678' was refused as no Vietnamese number. It has the
    search's Region box now: the service's by default, emptied the service's, checked alike."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item_id = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    gid = api.get(f"/review-queue/{item_id}", who="steward").json()["left"]["golden_id"]
    assert '<input name="region" value="VN"' in api.client.get(f"/steward/golden/{gid}").text

    def held() -> str | None:
        found = api.get(f"/golden-records/{gid}/overrides", who="reader_pii").json()["data"]
        return found[0]["value"] if found else None

    for region, written, kept in (("BR", "(11) 91234-5678", "+5511912345678"),
                                  ("", "0912 345 678", "+84912345678")):  # emptied: the service's
        said = api.client.post(f"/steward/golden/{gid}/overrides", follow_redirects=False, data={
            "attribute": "phone", "value": written, "reason": "called", "region": region})
        assert said.status_code == 303 and held() == kept, (region, said.text)
    for region, why in (("ZZ", "unknown region &#39;ZZ&#39;"), ("UK", "write &#39;GB&#39;"),
                        ("B" * 21, "at most 20 characters")):
        said = api.client.post(f"/steward/golden/{gid}/overrides",
                               data={"attribute": "phone", "value": "(11) 3333-4444", "reason": "called",
                                     "region": region})
        assert (said.status_code, said.headers["content-type"]) == (422, "text/html; charset=utf-8")
        assert "field &#39;region&#39;" in said.text and why in said.text, said.text
        assert f'<input name="region" value="{region}"' in said.text and held() == "+84912345678"


def test_ticked_pairs_all_refused_are_said_as_a_refusal(api):  # type: ignore[no-untyped-def]
    """Where every ticked pair is refused, the queue says so in its alert, with each refusal; the
    status box, which says what was done, says nothing (it said "0 of 1 decided: match")."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    said = api.client.post("/steward/decide", data={"item_ids": "NOPE", "decision": "match"})
    assert 'class="flash"' not in said.text
    assert ('<div class="error" role="alert">0 of 1 decided: match; NOPE: review item &#39;NOPE&#39;'
            ' not found</div>') in said.text
    item_id = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    said = api.client.post("/steward/decide", data={"item_ids": [item_id, "NOPE"], "decision": "not_a_match"})
    assert '<div class="flash" role="status">1 of 2 decided: not a match</div>' in said.text
    assert "NOPE: review item &#39;NOPE&#39; not found</div>" in said.text


def test_a_search_the_api_would_refuse_is_refused_on_the_page(api):  # type: ignore[no-untyped-def]
    """A search criterion longer than the JSON API takes is said on the page, not searched for."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    for field, limit in (("name", 200), ("address", 300)):
        long = {field: "nguyen " * (limit // 7 + 1)}
        assert api.get("/golden-records", params=long).status_code == 422
        said = api.client.get("/steward/search", params=long)
        assert said.status_code == 422
        assert f"at most {limit} characters" in said.text


def test_a_message_put_in_the_address_is_not_shown(served_db):  # type: ignore[no-untyped-def]
    """The page's alert and status say only what the server said after a form, not text a link put
    in the page's address (a phishing link's "log in at ..."), nor a server's message reworded."""
    with _logged_in(served_db) as (base, page, steward):
        spoof = "Session expired: log in at http://evil.example"
        for shown in ("error", "flash"):
            page.goto(f"{base}/steward?{shown}={spoof}")
            expect(page.locator("#queue")).to_be_visible()
            expect(page.locator(".error, .flash")).to_have_count(0)
        item_id = page.locator("#queue input[name=item_ids]").first.get_attribute("value")
        page.goto(f"{base}/steward/items/{item_id}")
        page.get_by_role("button", name="Claim").click()
        expect(page.get_by_role("status")).to_have_text("Claimed.")
        page.goto(page.url.replace("Claimed.", "Log+in+at+evil.example"))
        expect(page.locator("#pair")).to_be_visible()
        expect(page.locator(".error, .flash")).to_have_count(0)


def test_search_results_are_paged(served_db):  # type: ignore[no-untyped-def]
    """A search finding more than a page is read on with Next and Previous links keeping its terms."""
    with _logged_in(served_db) as (base, page, steward):
        searched = httpx.get(f"{base}/golden-records", params={"name": "nguyen"}, headers=steward)
        found = searched.json()["count"]
        assert found > 50
        page.goto(f"{base}/steward/search?name=nguyen")
        rows = page.locator("#results tbody tr")
        expect(page.locator("#paging")).to_contain_text(f"Showing 1–50 of {found}")
        first = rows.locator("a").all_text_contents()
        page.get_by_role("link", name="Next").click()
        expect(page.locator("#paging")).to_contain_text(f"Showing 51–{min(found, 100)} of {found}")
        expect(page.get_by_label("Name")).to_have_value("nguyen")
        assert not set(rows.locator("a").all_text_contents()) & set(first)
        page.get_by_role("link", name="Previous").click()
        expect(rows.locator("a")).to_have_text(first)


def test_the_queue_is_paged(api, monkeypatch):  # type: ignore[no-untyped-def]
    """A queue longer than a page (5 here; the sample has fewer pairs than a page) is read on with
    Next and Previous links keeping its filters, and a decision there comes back to the same page."""
    monkeypatch.setattr(steward_page, "QUEUE_PAGE", 5)
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    count = api.get("/review-queue", who="steward").json()["count"]
    assert count > 5

    def shown(html: str) -> list[str]:
        return re.findall(r'<tr data-item="([^"]+)"', html)

    first = api.client.get("/steward", params={"order": "score"}).text
    assert f"Showing 1–5 of {count}" in first
    later = api.client.get(html.unescape(re.search(r'href="([^"]+)" rel="next"', first).group(1))).text
    assert f"Showing 6–{min(count, 10)} of {count}" in later
    assert '<option value="score" selected>' in later
    assert shown(later) and not set(shown(later)) & set(shown(first))
    back = api.client.get(html.unescape(re.search(r'href="([^"]+)" rel="prev"', later).group(1))).text
    assert shown(back) == shown(first)
    assert '<input type="hidden" name="q_offset" value="5">' in later
    decided = api.client.post("/steward/decide", data={
        "item_ids": shown(later)[0], "decision": "not_a_match", "q_order": "score", "q_offset": "5"})
    assert f"Showing 6–{min(count - 1, 10)} of {count - 1}" in decided.text


def test_a_source_that_is_none_is_the_apis_422_above_every_source_pair(api):  # type: ignore[no-untyped-def]
    """``?source=nosuch`` (typed, or a source renamed in sources.yaml) showed an empty queue, as if
    nothing were left to review, where the API says it is no source and names those there are."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    refused = api.get("/review-queue", who="steward", params={"source": "nosuch"})
    assert refused.status_code == 422
    queued = api.get("/review-queue", who="steward", params={"limit": 100}).json()
    said = api.client.get("/steward", params={"source": "nosuch"})
    assert (said.status_code, said.headers["content-type"]) == (422, "text/html; charset=utf-8")
    alert = re.search(r'<div class="error" role="alert">([^<]*)</div>', said.text)
    assert alert is not None and html.unescape(alert[1]).startswith(refused.json()["detail"]), said.text
    assert "'nosuch'" in html.unescape(alert[1]) and queued["count"], alert[1]
    shown = re.findall(r'<tr data-item="([^"]+)"', said.text)
    assert shown == [i["item_id"] for i in queued["data"]][:len(shown)] and shown, said.text


def test_an_unknown_pair_is_a_404_above_the_queue_as_it_is(served_db):  # type: ignore[no-untyped-def]
    """A pair's address with an unknown id (mistyped, or a pair of a later run's queue) says so,
    above the open pairs and the queue's filters, not an empty queue with "Nothing to review"."""
    with _logged_in(served_db) as (base, page, steward):
        queued = httpx.get(f"{base}/review-queue", headers=steward).json()
        shown = page.goto(f"{base}/steward/items/NOPE")
        assert shown is not None and shown.status == 404
        expect(page.get_by_role("alert")).to_have_text("review item 'NOPE' not found")
        expect(page.locator("h1")).to_contain_text(f"({queued['count']} open)")
        expect(page.locator("#queue tbody tr[data-item]").first).to_have_attribute(
            "data-item", queued["data"][0]["item_id"])
        expect(page.locator("select[name=source] option")).not_to_have_count(1)  # the sources, not only "any"


def test_a_refused_merge_keeps_the_ticks_and_the_comment(served_db):  # type: ignore[no-untyped-def]
    """A merge refused from the search results comes back with the same page of results, the golden
    records ticked and the comment as the steward left them, and why it was refused."""
    with _logged_in(served_db) as (base, page, steward):
        page.goto(f"{base}/steward/search?name=nguyen")
        page.get_by_role("link", name="Next").click()  # the second page of results
        boxes = page.locator("#results input[name=golden_ids]")
        ticked = boxes.nth(1).get_attribute("value")
        boxes.nth(1).check()
        page.get_by_label("Why").fill("same customer, two CRM accounts")
        page.get_by_role("button", name="Merge selected").click()  # one is not a merge
        expect(page.get_by_role("alert")).to_contain_text("at least two")
        expect(page.get_by_label("Name")).to_have_value("nguyen")
        expect(page.locator("#paging")).to_contain_text("Showing 51–")
        expect(page.locator(f"#results input[value='{ticked}']")).to_be_checked()
        expect(page.locator("#results input[name=golden_ids]:checked")).to_have_count(1)
        expect(page.get_by_label("Why")).to_have_value("same customer, two CRM accounts")
        assert httpx.get(f"{base}/decisions", headers=steward).json()["data"] == []


def test_a_steward_releases_a_claim_on_the_page(served_db):  # type: ignore[no-untyped-def]
    """The steward holding a pair's claim gives it up on the pair's page, as the JSON API's release does."""
    with _logged_in(served_db) as (base, page, steward):
        item_id = page.locator("#queue input[name=item_ids]").first.get_attribute("value")
        page.goto(f"{base}/steward/items/{item_id}")
        page.get_by_role("button", name="Claim").click()
        expect(page.get_by_role("status")).to_have_text("Claimed.")
        expect(page.get_by_text("claimed by test-steward")).to_be_visible()
        page.get_by_role("button", name="Release").click()
        expect(page.get_by_role("status")).to_have_text("Released.")
        expect(page.get_by_text("claimed by")).to_have_count(0)
        expect(page.get_by_role("button", name="Claim")).to_be_visible()
        assert httpx.get(f"{base}/review-queue/{item_id}", headers=steward).json()["claimed_by"] is None


def test_a_pair_another_steward_claimed_offers_no_decision_on_the_page(  # type: ignore[no-untyped-def]
    served_db,
):
    with _logged_in(served_db) as (base, page, steward):
        item_id = page.locator("#queue input[name=item_ids]").first.get_attribute("value")
        admin = {"Authorization": f"Bearer {served_db[1]['admin']}"}
        bob = httpx.post(f"{base}/keys", headers=admin, json={"name": "bob", "role": "steward"}).json()["key"]
        claimed = httpx.post(f"{base}/review-queue/{item_id}/claim", headers={"X-API-Key": bob})
        assert claimed.status_code == 200
        page.goto(f"{base}/steward/items/{item_id}")
        expect(page.locator("#claimed")).to_have_text(
            "Claimed by bob: only they, or an admin, decide this pair or release it.")
        for name in ("Match", "Not a match", "Claim", "Release"):
            expect(page.get_by_role("button", name=name)).to_have_count(0)
        assert httpx.get(f"{base}/review-queue/{item_id}", headers=steward).json()["status"] == "open"


def test_a_pair_links_its_decision_and_decisions_filter_by_golden_id(  # type: ignore[no-untyped-def]
    served_db,
):
    """A decided pair's page opens its decision, with its Undo, wherever it is in the decisions;
    the decisions page lists those of one golden record, as GET /decisions?golden_id= does."""
    with _logged_in(served_db) as (base, page, steward):
        queue = httpx.get(f"{base}/review-queue", headers=steward, params={"limit": 5}).json()["data"]
        first, second = apart(queue)
        decided = [httpx.post(f"{base}/review-queue/{i['item_id']}/decision", headers=steward,
                              json={"decision": "not_a_match"}).json()["decision_id"]
                   for i in (first, second)]
        page.goto(f"{base}/steward/items/{first['item_id']}")
        page.get_by_role("link", name=decided[0]).click()
        expect(page).to_have_url(f"{base}/steward/decisions/{decided[0]}")
        expect(page.locator("h1")).to_have_text(f"Decision {decided[0]}")
        expect(page.locator("#decisions tbody tr")).to_have_count(1)
        page.locator(f"#{decided[0]}").get_by_role("button", name="Undo").click()
        expect(page.get_by_role("status")).to_contain_text(f"{decided[0]} undone")
        page.goto(f"{base}/steward/decisions/DNOSUCHDECISION")
        expect(page.get_by_role("alert")).to_contain_text("DNOSUCHDECISION")

        gid = second["left"]["golden_id"]
        page.goto(f"{base}/steward/decisions")
        page.fill("input[name=golden_id]", f" {gid} ")
        page.click("form.filters button[type=submit]")
        listed = httpx.get(f"{base}/decisions", headers=steward, params={"golden_id": gid}).json()["data"]
        assert [d["decision_id"] for d in listed] == [decided[1]]
        expect(page.locator("#decisions tbody tr")).to_have_count(1)
        expect(page.locator(f"#{decided[1]}")).to_have_count(1)
        expect(page.locator("h1")).to_contain_text(f"Decisions on {gid}")
        page.goto(f"{base}/steward/golden/{gid}")
        page.locator("#its-decisions").click()
        expect(page.locator("#decisions tbody tr")).to_have_count(1)
        expect(page.locator(f"#{decided[1]}")).to_have_count(1)


class _Addresses(HTMLParser):
    """The steward addresses a page links to, and those its GET forms send as a browser does: each
    named field with its value as shown (a select's selected option), and the named button."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []
        self._form: tuple[str, dict[str, str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if tag == "a" and a.get("href", "").startswith("/steward"):
            self.found.append(html.unescape(a["href"]))
        elif tag == "form" and a.get("method") == "get":
            self._form = (a["action"], {})
        elif self._form and a.get("name") and (tag in ("input", "button") or tag == "select"):
            self._form[1].setdefault(a["name"], a.get("value", ""))
        elif self._form and tag == "option" and "selected" in a:
            self._form[1][list(self._form[1])[-1]] = a["value"]

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._form:
            action, fields = self._form
            self.found.append(f"{action}?{urlencode(fields)}")
            self._form = None


def _shape(url: str) -> tuple[str, frozenset[str]]:
    """A steward address without its ids and values: one of each is followed."""
    parts = urlsplit(url)
    path = re.sub(r"^/steward/(items|golden|decisions)/[^/]+$", r"/steward/\1/*", parts.path)
    return path, frozenset(k for k, _v in parse_qsl(parts.query, keep_blank_values=True))


def test_every_link_and_get_form_of_the_pages_is_taken(api, monkeypatch):  # type: ignore[no-untyped-def]
    """Each address the pages link to or a GET form of theirs sends, and each a form's answer
    redirects to (its message, signed, with the queue's filters), is one the page takes: the API
    refuses a query parameter an operation does not take (api/deps.py), and the pages are no
    exception. Followed from the queue (paged at 5), a search and the decisions, one of each kind."""
    monkeypatch.setattr(steward_page, "QUEUE_PAGE", 5)
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item = api.get("/review-queue", who="steward").json()["data"][0]["item_id"]
    claimed = api.client.post(f"/steward/items/{item}/claim", follow_redirects=False).headers["location"]
    decided = api.client.post("/steward/decide", follow_redirects=False, data={
        "item_ids": item, "decision": "not_a_match", "q_order": "score", "q_offset": "5"}).headers["location"]
    to_visit = [claimed, decided, "/steward", "/steward/search?name=nguyen", "/steward/decisions"]
    seen: dict[tuple[str, frozenset[str]], str] = {}
    while to_visit:
        url = to_visit.pop(0)
        if _shape(url) in seen:
            continue
        seen[_shape(url)] = url
        r = api.client.get(url, follow_redirects=False)
        assert r.status_code == 200, (url, r.status_code, r.text[:300])
        parser = _Addresses()
        parser.feed(r.text)
        to_visit += parser.found
    shapes = {(path, tuple(sorted(keys))) for path, keys in seen}
    assert ("/steward/items/*", ("flash", "said")) in shapes, shapes
    assert ("/steward", ("flash", "offset", "order", "said")) in shapes, shapes
    for path in ("/steward", "/steward/search"):  # a page's Next and Previous
        assert any(p == path and "offset" in keys for p, keys in shapes), (path, shapes)
    for path in ("/steward/items/*", "/steward/golden/*", "/steward/decisions/*"):
        assert (path, ()) in shapes, (path, shapes)
    assert ("/steward/decisions", ("golden_id",)) in shapes, shapes  # a golden record's, and the form
    assert any(p == "/steward" and "min_score" in keys for p, keys in shapes), shapes  # the filter form
    assert any(p == "/steward/search" and "postcode" in keys for p, keys in shapes), shapes


def test_an_address_a_page_does_not_take_is_said_on_a_page(api):  # type: ignore[no-untyped-def]
    """``/steward?page=abc`` (a query parameter no steward page takes, typed or kept from an old
    link) answered with the JSON API's 422, raw JSON in the steward's browser: it is said on a page
    now, with the same status, and a link to the page without it. The JSON API keeps JSON. The page
    says the parameter is not one it takes, and names none of its own: it listed those a redirect
    carries its message in (flash, error, said), of no use to a steward."""
    refused = api.get("/golden-records", params={"page": "abc"})
    assert (refused.status_code, refused.headers["content-type"]) == (422, "application/json")
    detail = "'page' is not a parameter this page takes"

    def alert(page: str) -> str:
        found = re.search(r'<div class="error" role="alert">([^<]*)</div>', page)
        assert found and not {"flash", "error", "said"} & set(re.findall(r"\w+", found[1])), page
        return html.unescape(found[1])

    said = api.client.get("/steward/login", params={"page": "abc"})  # before logging in too
    assert (said.status_code, said.headers["content-type"]) == (422, "text/html; charset=utf-8")
    assert alert(said.text) == detail
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    item = api.get("/review-queue", who="steward").json()["data"][0]
    golden_id = item["left"]["golden_id"]
    for path in ("/steward", "/steward/search", f"/steward/golden/{golden_id}",
                 f"/steward/items/{item['item_id']}"):
        said = api.client.get(path, params={"page": "abc"})
        assert (said.status_code, said.headers["content-type"]) == (422, "text/html; charset=utf-8"), path
        assert alert(said.text) == detail, path
        assert f'<a href="{path}">' in said.text and "Log out" in said.text, said.text
    ticked = {"item_ids": item["item_id"], "decision": "match"}
    posted = api.client.post("/steward/decide?page=abc", data=ticked)
    assert (posted.status_code, posted.headers["content-type"]) == (422, "text/html; charset=utf-8")
    assert alert(posted.text) == detail
    assert api.get(f"/review-queue/{item['item_id']}", who="steward").json()["status"] == "open"


def test_an_address_no_steward_page_has_is_a_page_saying_so(api):  # type: ignore[no-untyped-def]
    """``/steward/items`` (a pair's address cut short), ``/steward/golden/`` (with no id) and
    ``/steward/nope`` answered with the JSON API's 404, raw JSON in the steward's browser: each is
    a 404 page now, with a way back to the queue. A path of the JSON API keeps its JSON 404."""
    paths = ("/steward/items", "/steward/golden/", "/steward/nope", "/steward/decisions/x/y")
    for path in paths:  # before logging in: no header, the way back leads to the login
        said = api.client.get(path, follow_redirects=False)
        assert (said.status_code, said.headers["content-type"]) == (404, "text/html; charset=utf-8"), path
        assert '<a href="/steward">' in said.text and "Log out" not in said.text, said.text
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    for path in paths:
        said = api.client.get(path)
        assert (said.status_code, said.headers["content-type"]) == (404, "text/html; charset=utf-8"), path
        assert f"No page at {html.escape(path)}" in said.text and "Log out" in said.text, said.text
        assert '<a href="/steward">Back to the review queue</a>' in said.text, said.text
    for path in ("/golden-records/", "/nope", "/stewardship"):
        refused = api.get(path, who="steward")
        assert (refused.status_code, refused.headers["content-type"]) == (404, "application/json"), path
        assert refused.json()["error"] == "not_found"


def test_a_steward_address_asked_by_a_method_it_does_not_take_says_so(api):  # type: ignore[no-untyped-def]
    """``GET /steward/logout`` and ``GET /steward/decide`` (a form's address typed or kept in the
    history) answered with the JSON API's 405, raw JSON in the steward's browser: each is a 405 page
    now, naming what the address takes in its Allow, and nothing is done. The JSON API keeps its JSON."""
    for path, allow in (("/steward/logout", "POST"), ("/steward/decide", "POST"), ("/steward/search", "GET")):
        method = "POST" if allow == "GET" else "GET"
        said = api.client.request(method, path, follow_redirects=False)
        assert (said.status_code, said.headers["content-type"]) == (405, "text/html; charset=utf-8"), path
        assert said.headers["allow"] == allow and "Log out" not in said.text, said.text
        assert f"{path} is not opened by {method}" in said.text and "nothing was done" in said.text, said.text
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    said = api.client.get("/steward/logout")
    assert (said.status_code, said.headers["content-type"]) == (405, "text/html; charset=utf-8")
    assert "Log out" in said.text and '<a href="/steward">Back to the review queue</a>' in said.text
    assert api.client.get("/steward").status_code == 200  # still logged in
    refused = api.client.delete("/golden-records", headers={"Authorization": f"Bearer {api.keys['steward']}"})
    assert (refused.status_code, refused.headers["content-type"]) == (405, "application/json")
    assert refused.json()["error"] == "method_not_allowed" and refused.headers["allow"] == "GET"


def _tab_to(page: Page, name: str, key: str = "Tab", most: int = 400) -> int:
    """How many presses of ``key`` move the focus to the element whose text is ``name``."""
    for pressed in range(1, most + 1):
        page.keyboard.press(key)
        if page.evaluate("document.activeElement.textContent.trim()") == name:
            return pressed
    raise AssertionError(f"{name!r} not reached in {most} presses of {key}")


def test_the_queues_decision_is_a_few_tab_presses_away(served_db):  # type: ignore[no-untyped-def]
    """"Match ticked" came after each pair's box and link: ~200 presses of Tab on a page of 100
    pairs (~40 for the sample's 14). A skip link, the page's first stop, leads to the decision on
    the ticked pairs, which comes before the pairs: from a box ticked, Shift+Tab leads back to it."""
    with _logged_in(served_db) as (base, page, steward):
        boxes = page.locator("#queue input[name=item_ids]")
        assert boxes.count() >= 10
        page.reload()
        assert _tab_to(page, "Skip to deciding the ticked pairs") == 1
        page.keyboard.press("Enter")
        assert _tab_to(page, "Match ticked") <= 2
        page.reload()
        assert _tab_to(page, "Match ticked") <= 15  # past the header and the filters, not the pairs
        item_id = boxes.nth(2).get_attribute("value")
        boxes.nth(2).focus()
        page.keyboard.press("Space")
        assert _tab_to(page, "Not a match ticked", key="Shift+Tab") <= 8
        page.keyboard.press("Enter")
        expect(page.get_by_role("status")).to_contain_text("1 of 1 decided: not a match")
        decisions = httpx.get(f"{base}/decisions", headers=steward).json()["data"]
        assert [(d["item_id"], d["kind"]) for d in decisions] == [(item_id, "not_a_match")]


def test_a_queue_page_scores_no_pair_again(api, monkeypatch):  # type: ignore[no-untyped-def]
    """A page of the queue scored its 100 pairs again with the live model (a fifth of the page's
    time at 2,000 pairs) for the levels of explanations it does not show, and read the values in
    conflict it does not show either. The pair's own page still reads both."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    matcher = api.client.app.state.service.matcher
    scored: list[int] = []
    labels = matcher.unweighed_labels
    monkeypatch.setattr(matcher, "unweighed_labels", lambda pairs: scored.append(len(pairs)) or labels(pairs))
    page = api.client.get("/steward")
    assert page.status_code == 200 and 'data-item="' in page.text
    assert scored == []
    item_id = re.search(r'data-item="([^"]+)"', page.text)[1]
    assert api.client.get(f"/steward/items/{item_id}").status_code == 200
    assert scored == [1]

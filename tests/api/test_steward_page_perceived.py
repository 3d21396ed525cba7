"""What a steward sees and hears of each steward page in Chromium, walked as a steward goes through
them: every text read against what it sits on (WCAG AA contrast), every table named."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator

import httpx
from playwright.sync_api import Page, expect

from tests.api.test_steward_page import _logged_in

# A colour over the backgrounds an element sits on (composited, up to the white canvas), read from
# Chromium's computed styles, and the WCAG contrast of two colours.
_COLOURS = """
  const rgba = s => { const p = s.match(/[\\d.]+/g).map(Number); return p.length > 3 ? p : [...p, 1]; };
  const over = (top, under) => [0, 1, 2].map(i => top[i] * top[3] + under[i] * (1 - top[3])).concat(1);
  const behind = el => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const c = rgba(getComputedStyle(e).backgroundColor);
      if (c[3] > 0) layers.push(c);
      if (c[3] >= 1) break;
    }
    return layers.reverse().reduce((under, top) => over(top, under), [255, 255, 255, 1]);
  };
  const lum = c => {
    const [r, g, b] = c.slice(0, 3).map(v => v / 255)
      .map(v => v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const contrast = (a, b) => {
    const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
    return (hi + 0.05) / (lo + 0.05);
  };
"""

# Each text shown: its colour over the backgrounds it sits on; a form box's own value, placeholder
# or option too.
_TOO_FAINT = "() => {" + _COLOURS + """
  const seen = [], faint = [];
  const read = (el, text, colour) => {
    const s = getComputedStyle(el), bg = behind(el), fg = over(rgba(colour), bg);
    const ratio = contrast(fg, bg), size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const kind = [el.tagName.toLowerCase(), ...el.classList, el.disabled ? "disabled" : "",
                  el.getAttribute("role") || ""].filter(Boolean).join(".");
    seen.push(kind);
    if (ratio < (large ? 3 : 4.5)) {
      const said = `${kind} ${text.trim().slice(0, 40)}`;
      faint.push(`${said}: ${colour} on rgb(${bg.slice(0, 3)}) ${ratio.toFixed(2)}:1`);
    }
  };
  const shown = el => el.getClientRects().length > 0 && getComputedStyle(el).visibility === "visible";
  const walk = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let t; (t = walk.nextNode());) {
    const el = t.parentElement;
    if (t.data.trim() && !el.closest("script, style, option") && shown(el)) {
      read(el, t.data, getComputedStyle(el).color);
    }
  }
  const boxes = "input:not([type=hidden]):not([type=checkbox]), textarea, select";
  for (const el of document.querySelectorAll(boxes)) {
    if (!shown(el)) continue;
    const value = el.tagName === "SELECT" ? el.selectedOptions[0].text : el.value;
    if (value) read(el, value, getComputedStyle(el).color);
    else if (el.placeholder) read(el, el.placeholder, getComputedStyle(el, "::placeholder").color);
  }
  return {seen, faint};
}"""


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


def _faint(page: Page, where: str, kinds: set[str]) -> list[str]:
    """What on the page is too faint to read, each named with where it is; ``kinds`` collects what
    was read (tag.class...)."""
    found = page.evaluate(_TOO_FAINT)
    kinds.update(found["seen"])
    assert found["seen"], where
    return [f"{where}: {f}" for f in found["faint"]]


def _read_each_page(  # type: ignore[no-untyped-def]
        served_db, read: Callable[[Page, str, set[str]], list[str]]) -> tuple[list[str], set[str]]:
    """``read`` of each page of the walk at 1280px and 375px: what it found wrong, the kinds it read."""
    faint: list[str] = []
    kinds: set[str] = set()
    with _logged_in(served_db) as (base, page, steward):
        for where in _walk(base, page, steward):
            for width in (1280, 375):
                page.set_viewport_size({"width": width, "height": 800})
                faint.extend(read(page, f"{where} at {width}px", kinds))
    return faint, kinds


def test_every_text_on_the_steward_pages_reads_against_its_background(  # type: ignore[no-untyped-def]
        served_db):
    """WCAG AA asks 4.5:1 of a text against what it sits on (3:1 if large). The pages are walked as
    a steward goes through them, each message a form's answer shows included."""
    faint, kinds = _read_each_page(served_db, _faint)
    assert not faint, "\n".join(faint)
    # Each kind of text was read: links, muted text, both decisions' buttons, messages, headings.
    for kind in ("a", "span.muted", "p.muted", "button.match", "button.nomatch", "div.flash.status",
                 "div.error.alert", "th", "h1", "input", "select", "td.num.pos", "td.num.neg"):
        assert kind in kinds, (kind, sorted(kinds))


# The stop Tab brought the focus to and its focus ring: the outline's colour over what lies on each
# side of it. Set off from its element (outline-offset) the ring has the background around on both
# sides; touching it, its element's own colour too (a decision's green or red). null on the body
# (Tab's stop after the page's last), "again" on a stop already read.
_FOCUS_RING = "() => {" + _COLOURS + """
  const el = document.activeElement;
  if (el === document.body) return null;
  if (window.tabbed.has(el)) return "again";
  window.tabbed.add(el);
  const s = getComputedStyle(el), around = behind(el.parentElement);
  const sides = parseFloat(s.outlineOffset) > 0 ? [around] : [around, behind(el)];
  const ratio = Math.min(...sides.map(bg => contrast(over(rgba(s.outlineColor), bg), bg)));
  const tag = el.tagName.toLowerCase();
  const kind = [tag, ...el.classList].join(".") + (tag === "input" ? `[${el.type}]` : "");
  const said = (el.textContent || el.name || el.id).replace(/\\s+/g, " ").trim().slice(0, 40);
  return {kind, said, ratio, style: s.outlineStyle, width: parseFloat(s.outlineWidth),
          ring: `${s.outlineStyle} ${s.outlineWidth} ${s.outlineColor} offset ${s.outlineOffset}`};
}"""


def _rings_too_faint(page: Page, where: str, kinds: set[str]) -> list[str]:
    """Each Tab stop of the page, round to the first again, whose focus ring is missing, thinner
    than 2px or under 3:1 against what it sits on; ``kinds`` collects the stops read."""
    page.evaluate("window.tabbed = new Set()")
    faint = []
    for _ in range(1000):
        page.keyboard.press("Tab")
        ring = page.evaluate(_FOCUS_RING)
        if ring == "again":
            return faint
        if ring is None:
            continue
        kinds.add(ring["kind"])
        if ring["style"] in ("none", "auto") or ring["width"] < 2 or ring["ratio"] < 3:
            faint.append(f"{where}: {ring['kind']} {ring['said']}: {ring['ring']}, {ring['ratio']:.2f}:1")
    raise AssertionError(f"{where}: Tab never came round to its first stop again")


def test_every_focus_ring_on_the_steward_pages_stands_out(served_db):  # type: ignore[no-untyped-def]
    """WCAG 2.2 asks 3:1 of a focus ring against what it sits on (1.4.11, 2.4.13): a keyboard's user
    sees by it where Tab went. Each page is Tabbed through, stop by stop."""
    faint, kinds = _read_each_page(served_db, _rings_too_faint)
    assert not faint, "\n".join(faint)
    for kind in ("a", "a.skip", "button", "button.match", "button.nomatch", "input[checkbox]", "input[text]",
                 "input[number]", "input[password]", "select", "textarea", "table"):
        assert kind in kinds, (kind, sorted(kinds))


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

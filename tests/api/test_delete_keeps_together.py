"""A deleted record that alone joined its golden record's other records: what it showed stays
true, so they stay together, in later batch runs too, by a decision a steward can undo."""

from __future__ import annotations

import csv
import json
import shutil

from tests.api.test_decisions_carried import _run
from tests.api.test_late_decisions import _matcher_agrees, _while_the_run_computes

# Long and his marketing sign-up share an e-mail; the sign-up and his billing account share a
# mobile. Billing and sales share only a name, in two cities: only the sign-up joins them.
LONG_SALES = {"crm_id": "KEEP-L", "first_name": "Văn Long", "last_name": "Hoàng",
              "email": "long.hoang.keep@example.vn", "mobile": "0901 111 222", "city": "Huế"}
LONG_SIGN_UP = {"subscriber_id": "keep_x", "name": "HOANG VAN LONG", "email": "long.hoang.keep@example.vn",
                "phone": "0903 333 444", "city": "Hue"}
LONG_BILLING = {"account_no": "KEEP-R", "account_holder": "Hoang Van Long", "phone": "0903 333 444",
                "city": "Đà Nẵng", "dob": "12/07/1980"}


def _golden_of(api, source: str, source_id: str) -> str:  # type: ignore[no-untyped-def]
    return api.get(f"/xref/{source}/{source_id}").json()["golden_id"]


def _long(api) -> str:  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=LONG_SALES).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=LONG_SIGN_UP).json()["golden_id"] == gid
    assert api.post("/sources/billing/records", json=LONG_BILLING).json()["golden_id"] == gid
    return gid


def test_what_only_the_deleted_record_joined_stays_together(api, small_sample):  # type: ignore[no-untyped-def]
    gid = _long(api)
    links = api.get(f"/golden-records/{gid}/links").json()["data"]
    apart = next(p for p in links if {p["left"]["source"], p["right"]["source"]} == {"sales", "billing"})
    assert apart["match_probability"] < 0.5  # joined only through the sign-up

    gone = api.client.delete("/sources/marketing/records/keep_x", headers=api.headers("writer"))
    assert gone.status_code == 200, gone.json()
    body = gone.json()
    assert (body["golden_id"], body["golden_change"]) == (gid, "changed")
    decision = api.get(f"/decisions/{body['kept_together']}", who="steward").json()
    assert (decision["kind"], decision["actor"], decision["golden_ids"]) == (
        "kept_together", "test-writer", [gid])
    assert decision["comment"] == "marketing:keep_x left: what it joined stays together"
    audit = api.get("/audit", who="admin", params={"target": body["kept_together"]}).json()["data"]
    assert [e["action"] for e in audit] == ["decision.kept_together"]
    assert _golden_of(api, "sales", "KEEP-L") == _golden_of(api, "billing", "KEEP-R") == gid

    # Real time and the next batch runs keep them together (without the decision, a run splits them).
    again = api.post("/sources/billing/records", json={**LONG_BILLING, "city": "Da Nang"}).json()
    assert again["golden_id"] == gid, again
    _run(api, small_sample / "sources.yaml")
    assert _golden_of(api, "sales", "KEEP-L") == _golden_of(api, "billing", "KEEP-R") == gid

    # A steward who finds the deleted record was a wrong bridge undoes the decision: the records
    # part at once, as the next run parts them, each keeping the id the undo gave it.
    assert api.post(f"/decisions/{body['kept_together']}/undo", who="steward").status_code == 200
    parted = _golden_of(api, "sales", "KEEP-L"), _golden_of(api, "billing", "KEEP-R")
    assert gid in parted and parted[0] != parted[1]
    new_id = next(g for g in parted if g != gid)
    assert [h["change"] for h in api.get(f"/golden-records/{new_id}/history").json()["data"]] == ["split"]
    # The decisions on the new golden record list the one whose undo made it.
    listed = api.get("/decisions", who="steward", params={"golden_id": new_id}).json()["data"]
    assert [d["decision_id"] for d in listed] == [body["kept_together"]]
    assert api.get(f"/golden-records/{gid}").json()["record_count"] == 1
    _run(api, small_sample / "sources.yaml")
    assert (_golden_of(api, "sales", "KEEP-L"), _golden_of(api, "billing", "KEEP-R")) == parted


def test_a_kept_together_undone_while_a_run_computes_stays_undone(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run read the decision in force and put the records together; its publish parts them
    again where the undo parted them (it left them together until the next run)."""
    gid = _long(api)
    kept = api.client.delete("/sources/marketing/records/keep_x", headers=api.headers("writer")).json()
    undo = _while_the_run_computes(monkeypatch, lambda: (
        api.post(f"/decisions/{kept['kept_together']}/undo", who="steward").status_code,
        _golden_of(api, "sales", "KEEP-L"), _golden_of(api, "billing", "KEEP-R")))
    run = _run(api, small_sample / "sources.yaml")
    (status, *parted), = undo
    assert status == 200 and gid in parted and parted[0] != parted[1]
    assert run["report"]["late_undos"] == [kept["kept_together"]]
    assert [_golden_of(api, "sales", "KEEP-L"), _golden_of(api, "billing", "KEEP-R")] == parted
    _matcher_agrees(api)


# Another Long, in Đà Nẵng, of three records sharing a mobile; then a sign-up with the first
# Long's e-mail and this one's mobile, which the next run uses to join the two.
OTHER_LONG = (("sales", {"crm_id": "KEEP-H1", "first_name": "Văn Long", "last_name": "Hoàng",
                         "email": "van.long.work@example.vn", "mobile": "0907 555 666", "city": "Đà Nẵng"}),
              ("billing", {"account_no": "KEEP-H2", "account_holder": "Hoang Van Long",
                           "phone": "0907 555 666", "city": "Da Nang", "dob": "12/07/1980"}),
              ("shipping", {"shipment_customer_id": "KEEP-H3", "recipient": "Hoàng Văn Long",
                            "contact_phone": "0907 555 666", "city": "Đà Nẵng"}),
              ("marketing", {"subscriber_id": "keep_b", "name": "HOANG VAN LONG",
                             "email": "long.hoang.keep@example.vn", "phone": "0907 555 666", "city": "Hue"}))


def test_undoing_what_a_later_run_merged_away_parts_at_once(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """The kept golden record is merged into a larger one by a run: the undo parts the records
    of that one as the next run parts them (it used to part nothing until then)."""
    gid = _long(api)
    kept = api.client.delete("/sources/marketing/records/keep_x", headers=api.headers("writer")).json()
    for source, row in OTHER_LONG:
        assert api.post(f"/sources/{source}/records", json=row).status_code == 200
    _run(api, small_sample / "sources.yaml")
    holder = _golden_of(api, "sales", "KEEP-H1")
    assert holder != gid and _golden_of(api, "sales", "KEEP-L") == holder
    assert api.get(f"/golden-records/{gid}").json()["redirected_from"]["merged_into"] == holder

    # A later decision on the golden record holding them stands in the way, as one on theirs does.
    split = api.post(f"/golden-records/{holder}/split", who="steward",
                     json={"source": "marketing", "source_id": "keep_b"}).json()["decision"]["decision_id"]
    refused = api.post(f"/decisions/{kept['kept_together']}/undo", who="steward")
    assert (refused.status_code, refused.json()["detail"]) == (
        409, f"undo the later decisions on the same golden records first: {split}")
    assert api.post(f"/decisions/{split}/undo", who="steward").status_code == 200
    assert api.post(f"/decisions/{kept['kept_together']}/undo", who="steward").status_code == 200
    parted = _golden_of(api, "sales", "KEEP-L")
    assert parted not in (gid, holder) and _golden_of(api, "billing", "KEEP-R") == holder
    assert [h["change"] for h in api.get(f"/golden-records/{parted}/history").json()["data"]] == ["split"]
    assert api.get(f"/golden-records/{holder}").json()["record_count"] == 5
    listed = api.get("/decisions", who="steward", params={"golden_id": parted}).json()["data"]
    assert [d["decision_id"] for d in listed] == [kept["kept_together"]]
    _run(api, small_sample / "sources.yaml")
    assert (_golden_of(api, "sales", "KEEP-L"), _golden_of(api, "billing", "KEEP-R")) == (parted, holder)
    _matcher_agrees(api)


def test_records_that_still_link_need_no_decision(api):  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=LONG_SALES).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=LONG_SIGN_UP).json()["golden_id"] == gid
    both = {**LONG_BILLING, "phone": "0901 111 222", "city": "Huế"}  # shares sales's mobile and city
    assert api.post("/sources/billing/records", json=both).json()["golden_id"] == gid
    body = api.client.delete("/sources/marketing/records/keep_x", headers=api.headers("writer")).json()
    assert (body["golden_change"], body["kept_together"]) == ("changed", None)
    assert api.get("/decisions", who="steward").json()["data"] == []


def _append(path, row) -> None:  # type: ignore[no-untyped-def]
    """A row added to an extract in its own columns (a CSV's header; a JSONL's keys as given)."""
    if path.suffix == ".jsonl":
        with path.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
        return
    with path.open(newline="", encoding="utf-8-sig") as fh:
        header = next(csv.reader(fh))
    with path.open("a", newline="", encoding="utf-8") as fh:
        csv.DictWriter(fh, fieldnames=header, restval="").writerow(row)


def test_what_a_record_gone_from_its_extract_joined_stays_together(api, small_sample, tmp_path):  # type: ignore[no-untyped-def]
    extract = tmp_path / "extract"
    shutil.copytree(small_sample, extract)
    for name, row in (("sales.csv", LONG_SALES), ("marketing.jsonl", LONG_SIGN_UP),
                      ("billing.csv", LONG_BILLING)):
        _append(extract / name, row)
    sources = extract / "sources.yaml"

    _run(api, sources)
    gid = _golden_of(api, "sales", "KEEP-L")
    assert _golden_of(api, "marketing", "keep_x") == _golden_of(api, "billing", "KEEP-R") == gid

    signed_up = extract / "marketing.jsonl"  # the sign-up leaves the marketing extract
    lines = signed_up.read_text(encoding="utf-8").splitlines(keepends=True)
    signed_up.write_text("".join(line for line in lines if '"keep_x"' not in line), encoding="utf-8")
    done = _run(api, sources)
    (kept,) = done["report"]["kept_together"]
    assert (kept["golden_id"], kept["gone"], kept["records"]) == (gid, "marketing:keep_x",
                                                                  ["billing:KEEP-R", "sales:KEEP-L"])
    assert kept["actor"] == f"run {done['run_id']}"
    assert _golden_of(api, "sales", "KEEP-L") == _golden_of(api, "billing", "KEEP-R") == gid
    decision = api.get(f"/decisions/{kept['decision_id']}", who="steward").json()
    assert (decision["kind"], decision["comment"]) == ("kept_together",
                                                       "marketing:keep_x left: what it joined stays together")
    # The next run no longer knows the sign-up: the stored decision holds them.
    assert _run(api, sources)["report"]["kept_together"] == []
    assert _golden_of(api, "sales", "KEEP-L") == _golden_of(api, "billing", "KEEP-R") == gid

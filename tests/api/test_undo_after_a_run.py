"""Undoing a decision whose golden record a later batch run merged into another: the undo parts
what the decision joined in the golden record holding the records now, and leaves there what
the run put there, so the next run has nothing to join again."""

from __future__ import annotations

from tests.api.test_decisions_carried import _run
from tests.api.test_delete_keeps_together import LONG_BILLING, LONG_SALES, OTHER_LONG, _golden_of
from tests.api.test_late_decisions import _matcher_agrees, _while_the_run_computes

# A parcel to Long's billing phone in Đà Nẵng: with his billing account, the larger side of the merge.
LONG_PARCEL = {"shipment_customer_id": "KEEP-S", "recipient": "Hoang Van Long",
               "contact_phone": "0903 333 444", "city": "Đà Nẵng"}
KEYS = (("sales", "KEEP-L"), ("shipping", "KEEP-S"), ("billing", "KEEP-R"), ("billing", "KEEP-H2"))


def _merged_then_run(api, small_sample, *, sales_side: bool = False):  # type: ignore[no-untyped-def]
    """Long's sales record merged by a steward with his billing account and parcel (the parcel on
    the sales side with ``sales_side``), then a run that joins the billing account to another
    Long's records (same name, birth date, city): (merge decision, its survivor, the other
    golden id, the golden record the run merged the survivor into)."""
    first = api.post("/sources/sales/records", json=LONG_SALES).json()["golden_id"]
    billing = api.post("/sources/billing/records", json=LONG_BILLING).json()["golden_id"]
    parcel = LONG_PARCEL
    if sales_side:
        parcel = {**LONG_PARCEL, "contact_phone": LONG_SALES["mobile"], "city": "Huế"}
    assert api.post("/sources/shipping/records", json=parcel).json()["golden_id"] == (
        first if sales_side else billing)
    assert first != billing  # only a name in common, in two cities
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [first, billing]}).json()
    survivor = merged["golden_id"]
    assert survivor == (first if sales_side else billing)
    for source, row in OTHER_LONG:
        assert api.post(f"/sources/{source}/records", json=row).status_code == 200
    _run(api, small_sample / "sources.yaml")
    holder = _golden_of(api, "sales", "KEEP-H1")
    assert {_golden_of(api, "sales", "KEEP-L"), _golden_of(api, "billing", "KEEP-R")} == {holder}
    assert api.get(f"/golden-records/{survivor}").json()["redirected_from"]["merged_into"] == holder
    return merged["decision"]["decision_id"], survivor, billing if sales_side else first, holder


def _placed(api) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    return {key: _golden_of(api, *key) for key in KEYS}


def test_undoing_a_merge_a_later_run_merged_away_parts_it_there(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """The undo used to pull the survivor's records back out of the golden record the run merged
    it into, bringing its id back, and the next run merged them in again."""
    decision, survivor, loser, holder = _merged_then_run(api, small_sample)
    undone = api.post(f"/decisions/{decision}/undo", who="steward")
    assert undone.status_code == 200, undone.json()
    expected = {("sales", "KEEP-L"): loser, ("shipping", "KEEP-S"): holder, ("billing", "KEEP-R"): holder,
                ("billing", "KEEP-H2"): holder}
    assert _placed(api) == expected
    assert api.get(f"/golden-records/{survivor}").json()["redirected_from"]["merged_into"] == holder
    assert api.get(f"/golden-records/{holder}").json()["record_count"] == 6
    assert api.get(f"/golden-records/{loser}").json()["record_count"] == 1
    _matcher_agrees(api)
    run = _run(api, small_sample / "sources.yaml")
    assert _placed(api) == expected
    assert run["report"]["golden"].get("merged", 0) == 0, run["report"]["golden"]


def test_the_side_the_runs_records_hold_to_stays_whichever_survived(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """Here the merge's survivor is the sales side, which the run's records do not hold to: it
    parts from them under its own id, and the billing account stays with them."""
    decision, survivor, billing, holder = _merged_then_run(api, small_sample, sales_side=True)
    head = api.get("/changes", params={"after": 0, "limit": 1}).json()["head"]
    assert api.post(f"/decisions/{decision}/undo", who="steward").status_code == 200
    expected = {("sales", "KEEP-L"): survivor, ("shipping", "KEEP-S"): survivor,
                ("billing", "KEEP-R"): holder, ("billing", "KEEP-H2"): holder}
    assert _placed(api) == expected
    # The billing account's former id, which the merge retired, leads to where it is now, not to
    # Long's sales record; the change feed says so.
    assert api.get(f"/golden-records/{billing}").json()["golden_id"] == holder
    feed = api.get("/changes", params={"after": head, "limit": 100}).json()["data"]
    assert [(e["change"], e["cause"], e["golden_record"]["merged_into"]) for e in feed
            if e["golden_id"] == billing] == [("merged", "undo", holder)]
    _run(api, small_sample / "sources.yaml")
    assert _placed(api) == expected


def test_undone_while_a_run_computes_it_is_undone_there_again(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run read the merge in force; its publish parts the records again where the undo
    parted them (it took the survivor's records out of the golden record holding them)."""
    decision, _survivor, loser, holder = _merged_then_run(api, small_sample)
    _while_the_run_computes(monkeypatch, lambda: api.post(f"/decisions/{decision}/undo", who="steward"))
    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["late_undos"] == [decision]
    assert _placed(api) == {("sales", "KEEP-L"): loser, ("shipping", "KEEP-S"): holder,
                            ("billing", "KEEP-R"): holder, ("billing", "KEEP-H2"): holder}
    _matcher_agrees(api)


def test_a_merged_entry_names_the_golden_record_it_was_merged_into(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """A `merged` entry, in the history and in the change feed, names the survivor as it was then: a
    downstream system needs no other lookup, and the record's own `merged_into` (its state now) no
    longer says it once the merge is undone."""
    head = api.get("/changes", params={"after": 0, "limit": 1}).json()["head"]
    decision, survivor, loser, holder = _merged_then_run(api, small_sample)
    assert api.post(f"/decisions/{decision}/undo", who="steward").status_code == 200
    assert api.get(f"/golden-records/{loser}").json()["merged_into"] is None  # back: merged no more

    def merges(golden_id: str) -> list[tuple[str, str | None, str | None]]:
        entries = api.get(f"/golden-records/{golden_id}/history", params={"limit": 200}).json()["data"]
        assert all(e["merged_into"] is None for e in entries if e["change"] != "merged")
        return [(e["cause"], e["cause_id"], e["merged_into"]) for e in entries if e["change"] == "merged"]

    run_id = api.get("/runs").json()["data"][0]["run_id"]
    assert merges(loser) == [("decision", decision, survivor)]
    assert merges(survivor) == [("run", run_id, holder)]
    feed = api.get("/changes", params={"after": head, "limit": 200}).json()["data"]
    assert [(e["golden_id"], e["cause"], e["merged_into"]) for e in feed
            if e["change"] == "merged" and e["golden_id"] in (loser, survivor)] == [
        (loser, "decision", survivor), (survivor, "run", holder)]
    assert all((e["merged_into"] is not None) == (e["change"] == "merged") for e in feed)  # each, and only
    documented = api.get("/openapi.json").json()["components"]["schemas"]
    assert "merged into" in documented["HistoryEntryPublic"]["properties"]["merged_into"]["description"]
    assert "merged_into" in documented["ChangePublic"]["properties"]

"""A steward's decision outlives the record it names: deleted through the API, or gone from the
extract, the record's constraint is carried to another record of the same customer, and the
next batch runs keep what the steward decided."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from mdm.sources import load_sources

ANNA = {"crm_id": "CARRY-A1", "first_name": "Anna", "last_name": "Kowalczyk",
        "email": "anna.kowalczyk.c@example.pl",
        "mobile": "+48 601 222 333", "city": "Kraków"}
ANNA_MARKETING = {"subscriber_id": "carry_a2", "name": "ANNA KOWALCZYK",
                  "email": "Anna.Kowalczyk.C@example.pl",
                  "phone": "+48 601 222 333", "birthday": "02/05/1985", "city": "Krakow"}
TUAN = {"crm_id": "CARRY-B1", "first_name": "Minh Tuấn", "last_name": "Đỗ", "email": "tuan.do.c@example.vn",
        "mobile": "0912 777 888", "city": "Hải Phòng"}


def _run(api, sources: Path):  # type: ignore[no-untyped-def]
    r = api.post("/runs", who="admin", json={"sources": str(sources)})
    assert r.status_code == 202, r.json()
    api.client.app.state.service._run_thread.join()
    run = api.get(f"/runs/{r.json()['run_id']}", who="admin").json()
    assert run["status"] == "succeeded", run
    return run


def _golden_of(api, source: str, source_id: str) -> str:  # type: ignore[no-untyped-def]
    return api.get(f"/xref/{source}/{source_id}").json()["golden_id"]


def _merge(api, a: str, b: str) -> dict:  # type: ignore[no-untyped-def]
    r = api.post("/golden-records/merge", who="steward",
                 json={"golden_ids": [a, b], "comment": "one customer"})
    assert r.status_code == 200, r.json()
    return r.json()


def test_a_merge_outlives_the_deleted_record_that_held_it(api, small_sample):  # type: ignore[no-untyped-def]
    anna = api.post("/sources/sales/records", json=ANNA).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=ANNA_MARKETING).json()["golden_id"] == anna
    tuan = api.post("/sources/sales/records", json=TUAN).json()
    assert tuan["outcome"] == "new"
    merged = _merge(api, anna, tuan["golden_id"])
    assert merged["golden_id"] == anna  # the larger survives; its first record holds the must-link
    decision = merged["decision"]["decision_id"]

    # The record that holds the merge (marketing:carry_a2, the survivor's first) is deleted.
    gone = api.client.delete("/sources/marketing/records/carry_a2", headers=api.headers("writer"))
    assert gone.status_code == 200, gone.json()
    assert gone.json()["kept_together"] is None  # the carried must-link holds the rest together
    entry = api.get("/audit", who="admin", params={"action": "record.delete", "limit": 1}).json()["data"][0]
    assert entry["detail"]["decisions_carried"] == [{
        "decision_id": decision, "kind": "must_link", "record_key_l": "sales:CARRY-A1",
        "record_key_r": "sales:CARRY-B1", "carried_from": "marketing:carry_a2",
    }]

    # Real time follows the carried decision: Tuấn's record, changed, still joins Anna's.
    moved = api.post("/sources/sales/records", json={**TUAN, "city": "Hà Nội"}).json()
    assert moved["golden_id"] == anna and moved["reason"].startswith("steward decision"), moved

    # Two batch runs (the second reads the decision as the first stored it) keep the merge.
    for _ in range(2):
        run = _run(api, small_sample / "sources.yaml")
        assert run["report"]["decisions_carried"] == []  # carried already, when the record was deleted
        assert _golden_of(api, "sales", "CARRY-A1") == _golden_of(api, "sales", "CARRY-B1") == anna


def _merged_then_gone_from_the_extract(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
) -> tuple[dict, str, str, str, Path]:
    """A customer of two records merged by a steward with a customer of one, the extract then
    lacking the record that holds the merge: (the merge's answer, the record gone, the other record
    of the two, the one of the other customer, the sources config without the record)."""
    con = api.client.app.state.service.reader()
    # A customer of two records, the first (lowest key) from billing, with a birth date on the
    # other record too; and a customer of one record born in another decade. No run joins them
    # unless a steward does.
    a, anchor, kept, born = con.execute(
        "SELECT x.golden_id, min(x.record_key), max(x.record_key), max(s.date_of_birth) FROM xref x"
        " JOIN std_records s USING (record_key) GROUP BY x.golden_id"
        " HAVING count(*) = 2 AND min(x.record_key) LIKE 'billing:%'"
        " AND max(x.record_key) NOT LIKE 'billing:%'"
        " AND count(s.date_of_birth) = 2 ORDER BY min(x.record_key) LIMIT 1"
    ).fetchone()
    b, b_key = con.execute(
        "SELECT x.golden_id, min(x.record_key) FROM xref x JOIN std_records s USING (record_key)"
        " GROUP BY x.golden_id HAVING count(*) = 1 AND abs(year(max(s.date_of_birth)) - ?) >= 10"
        " ORDER BY min(x.record_key) LIMIT 1", [born.year],
    ).fetchone()
    merged = _merge(api, a, b)
    assert merged["golden_id"] == a

    # The billing extract no longer has the record that holds the merge.
    extract = tmp_path / "extract"
    shutil.copytree(small_sample, extract)
    (billing,) = [s for s in load_sources(extract / "sources.yaml").sources if s.name == "billing"]
    path = extract / billing.path
    with path.open(newline="", encoding="utf-8-sig") as fh:  # written with a BOM, as Excel does
        header, *rows = list(csv.reader(fh))  # some rows are broken on purpose: kept as they are
    at = header.index(billing.id_column)
    anchor_id = anchor.split(":", 1)[1]
    kept_rows = [r for r in rows if len(r) <= at or r[at] != anchor_id]
    assert len(kept_rows) == len(rows) - 1
    with path.open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh).writerows([header, *kept_rows])
    return merged, anchor, kept, b_key, extract / "sources.yaml"


def test_a_merge_outlives_a_record_gone_from_the_extract(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
):
    merged, anchor, kept, b_key, sources = _merged_then_gone_from_the_extract(api, small_sample, tmp_path)
    a = merged["golden_id"]
    run = _run(api, sources)
    assert run["report"]["decisions_carried"] == [{
        "decision_id": merged["decision"]["decision_id"], "kind": "must_link",
        **dict(zip(("record_key_l", "record_key_r"), sorted((kept, b_key)), strict=True)),
        "carried_from": anchor,
    }]
    source, source_id = kept.split(":", 1)
    b_source, b_id = b_key.split(":", 1)
    assert _golden_of(api, source, source_id) == _golden_of(api, b_source, b_id) == a
    # The next run no longer knows where the gone record was: the stored carried decision holds.
    run = _run(api, sources)
    assert run["report"]["decisions_carried"] == []
    assert _golden_of(api, source, source_id) == _golden_of(api, b_source, b_id) == a


def _stand_in_deleted_while_a_run_computes(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch, *, dry_run: bool
) -> tuple[str, dict]:
    """The merge above, its record gone from the extract: the next run carries it to the other
    record of the two, which is deleted through the API while the run computes (nothing is stored
    naming it yet: the deletion carries and lapses nothing). The publish takes it out and finds
    the merge binding no pair left. (the decision's id, the run's report)."""
    from tests.api.test_decisions_lapsed import _run as _run_accepting
    from tests.api.test_late_decisions import _while_the_run_computes

    merged, _anchor, kept, _b_key, sources = _merged_then_gone_from_the_extract(api, small_sample, tmp_path)
    source, source_id = kept.split(":", 1)

    def delete() -> None:
        r = api.client.delete(f"/sources/{source}/records/{source_id}", headers=api.headers("writer"))
        assert r.status_code == 200 and r.json()["decisions_lapsed"] == [], r.json()

    _while_the_run_computes(monkeypatch, delete)
    return merged["decision"]["decision_id"], _run_accepting(api, sources, dry_run=dry_run)["report"]


def test_a_run_lapses_a_merge_whose_stand_in_was_deleted_while_it_computed(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    decision_id, report = _stand_in_deleted_while_a_run_computes(api, small_sample, tmp_path, monkeypatch,
                                                                 dry_run=False)
    assert [c["decision_id"] for c in report["decisions_carried"]] == [decision_id]
    assert [d["decision_id"] for d in report["decisions_lapsed"]] == [decision_id]
    assert api.get(f"/decisions/{decision_id}", who="steward").json()["lapsed_at"] is not None


def test_a_dry_run_previews_the_lapse_of_a_merge_whose_stand_in_was_deleted(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """The run above as a dry run: it judged the decisions binding that name a record deleted
    meanwhile on the stored constraints alone, without the stand-in it carried the merge to (the
    one deleted), and said nothing, where the run publishing marks the merge lapsed. Now it says
    it would lapse, and marks nothing."""
    decision_id, report = _stand_in_deleted_while_a_run_computes(api, small_sample, tmp_path, monkeypatch,
                                                                 dry_run=True)
    assert [d["decision_id"] for d in report["decisions_lapsed"]] == [decision_id]  # was []
    assert api.get(f"/decisions/{decision_id}", who="steward").json()["lapsed_at"] is None

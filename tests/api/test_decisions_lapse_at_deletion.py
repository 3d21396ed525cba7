"""A decision whose records are deleted (or erased) through the API lapses at the deletion, not at
the next batch run; posted back, a record makes it bind again; and the runs that follow, one
computing meanwhile too, neither say it again nor clear it wrongly (mdm/lapsed_decisions.py)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from tests.api.test_decisions_carried import _run
from tests.api.test_late_decisions import _while_the_run_computes


def _merged_pair(api) -> tuple[str, str, str, str]:  # type: ignore[no-untyped-def]
    """Two golden records of one marketing record each (from the extract), merged by a steward:
    (the decision's id, the merged golden id, the two source ids)."""
    con = api.client.app.state.service.reader()
    rows = con.execute("SELECT golden_id, min(source_id) FROM xref GROUP BY golden_id"
                       " HAVING count(*) = 1 AND bool_and(source = 'marketing') ORDER BY golden_id LIMIT 2"
                       ).fetchall()
    (a, a_id), (b, b_id) = rows
    r = api.post("/golden-records/merge", who="steward", json={"golden_ids": [a, b]})
    assert r.status_code == 200, r.json()
    return r.json()["decision"]["decision_id"], r.json()["golden_id"], a_id, b_id


def _decision(api, decision_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    return api.get(f"/decisions/{decision_id}", who="steward").json()  # type: ignore[no-any-return]


def _audited(api, action: str, target: str) -> list[dict[str, Any]]:  # type: ignore[no-untyped-def]
    entries = api.get("/audit", who="admin", params={"action": action, "target": target}).json()
    return entries["data"]  # type: ignore[no-any-return]


def _delete(api, source_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    r = api.client.delete(f"/sources/marketing/records/{source_id}", headers=api.headers("writer"))
    assert r.status_code == 200, r.json()
    return r.json()  # type: ignore[no-any-return]


def _raw(api, source_id: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    record = api.get(f"/sources/marketing/records/{source_id}", who="reader_pii").json()
    return record["raw"]  # type: ignore[no-any-return]


def _page_says_lapsed(api, decision_id: str) -> bool:  # type: ignore[no-untyped-def]
    """Whether the steward page of the decision marks it lapsed."""
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    page = api.client.get(f"/steward/decisions/{decision_id}")
    assert page.status_code == 200
    return 'class="muted lapsed"' in page.text


def _lapsed_by_the_deletion(api, decision_id: str, source_id: str) -> None:  # type: ignore[no-untyped-def]
    decision = _decision(api, decision_id)
    assert decision["lapsed_at"] is not None and decision["lapsed_by"] == "test-writer", decision
    assert decision["lapsed_in"] is None  # no run marked it
    (entry,) = _audited(api, "decision.lapsed", decision_id)
    assert entry["actor"] == "test-writer"
    assert entry["detail"]["deleted"] == [f"marketing:{source_id}"]
    assert f"marketing:{source_id} deleted through the API" in entry["detail"]["why"]


def test_a_decision_lapses_at_the_deletion_and_binds_again_when_posted_back(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """A merge of two marketing sign-ups, one deleted through the API: GET /decisions/{id} showed
    it in force (lapsed_in null) until the next run marked it, which reported it then. Now the
    deletion marks it (lapsed_at, lapsed_by the deleter; audited, listed in the delete's answer,
    shown on the steward page); the run, whose extract still holds the record (left out,
    deleted), says nothing of it and keeps it lapsed; the record posted back binds it again
    (audited, in the post's answer), and the next run says nothing either."""
    decision_id, _merged, gone, kept = _merged_pair(api)
    raw = _raw(api, gone)

    assert _delete(api, gone)["decisions_lapsed"] == [decision_id]
    _lapsed_by_the_deletion(api, decision_id, gone)
    assert _page_says_lapsed(api, decision_id)

    run = _run(api, small_sample / "sources.yaml")
    assert (run["report"]["decisions_lapsed"], run["counts"]["decisions_lapsed"]) == ([], 0)
    assert run["report"]["decisions_binding_again"] == []
    _lapsed_by_the_deletion(api, decision_id, gone)  # still, and audited once

    posted = api.post("/sources/marketing/records", json=raw).json()
    assert posted["decisions_binding_again"] == [decision_id], posted
    assert posted["golden_id"] == api.get(f"/xref/marketing/{kept}").json()["golden_id"]
    decision = _decision(api, decision_id)
    assert (decision["lapsed_at"], decision["lapsed_by"], decision["lapsed_in"]) == (None, None, None)
    assert not _page_says_lapsed(api, decision_id)
    (again,) = _audited(api, "decision.binding_again", decision_id)
    assert (again["actor"], again["detail"]) == ("test-writer", {"posted": f"marketing:{gone}"})

    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["decisions_lapsed"] == run["report"]["decisions_binding_again"] == []
    assert _decision(api, decision_id)["lapsed_at"] is None
    assert len(_audited(api, "decision.lapsed", decision_id)) == 1
    assert len(_audited(api, "decision.binding_again", decision_id)) == 1
    together = {api.get(f"/xref/marketing/{k}").json()["golden_id"] for k in (gone, kept)}
    assert len(together) == 1  # the merge holds again


def test_a_deletion_while_a_run_computes_keeps_its_lapse(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run read the record and found the decision binding; deleted meanwhile, the record leaves
    its results at the publish (late deletions), and the decision stays lapsed as the deletion
    marked it: the run neither clears it nor says it binds again."""
    decision_id, _merged, gone, _kept = _merged_pair(api)
    done = _while_the_run_computes(monkeypatch, lambda: _delete(api, gone))
    run = _run(api, small_sample / "sources.yaml")
    assert done[0]["decisions_lapsed"] == [decision_id]
    assert run["report"]["late_deletions"] == [f"marketing:{gone}"]
    assert run["report"]["decisions_binding_again"] == run["report"]["decisions_lapsed"] == []
    _lapsed_by_the_deletion(api, decision_id, gone)


def _deleted_then_posted_back_meanwhile(api, monkeypatch) -> str:  # type: ignore[no-untyped-def]
    """A merge of two marketing records, one deleted (the decision lapses), then posted back while
    the next run computes, after it read its input (the post makes the decision bind again; checked
    once the run is done): the decision's id."""
    decision_id, _merged, gone, _kept = _merged_pair(api)
    raw = _raw(api, gone)
    _delete(api, gone)

    def post_back() -> None:
        posted = api.post("/sources/marketing/records", json=raw).json()
        assert posted["decisions_binding_again"] == [decision_id], posted

    _while_the_run_computes(monkeypatch, post_back)
    return decision_id


def test_a_post_back_while_a_run_computes_is_not_lapsed_again(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Deleted, then posted back while a run computes whose input lacked it: the post makes the
    decision bind again, and the run, whose results lack the record until the replay brings it
    back, does not mark it lapsed again (nor does the replay say it binds again)."""
    decision_id = _deleted_then_posted_back_meanwhile(api, monkeypatch)
    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["decisions_lapsed"] == run["report"]["decisions_binding_again"] == []
    assert _decision(api, decision_id)["lapsed_at"] is None
    assert len(_audited(api, "decision.lapsed", decision_id)) == 1
    assert len(_audited(api, "decision.binding_again", decision_id)) == 1


def test_erasing_a_customer_lapses_the_decisions_on_their_records(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """The merged customer erased: the merge binds nothing, marked lapsed by the erasure's caller,
    its audit entry naming the erasure; the next run says nothing more of it."""
    decision_id, merged, _gone, _kept = _merged_pair(api)
    r = api.post(f"/golden-records/{merged}/erase", who="admin", json={"reason": "asked to be forgotten"})
    assert r.status_code == 200, r.json()
    decision = _decision(api, decision_id)
    assert decision["lapsed_at"] is not None and decision["lapsed_by"] == "test-admin", decision
    (entry,) = _audited(api, "decision.lapsed", decision_id)
    assert entry["detail"]["erasure_id"] == r.json()["erasure_id"]
    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["decisions_lapsed"] == []
    assert _decision(api, decision_id)["lapsed_by"] == "test-admin"


def _override_on_a_lone_record(  # type: ignore[no-untyped-def]
    api, attribute: str = "phone", value: str = "0912 345 678"
) -> tuple[str, str, dict[str, str]]:
    """A golden record holding one marketing record (from the extract) and a steward's override of
    its ``attribute``: (its golden id, the record's source id, the override as GET lists it); the
    same record whatever ids the sample's reconcile drew."""
    con = api.client.app.state.service.reader()
    golden_id, source_id = con.execute(
        "SELECT golden_id, min(source_id) FROM xref GROUP BY golden_id HAVING count(*) = 1"
        " AND bool_and(source = 'marketing') ORDER BY min(source_id) LIMIT 1").fetchone()
    r = api.client.put(f"/golden-records/{golden_id}/overrides/{attribute}", headers=api.headers("steward"),
                       json={"value": value, "reason": "customer called"})
    assert r.status_code == 200, r.json()
    held = {k: r.json()["override"][k] for k in ("override_id", "golden_id", "attribute")}
    return golden_id, source_id, held


def test_an_override_lapses_at_the_deletion_that_retires_its_golden_record(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """A phone override on a golden record of one record, deleted through the API: the golden
    record retired, holding the override unused, and nothing said so (a run that retires one
    reports `overrides_lapsed`). Now the delete's answer lists it and the audit log says it, in
    the deleter's name; the next run says nothing more; the record posted back takes the golden
    id back and its answer says the override applies again (audited), as a run's report would;
    the run after says nothing either."""
    golden_id, source_id, held = _override_on_a_lone_record(api)
    raw = _raw(api, source_id)
    key = f"marketing:{source_id}"

    deleted = _delete(api, source_id)
    assert deleted["golden_change"] == "retired" and deleted["overrides_lapsed"] == [held], deleted
    (entry,) = _audited(api, "golden.override_lapsed", golden_id)
    assert entry["actor"] == "test-writer"
    assert entry["detail"] == {"deleted": key, "override_id": held["override_id"], "attribute": "phone"}

    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["overrides_lapsed"] == run["report"]["overrides_binding_again"] == []
    assert run["counts"]["overrides_lapsed"] == 0

    posted = api.post("/sources/marketing/records", json=raw).json()
    assert posted["golden_id"] == golden_id and posted["overrides_binding_again"] == [held], posted
    (again,) = _audited(api, "golden.override_binding_again", golden_id)
    assert (again["actor"], again["detail"]) == (
        "test-writer", {"posted": key, "override_id": held["override_id"], "attribute": "phone"})
    golden = api.get(f"/golden-records/{golden_id}", who="reader_pii").json()
    assert golden["status"] == "active" and golden["attributes"]["phone"] == "+84912345678"

    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["overrides_lapsed"] == run["report"]["overrides_binding_again"] == []
    assert len(_audited(api, "golden.override_lapsed", golden_id)) == 1
    assert len(_audited(api, "golden.override_binding_again", golden_id)) == 1
    # A record posted into a golden record that stays active takes no golden id back: nothing said.
    changed = api.post("/sources/marketing/records", json={**raw, "full_name": "Someone Else"}).json()
    assert changed["overrides_binding_again"] == [], changed


def test_an_override_lapsed_by_a_deletion_while_a_run_computes_is_said_once(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run read the record and kept its golden record; deleted meanwhile, the record leaves the
    run's results at the publish and the golden record stays retired as the deletion left it: the
    deletion said the override lapsed, the run does not say it again."""
    golden_id, source_id, held = _override_on_a_lone_record(api)
    done = _while_the_run_computes(monkeypatch, lambda: _delete(api, source_id))
    run = _run(api, small_sample / "sources.yaml")
    assert done[0]["overrides_lapsed"] == [held]
    assert run["report"]["late_deletions"] == [f"marketing:{source_id}"]
    assert run["report"]["overrides_lapsed"] == run["report"]["overrides_binding_again"] == []
    assert len(_audited(api, "golden.override_lapsed", golden_id)) == 1
    assert api.get(f"/golden-records/{golden_id}").json()["status"] == "retired"


def test_an_override_posted_back_while_a_run_computes_binds_again_once(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Deleted, then posted back while a run computes whose input lacked it: the post takes the
    golden id back and says the override applies again; the run's publish, then its replay of
    the post, say it neither lapsed nor binding again a second time."""
    golden_id, source_id, held = _override_on_a_lone_record(api)
    raw = _raw(api, source_id)
    _delete(api, source_id)
    done = _while_the_run_computes(
        monkeypatch, lambda: api.post("/sources/marketing/records", json=raw).json())
    run = _run(api, small_sample / "sources.yaml")
    assert done[0]["golden_id"] == golden_id and done[0]["overrides_binding_again"] == [held], done
    assert run["report"]["overrides_lapsed"] == run["report"]["overrides_binding_again"] == []
    assert len(_audited(api, "golden.override_lapsed", golden_id)) == 1
    assert len(_audited(api, "golden.override_binding_again", golden_id)) == 1
    golden = api.get(f"/golden-records/{golden_id}", who="reader_pii").json()
    assert golden["status"] == "active" and golden["attributes"]["phone"] == "+84912345678"


def test_an_erasure_takes_the_override_with_it_and_nothing_binds_again(  # type: ignore[no-untyped-def]
    api, small_sample
):
    """The golden record a deletion retired, its override lapsed, then erased: the erasure removes
    the override with the golden record's values (no table holds its value; the audit entries keep
    its id and attribute, no value), so the record posted back gets a new golden id and no
    override applies again, nor does a run say one does."""
    from tests.api.test_erasure import _tables_holding

    email = "only.this.customer.4417@example.vn"
    golden_id, source_id, held = _override_on_a_lone_record(api, "email", email)
    raw = _raw(api, source_id)
    assert _delete(api, source_id)["overrides_lapsed"] == [held]
    r = api.post(f"/golden-records/{golden_id}/erase", who="admin", json={"reason": "request DSR-7"})
    assert r.status_code == 200, r.json()
    assert _tables_holding(api, email) == []
    assert api.get(f"/golden-records/{golden_id}").status_code == 404

    posted = api.post("/sources/marketing/records", json=raw).json()
    assert posted["golden_id"] != golden_id and posted["overrides_binding_again"] == [], posted
    run = _run(api, small_sample / "sources.yaml")
    assert run["report"]["overrides_lapsed"] == run["report"]["overrides_binding_again"] == []
    assert _audited(api, "golden.override_binding_again", golden_id) == []


def test_an_override_an_undo_takes_home_to_a_retired_golden_record_lapses(  # type: ignore[no-untyped-def]
    api,
):
    """A phone override on a customer merged into another (it moves to the survivor, applied
    there), the customer's record then deleted, then the merge undone: the undo takes the override
    home to the golden record it retires, where it applies to nothing, and said nothing; the
    record posted back answered that the override applies again, the audit log holding no lapse
    before it. Now the undo audits the lapse, in the steward's name with the decision, and the
    post's binding again follows it."""
    from tests.api.test_records import VY
    from tests.api.test_returning_ids import OTHER

    first = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    second = api.post("/sources/sales/records", json=OTHER).json()["golden_id"]
    loser, record = (second, OTHER) if first < second else (first, VY)  # the survivor: the lower id
    r = api.client.put(f"/golden-records/{loser}/overrides/phone", headers=api.headers("steward"),
                       json={"value": "0912 345 678", "reason": "customer called"})
    assert r.status_code == 200, r.json()
    held = {k: r.json()["override"][k] for k in ("override_id", "golden_id", "attribute")}
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [first, second]}).json()
    assert merged["golden_id"] != loser
    r = api.client.delete(f"/sources/sales/records/{record['crm_id']}", headers=api.headers("writer"))
    assert r.status_code == 200 and r.json()["overrides_lapsed"] == [], r.json()  # applied, at the survivor
    decision_id = merged["decision"]["decision_id"]
    assert api.post(f"/decisions/{decision_id}/undo", who="steward").status_code == 200

    (lapsed,) = _audited(api, "golden.override_lapsed", loser)
    assert (lapsed["actor"], lapsed["detail"]) == (
        "test-steward", {"undo": decision_id, "override_id": held["override_id"], "attribute": "phone"})
    posted = api.post("/sources/sales/records", json=record).json()
    assert posted["golden_id"] == loser and posted["overrides_binding_again"] == [held], posted
    assert len(_audited(api, "golden.override_binding_again", loser)) == 1


def _extract_without(small_sample: Path, tmp_path: Path, source_id: str) -> tuple[Path, list[str]]:
    """A copy of the sample whose marketing extract lacks record ``source_id``'s row: (the
    extract, beside its sources.yaml, and its lines as they were)."""
    sample = tmp_path / "sample"
    shutil.copytree(small_sample, sample)
    extract = sample / "marketing.jsonl"
    lines = extract.read_text(encoding="utf-8").splitlines(keepends=True)
    extract.write_text("".join(line for line in lines if f'"{source_id}"' not in line), encoding="utf-8")
    return extract, lines


def _retired_by_a_run_then_back(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path
) -> tuple[str, dict[str, Any], dict[str, str], Path]:
    """A golden record of one marketing record and its phone override, retired by a run whose
    extract lacks the row (the override said lapsed), the row then back in the extract: (the golden
    id, the record's raw, the override, the sources config)."""
    from tests.api.test_decisions_lapsed import _run as _run_accepting

    golden_id, source_id, phone = _override_on_a_lone_record(api)
    raw = _raw(api, source_id)
    extract, lines = _extract_without(small_sample, tmp_path, source_id)
    gone = _run_accepting(api, extract.parent / "sources.yaml")
    assert gone["report"]["overrides_lapsed"] == [phone]
    extract.write_text("".join(lines), encoding="utf-8")
    return golden_id, raw, phone, extract.parent / "sources.yaml"


def _dry_run(api, sources: Path) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    """The report of a dry run (POST /runs with dry_run; ``mdm reconcile --dry-run`` is the same run)."""
    from tests.api.test_decisions_lapsed import _run as _run_accepting

    return _run_accepting(api, sources, dry_run=True)["report"]  # type: ignore[no-any-return]


def test_a_post_back_while_a_dry_run_computes_previews_no_lapse(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run above as a dry run: its input lacked the deleted record, posted back while it
    computes (the decision binds again). It said the decision would lapse, judged on its input
    alone, though the run publishing marks nothing (it counts the records posted meanwhile). Now
    it says nothing of it either."""
    decision_id = _deleted_then_posted_back_meanwhile(api, monkeypatch)
    preview = _dry_run(api, small_sample / "sources.yaml")
    assert preview["decisions_lapsed"] == preview["decisions_binding_again"] == []  # was lapsed
    assert _decision(api, decision_id)["lapsed_at"] is None
    assert len(_audited(api, "decision.lapsed", decision_id)) == 1  # the deletion's


def test_a_deletion_while_a_dry_run_computes_previews_nothing_binding_again(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """The run of the deletion meanwhile above as a dry run: its input held the record, deleted
    while it computes (the decision lapses). It said the decision would bind again, judged on its
    input alone, though the run publishing says nothing (it takes the record out). Now it says
    nothing of it either, and the lapse stays the deletion's."""
    decision_id, _merged, gone, _kept = _merged_pair(api)
    done = _while_the_run_computes(monkeypatch, lambda: _delete(api, gone))
    preview = _dry_run(api, small_sample / "sources.yaml")
    assert done[0]["decisions_lapsed"] == [decision_id]
    assert preview["decisions_binding_again"] == preview["decisions_lapsed"] == []  # was binding again
    _lapsed_by_the_deletion(api, decision_id, gone)


def _post_back_and_override(  # type: ignore[no-untyped-def]
    api, golden_id: str, raw: dict[str, Any], phone: dict[str, str]
) -> None:
    """The record posted back (the post takes the golden id back and says the phone binds again),
    and a steward's email override set on it."""
    posted = api.post("/sources/marketing/records", json=raw).json()
    assert posted["golden_id"] == golden_id and posted["overrides_binding_again"] == [phone], posted
    r = api.client.put(f"/golden-records/{golden_id}/overrides/email", headers=api.headers("steward"),
                       json={"value": "vy@example.vn", "reason": "customer called"})
    assert r.status_code == 200, r.json()


def test_a_run_restoring_an_id_says_only_lapsed_overrides_bind_again(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """A golden record of one marketing record, its row gone from the extract: a run retires it
    and says its phone override lapsed. While the next run (the row back) computes, the record is
    posted back (the post takes the id back and says the phone binds again) and a steward sets an
    email override on it. The run restores the id too, and said both overrides bind again: the
    phone had since the post, the email never lapsed. Now it says neither."""
    golden_id, raw, phone, sources = _retired_by_a_run_then_back(api, small_sample, tmp_path)
    _while_the_run_computes(monkeypatch, lambda: _post_back_and_override(api, golden_id, raw, phone))
    back = _run(api, sources)
    assert back["report"]["overrides_binding_again"] == []  # were the phone and the email
    assert len(_audited(api, "golden.override_binding_again", golden_id)) == 1  # the post's
    assert api.get(f"/golden-records/{golden_id}").json()["status"] == "active"


def test_a_dry_run_restoring_an_id_previews_only_lapsed_overrides(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """The run above as a dry run (POST /runs with dry_run; ``mdm reconcile --dry-run`` is the same
    run): with the row back, it says the phone override would bind again. While a second dry run
    computes, the record is posted back (the phone binds again) and a steward sets an email
    override: it said both would bind again, though the phone binds already and the email never
    lapsed. Now it says neither, as the run publishing would."""
    golden_id, raw, phone, sources = _retired_by_a_run_then_back(api, small_sample, tmp_path)
    assert _dry_run(api, sources)["overrides_binding_again"] == [phone]
    _while_the_run_computes(monkeypatch, lambda: _post_back_and_override(api, golden_id, raw, phone))
    assert _dry_run(api, sources)["overrides_binding_again"] == []  # were the phone and the email
    assert len(_audited(api, "golden.override_binding_again", golden_id)) == 1  # the post's


def _gone_from_the_extract_and_posted_meanwhile(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch, *, dry_run: bool
) -> tuple[str, dict[str, Any]]:
    """A golden record of one marketing record and its phone override; the extract a run reads no
    longer has the row, and the record is posted (its city moved) while the run computes: the
    run retires the golden record, the replay of the post takes its id back. (the golden id, the
    run's report)."""
    from tests.api.test_decisions_lapsed import _run as _run_accepting

    golden_id, source_id, _held = _override_on_a_lone_record(api)
    raw = {**_raw(api, source_id), "city": "Huế"}
    extract, _lines = _extract_without(small_sample, tmp_path, source_id)
    _while_the_run_computes(monkeypatch, lambda: api.post("/sources/marketing/records", json=raw).json())
    return golden_id, _run_accepting(api, extract.parent / "sources.yaml", dry_run=dry_run)["report"]


def test_an_override_posted_back_as_a_run_retires_it_is_said_nothing(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """The run said the override lapsed (its report and the audit log), and the replay of the post,
    which takes the id back, that it binds again: at one publish, no net change. Now neither says
    anything, as a decision whose record is posted meanwhile is not marked lapsed: the run counts
    what the replay brings back."""
    golden_id, report = _gone_from_the_extract_and_posted_meanwhile(api, small_sample, tmp_path, monkeypatch,
                                                                    dry_run=False)
    assert report["overrides_lapsed"] == report["overrides_binding_again"] == []  # was lapsed
    assert _audited(api, "golden.override_lapsed", golden_id) == []  # was the run's
    assert _audited(api, "golden.override_binding_again", golden_id) == []  # was the replay's
    golden = api.get(f"/golden-records/{golden_id}", who="reader_pii").json()
    assert golden["status"] == "active" and golden["attributes"]["phone"] == "+84912345678"


def test_a_dry_run_previews_nothing_of_an_override_posted_back_meanwhile(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """The run above as a dry run: it said the override would lapse. Now nothing, as the run
    publishing."""
    golden_id, report = _gone_from_the_extract_and_posted_meanwhile(api, small_sample, tmp_path, monkeypatch,
                                                                    dry_run=True)
    assert report["overrides_lapsed"] == report["overrides_binding_again"] == []  # was lapsed
    assert api.get(f"/golden-records/{golden_id}").json()["status"] == "active"

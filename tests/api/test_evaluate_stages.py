"""`mdm evaluate` tells where each missed pair waits, and steward decisions move them."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import duckdb
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.main import create_app
from api.settings import ApiSettings
from mdm.cli import app
from tests.api.conftest import Api

runner = CliRunner()


def _evaluate(db: Path, truth: Path) -> dict:  # type: ignore[type-arg]
    result = runner.invoke(app, ["evaluate", "--db", str(db), "--truth", str(truth), "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def _one_customer_items(api: Api, truth: Path) -> list[dict]:  # type: ignore[type-arg]
    with truth.open(encoding="utf-8") as fh:
        entity = {(r["source"], r["source_id"]): r["entity_id"] for r in csv.DictReader(fh)}
    items = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    return [i for i in items if entity.get((i["left"]["source"], i["left"]["source_id"]))
            == entity.get((i["right"]["source"], i["right"]["source_id"])) is not None]


def test_missed_and_false_pairs_are_told_apart_by_stage(  # type: ignore[no-untyped-def]
    served_db, small_sample
):
    db, made = served_db
    truth = small_sample / "truth.csv"
    before = _evaluate(db, truth)
    missed, false_links = before["false_negatives_by_stage"], before["false_positives_by_stage"]
    assert sum(missed.values()) == before["false_negative_pairs"]
    assert sum(false_links.values()) == before["false_positive_pairs"]
    # After a run every scored pair kept apart waits for a steward: none is left out of the queue.
    assert missed["scored_not_queued"] == 0
    assert missed["queued_held_back"] + missed["queued_uncertain"] > 0

    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, made)
        item = _one_customer_items(api, truth)[0]
        r = api.post(f"/review-queue/{item['item_id']}/decision", who="steward",
                     json={"decision": "not_a_match"})
        assert r.status_code == 200, r.json()
    apart = _evaluate(db, truth)
    # A wrong "not a match" leaves the clusters as they were; its pair now counts as kept apart.
    assert apart["false_negative_pairs"] == before["false_negative_pairs"]
    queued = ("queued_held_back", "queued_uncertain")
    moved = sum(missed[k] for k in queued) - sum(apart["false_negatives_by_stage"][k] for k in queued)
    assert apart["false_negatives_by_stage"]["scored_not_queued"] == moved >= 1
    unscored = "below_review_or_not_compared"
    assert apart["false_negatives_by_stage"][unscored] == missed[unscored]



def test_a_steward_match_takes_its_pairs_off_the_missed(  # type: ignore[no-untyped-def]
    served_db, small_sample
):
    db, made = served_db
    truth = small_sample / "truth.csv"
    before = _evaluate(db, truth)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, made)
        item = _one_customer_items(api, truth)[0]
        r = api.post(f"/review-queue/{item['item_id']}/decision", who="steward", json={"decision": "match"})
        assert r.status_code == 200, r.json()
    joined = _evaluate(db, truth)
    assert joined["false_negative_pairs"] < before["false_negative_pairs"]
    queued = ("queued_held_back", "queued_uncertain")
    assert (sum(joined["false_negatives_by_stage"][k] for k in queued)
            < sum(before["false_negatives_by_stage"][k] for k in queued))
    assert sum(joined["false_negatives_by_stage"].values()) == joined["false_negative_pairs"]


def test_every_wrong_pair_is_written_with_its_stage(  # type: ignore[no-untyped-def]
    reconciled, small_sample, tmp_path
):
    truth, out = small_sample / "truth.csv", tmp_path / "wrong.csv"
    result = runner.invoke(app, ["evaluate", "--db", str(reconciled[0]), "--truth", str(truth), "--json",
                                 "--pairs", str(out)])
    assert result.exit_code == 0, result.output
    m = json.loads(result.output)
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    missed = [r for r in rows if r["error"] == "missed"]
    false = [r for r in rows if r["error"] == "false"]
    assert len(missed) == m["false_negative_pairs"] and len(false) == m["false_positive_pairs"]
    for kind, found in (("false_negatives_by_stage", missed), ("false_positives_by_stage", false)):
        assert {k: v for k, v in m[kind].items() if v} == dict(Counter(r["stage"] for r in found))
    assert all(r["entity_id_l"] == r["entity_id_r"] and r["golden_id_l"] != r["golden_id_r"] for r in missed)
    assert all(r["entity_id_l"] != r["entity_id_r"] and r["golden_id_l"] == r["golden_id_r"] for r in false)
    # a pair scored to link carries its score; one never scored has none
    unscored = ("below_review_or_not_compared", "through_other_records")
    assert all(float(r["match_probability"]) >= 0.6 for r in rows if r["stage"] not in unscored)
    assert all(r["match_probability"] == "" for r in rows if r["stage"] == "below_review_or_not_compared")
    # held back: scored as high as the run's weakest automatic link (a guard or the clustering
    # kept it from linking); uncertain: scored below that
    con = duckdb.connect(str(reconciled[0]), read_only=True)
    sql = "SELECT min(match_probability) FROM pairs WHERE outcome = 'auto_link'"
    (weakest,) = con.execute(sql).fetchone()
    con.close()
    for r in rows:
        if r["stage"].startswith("queued"):
            assert (float(r["match_probability"]) >= weakest) == (r["stage"] == "queued_held_back"), r
    # ... and what held each back, as its review item says: every one of this run's says
    held = Counter(r["held_back_by"] for r in missed if r["stage"] == "queued_held_back")
    assert m["held_back_by"] == dict(held) and "" not in held
    assert sum(held.values()) == m["false_negatives_by_stage"]["queued_held_back"]
    assert all(r["held_back_by"] == "" for r in rows if not r["stage"].startswith("queued"))

    bad = runner.invoke(app, ["evaluate", "--db", str(reconciled[0]), "--truth", str(truth),
                              "--pairs", str(tmp_path / "missing" / "wrong.csv")])
    assert bad.exit_code == 2 and "no such directory" in bad.output


def test_a_pair_held_back_by_a_conflict_is_counted_under_it(  # type: ignore[no-untyped-def]
    served_db, small_sample, tmp_path
):
    """One customer posted from three systems, the sign-up with another birth date than billing's:
    the sign-up's pair with the CRM record scores to link and waits, held back by the birth dates.
    Evaluated against a truth file that knows them, it is counted and written under that reason."""
    db, made = served_db
    posted = [
        ("billing", {"account_no": "B-EV", "account_holder": "Quách Minh Triết", "phone": "0912 345 671",
                     "dob": "12/03/1985", "billing_address": "18 Hàng Bài", "city": "Hà Nội"}),
        ("sales", {"crm_id": "CRM-EV", "first_name": "Minh Triết", "last_name": "Quách",
                   "email": "quachtriet85@gmail.com", "mobile": "0912 345 671", "city": "Hà Nội"}),
        ("marketing", {"subscriber_id": "mk-EV", "name": "Quách Minh Triết",
                       "email": "quachtriet85@gmail.com", "birthday": "1991-07-30", "city": "Hà Nội"}),
    ]
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, made)
        outcomes = [api.post(f"/sources/{source}/records", json=body).json()["outcome"]
                    for source, body in posted]
    assert outcomes == ["new", "matched", "review"]
    truth = tmp_path / "truth.csv"
    extra = "".join(f"{source},{body[next(iter(body))]},E-POSTED\n" for source, body in posted)
    truth.write_text((small_sample / "truth.csv").read_text(encoding="utf-8") + extra, encoding="utf-8")
    out = tmp_path / "wrong.csv"
    result = runner.invoke(app, ["evaluate", "--db", str(db), "--truth", str(truth), "--json",
                                 "--pairs", str(out)])
    assert result.exit_code == 0, result.output
    m = json.loads(result.output)
    assert m["held_back_by"].get("different date_of_birth", 0) >= 1
    with out.open(encoding="utf-8") as fh:
        mine = [r for r in csv.DictReader(fh) if {r["source_id_l"], r["source_id_r"]} == {"mk-EV", "CRM-EV"}]
    assert len(mine) == 1
    assert (mine[0]["stage"], mine[0]["held_back_by"]) == ("queued_held_back", "different date_of_birth")
    printed = runner.invoke(app, ["evaluate", "--db", str(db), "--truth", str(truth)])
    assert "different date_of_birth 1" in " ".join(printed.output.split())


def test_the_breakdown_is_printed(reconciled, small_sample):  # type: ignore[no-untyped-def]
    truth = small_sample / "truth.csv"
    result = runner.invoke(app, ["evaluate", "--db", str(reconciled[0]), "--truth", str(truth)])
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "false negatives:" in text and "scored below review or never compared" in text
    assert "false positives:" in text and "through other records" in text


def test_a_truth_source_the_database_does_not_hold_is_named(  # type: ignore[no-untyped-def]
    reconciled, small_sample, tmp_path
):
    """A truth file whose ids a spreadsheet changed (``000123`` saved as ``123``) or whose source
    is misspelt would be scored on its other sources alone: the figures name such a source."""
    truth = tmp_path / "truth.csv"
    text = (small_sample / "truth.csv").read_text(encoding="utf-8")
    truth.write_text(text.replace("\nsales,", "\nsale,"), encoding="utf-8")
    figures = _evaluate(reconciled[0], truth)
    (absent,) = figures["sources_not_found"]
    assert absent["source"] == "sale" and absent["keys"] == text.count("\nsales,") > 0
    printed = runner.invoke(app, ["evaluate", "--db", str(reconciled[0]), "--truth", str(truth)])
    text = " ".join(printed.output.split())
    assert printed.exit_code == 0 and "warning: none of the truth file's" in text and "source 'sale'" in text
    assert _evaluate(reconciled[0], small_sample / "truth.csv")["sources_not_found"] == []

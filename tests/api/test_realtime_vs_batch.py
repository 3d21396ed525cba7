"""Real-time decisions agree with what a batch run decides for the same records."""

from __future__ import annotations

import csv
import json
import math
import shutil

import pytest
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from matching_rules import load_rules
from mdm.pipeline import reconcile
from mdm.sources import load_sources
from mdm.store import database
from tests.api.conftest import Api, make_keys
from tests.conftest import TODAY

HELD_OUT = 80


def _split_sales(sample, out):  # type: ignore[no-untyped-def]
    """Copy the sample with the last sales rows held out; returns those rows."""
    shutil.copytree(sample, out)
    lines = (sample / "sales.csv").read_text(encoding="utf-8").splitlines(keepends=True)
    header, keep, held = lines[0], lines[1:-HELD_OUT], lines[-HELD_OUT:]
    (out / "sales.csv").write_text(header + "".join(keep), encoding="utf-8")
    rows = csv.DictReader([header, *held])
    # Well-formed rows with a key: the broken ones are the batch's quarantine's business.
    return [r for r in rows if None not in r and None not in r.values() and (r["crm_id"] or "").strip()]


def test_realtime_outcomes_agree_with_a_batch_run(small_sample, tmp_path):  # type: ignore[no-untyped-def]
    base = tmp_path / "base"
    held = _split_sales(small_sample, base)
    db = tmp_path / "rt.duckdb"
    reconcile(base / "sources.yaml", db, today=TODAY)
    made = make_keys(db)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        body = client.post(
            "/sources/sales/records:batch", json={"records": held},
            headers={"Authorization": f"Bearer {made['writer']}"},
        ).json()
    assert body["errors"] == 0
    realtime = {d["result"]["source_id"]: d["result"] for d in body["data"]}
    outcomes = {r["outcome"] for r in realtime.values()}
    assert "matched" in outcomes and outcomes & {"new", "review"}  # both kinds of decision were exercised

    # Members each real-time match joined, before the batch rebuilds everything.
    con = database.connect(db, read_only=True)
    try:
        joined = {
            sid: {k for (k,) in con.execute(
                "SELECT record_key FROM xref WHERE golden_id = ? AND record_key <> ?",
                [r["golden_id"], f"sales:{sid}"]).fetchall()}
            for sid, r in realtime.items()
        }
    finally:
        con.close()

    # The batch over the full data, with the same model (the posts are part of its input).
    reconcile(small_sample / "sources.yaml", db, today=TODAY)
    con = database.connect(db, read_only=True)
    try:
        golden_of = dict(con.execute("SELECT record_key, golden_id FROM xref").fetchall())
    finally:
        con.close()
    held_keys = {f"sales:{sid}" for sid in realtime}
    agree, auto_link = 0, load_rules().matching.thresholds.auto_link
    for sid, r in realtime.items():
        key = f"sales:{sid}"
        batch_mates = {k for k, g in golden_of.items() if g == golden_of[key] and k != key and k not in held_keys}
        if r["outcome"] == "matched":
            agree += bool(batch_mates & joined[sid])
        else:
            agree += not (batch_mates & {k for c in r["candidates"] if c["match_probability"] >= auto_link
                                         for k in [f"{c['source']}:{c['source_id']}"]})
    assert agree / len(realtime) >= 0.95, f"{agree} of {len(realtime)} agree"


def _name_weight(api: Api, source: str, values: dict, holder: str) -> float:
    """The name comparison's weight between a posted record and the stored ``holder``."""
    body = api.post(f"/sources/{source}/records", json=values).json()
    found = [c for c in body["candidates"] if f"{c['source']}:{c['source_id']}" == holder]
    assert found, f"{holder} is not among the post's candidates"
    return found[0]["explanation"]["name"]["match_weight"]


def test_a_posted_name_counts_among_its_holders(served_db, small_sample):  # type: ignore[no-untyped-def]
    # A name two records of the run hold: its frequency is (2 - 1) / N times the share of other
    # people among its holders. A post of it makes three holders and a second post four, as a
    # batch run over them would count: (3 - 1) / N, then (4 - 1) / N, each a weaker name. Read
    # as the run left it, each post met the holder at the run's two holders' odds.
    db, made = served_db
    con = database.connect(db, read_only=True)
    try:
        name_key, holder, raw = con.execute(
            "SELECT s.name_key, min(s.record_key), arg_min(r.raw, s.record_key)"
            " FROM std_records s JOIN source_records r USING (record_key) WHERE s.name_key IS NOT NULL"
            " GROUP BY s.name_key HAVING count(*) = 2 ORDER BY s.name_key LIMIT 1").fetchone()
        frequency = con.execute("SELECT frequency FROM term_frequencies WHERE column_name = 'name_key'"
                                " AND value = ?", [name_key]).fetchone()[0]
    finally:
        con.close()
    source = holder.split(":", 1)[0]
    id_column = next(spec.id_column for spec in load_sources(small_sample / "sources.yaml").sources
                     if spec.name == source)
    values = json.loads(raw)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, made)
        posts = [{**values, id_column: f"{values[id_column]}-{i}"} for i in (1, 2)]
        weights = [_name_weight(api, source, post, holder) for post in posts]
        # The second post again, changed elsewhere: its name is counted once, not twice.
        again = _name_weight(api, source, {**posts[1], "note": "moved"}, holder)
    assert frequency > 0
    assert weights[0] - weights[1] == pytest.approx(math.log2(3 / 2), abs=1e-5)
    assert again == pytest.approx(weights[1], abs=1e-5)


def _newcomer(i: int) -> dict[str, str]:
    """A marketing customer of a name the run never saw, the i-th: its own e-mail and phone."""
    return {"subscriber_id": f"NEW{i}", "name": "Zorbek Quillfeather", "city": "Hà Nội",
            "email": f"zq{i}x{i * 7}@example.org", "phone": f"09{12345670 + i * 7919:08d}"}


def test_a_name_first_posted_since_the_run_weighs_as_the_next_run_does(  # type: ignore[no-untyped-def]
    api: Api, small_sample
) -> None:
    """Thirty customers of a name the run never saw are posted, then a namesake: each post read no
    frequency for the name, and scored the name as if no commoner than the average one (11.1 bits,
    where the next run gave it 4.4). Now it is weighed as the run weighed a name as many held."""
    customer = _newcomer

    def name_weight() -> float:
        preview = api.post("/sources/marketing/records:match", json=customer(99)).json()
        return preview["candidates"][0]["explanation"]["name"]["match_weight"]

    for i in range(30):
        assert api.post("/sources/marketing/records", json=customer(i)).status_code == 200
    posted = name_weight()
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    assert started.status_code == 202, started.json()
    api.client.app.state.service._run_thread.join(timeout=300)
    assert api.get(f"/runs/{started.json()['run_id']}").json()["status"] == "succeeded"
    assert posted == pytest.approx(name_weight(), abs=1.0)


def test_similar_and_links_weigh_a_name_as_a_post_does(api: Api) -> None:  # type: ignore[no-untyped-def]
    """A post weighs a name counting the records posted since the run among its holders; the
    similar golden records and a golden record's links scored the same pairs with the run's
    frequencies alone, which hold none for a name first posted since: its namesakes' pair scored
    some bits above what the post that made it was told."""

    def preview(record: dict[str, str]) -> dict:  # type: ignore[type-arg]
        return api.post("/sources/marketing/records:match", json=record).json()["candidates"][0]

    def name_weight(pair: dict) -> float:  # type: ignore[type-arg]
        return pair["explanation"]["name"]["match_weight"]

    for i in range(5):
        assert api.post("/sources/marketing/records", json=_newcomer(i)).status_code == 200
    same = {**_newcomer(0), "subscriber_id": "NEW50"}  # the first one's second record
    told = preview(same)
    joined = api.post("/sources/marketing/records", json=same).json()
    assert joined["outcome"] == "matched" and told["source_id"] == "NEW0"
    (link,) = api.get(f"/golden-records/{joined['golden_id']}/links").json()["data"]
    assert name_weight(link) == pytest.approx(name_weight(told), abs=1e-6)

    told = preview(_newcomer(99))
    posted = api.post("/sources/marketing/records", json=_newcomer(99)).json()
    assert posted["golden_id"] != told["golden_id"]
    found = api.get(f"/golden-records/{posted['golden_id']}/similar", who="steward",
                    params={"min_probability": 0}).json()["data"]
    (entry,) = [f for f in found if f["golden_id"] == told["golden_id"]]
    assert entry["other"] == {"source": "marketing", "source_id": told["source_id"]}
    assert name_weight(entry) == pytest.approx(name_weight(told), abs=1e-6)

"""Erasing a customer: their values leave every table, the feed says so, later runs keep them out."""

from __future__ import annotations

from mdm.ingest import WITHHELD
from tests.api.test_changes import _walk
from tests.api.test_records import VY, VY_MARKETING
from tests.conftest import BY_FIRST_MEMBER

EMAIL = VY["email"]  # held by this customer only
PHONE = "+84389111222"


def _tables_holding(api, needle: str) -> list[str]:  # type: ignore[no-untyped-def]
    """Every table.column of the database whose text holds ``needle`` (any case)."""
    con = api.client.app.state.service.reader()
    found = []
    columns = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    for table, column in columns:
        (n,) = con.execute(
            f'SELECT count(*) FROM "{table}" WHERE lower(CAST("{column}" AS VARCHAR)) LIKE ?',
            [f"%{needle.lower()}%"],
        ).fetchone()
        if n:
            found.append(f"{table}.{column}")
    return found


def _file_golden_with_members(api, n):  # type: ignore[no-untyped-def]
    return api.client.app.state.service.reader().execute(
        "SELECT golden_id FROM golden_records WHERE status = 'active' AND record_count = ?"
        f" ORDER BY {BY_FIRST_MEMBER} LIMIT 1",
        [n],
    ).fetchone()[0]


def _golden_with_a_quarantined_duplicate(api):  # type: ignore[no-untyped-def]
    """A golden record one of whose keys also has a row quarantined as a repeated id."""
    return api.client.app.state.service.reader().execute(
        "SELECT x.golden_id, q.source, q.source_id FROM quarantine q JOIN xref x USING (source, source_id)"
        " WHERE q.reason LIKE 'duplicate id%' ORDER BY 2, 3 LIMIT 1"
    ).fetchone()


def test_an_erased_customer_leaves_no_value_behind(api, small_sample):  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == gid
    other, dup_source, dup_id = _golden_with_a_quarantined_duplicate(api)
    quarantined = "SELECT reason, raw FROM quarantine WHERE source = ? AND source_id = ?"
    service = api.client.app.state.service
    assert service.reader().execute(quarantined, [dup_source, dup_id]).fetchall()
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [gid, other]}).json()
    survivor = merged["golden_id"]
    absorbed = other if survivor == gid else gid
    record = api.get(f"/golden-records/{survivor}").json()
    members = [(m["source"], m["source_id"]) for m in record["members"]]
    assert len(members) >= 3 and (dup_source, dup_id) in members
    assert _tables_holding(api, EMAIL) and _tables_holding(api, PHONE)
    _, cursor = _walk(api, limit=500)

    r = api.post(f"/golden-records/{survivor}/erase", who="admin", json={"reason": "request DSR-1"})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["golden_id"] == survivor and set(body["golden_ids"]) == {survivor, absorbed}
    assert sorted((k["source"], k["source_id"]) for k in body["records"]) == sorted(members)

    # Nothing serves them, and no table holds their e-mail or phone: not the history, not the
    # retired record merged into theirs, not the pairs or the term frequencies.
    for g in (survivor, absorbed):
        assert api.get(f"/golden-records/{g}").status_code == 404
    for source, source_id in members:
        assert api.get(f"/xref/{source}/{source_id}").status_code == 404
    assert _tables_holding(api, EMAIL) == []
    assert _tables_holding(api, PHONE) == []
    assert service.reader().execute(quarantined, [dup_source, dup_id]).fetchall() == []
    history = api.get(f"/golden-records/{survivor}/history", who="reader_pii").json()["data"]
    assert history[-1]["change"] == "erased"
    assert all(h["before"] is None and h["after"] is None for h in history)
    # The feed tells downstream systems to drop both; the audit log says who, why and which keys.
    entries, _ = _walk(api, after=cursor)
    assert {(e["golden_id"], e["change"], e["cause"]) for e in entries} == {
        (survivor, "erased", "erasure"), (absorbed, "erased", "erasure")}
    assert all(e["golden_record"] is None for e in entries)
    audit = api.get("/audit", who="admin", params={"target": survivor}).json()["data"][0]
    assert audit["action"] == "golden.erase" and audit["detail"]["reason"] == "request DSR-1"
    assert audit["detail"]["erasure_id"] == body["erasure_id"]

    # The real-time state forgot them: the same customer signing up again is new.
    again = api.post("/sources/sales/records", json=VY).json()
    assert again["outcome"] == "new" and again["golden_id"] not in (survivor, absorbed)
    # A batch run leaves their file rows out (the sources still send them) until posted again;
    # a repeated key's row is still counted as quarantined, without its values.
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")}).json()
    service._run_thread.join()
    run = api.get(f"/runs/{started['run_id']}").json()
    assert run["status"] == "succeeded"
    assert sum(c["deleted"] for c in run["counts"]["sources"].values()) >= 2
    for source, source_id in members:
        expected = 200 if (source, source_id) == ("sales", "RT-1") else 404
        assert api.get(f"/xref/{source}/{source_id}").status_code == expected
    rows = service.reader().execute(quarantined, [dup_source, dup_id]).fetchall()
    assert rows and all(raw is None and reason.endswith(WITHHELD) for reason, raw in rows)


def test_a_record_once_in_another_golden_record_leaves_its_history_too(api):  # type: ignore[no-untyped-def]
    """A record of the customer joined another golden record, then a steward split it off: erasing
    the customer takes its values (those no one else holds) out of that golden record's history."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    second = {**VY_MARKETING, "phone": "+84 389 777 888", "birthday": "12/03/1991"}
    assert api.post("/sources/marketing/records", json=second).json()["golden_id"] == gid
    split = api.post(f"/golden-records/{gid}/split", who="steward",
                     json={"source": "marketing", "source_id": VY_MARKETING["subscriber_id"]})
    customer = split.json()["golden_id"]
    history = api.get(f"/golden-records/{gid}/history", who="reader_pii").text
    assert "+84389777888" in history and "1991-03-12" in history

    erased = api.post(f"/golden-records/{customer}/erase", who="admin", json={"reason": "DSR-3"})
    assert erased.status_code == 200, erased.json()
    assert _tables_holding(api, "+84389777888") == []
    history = api.get(f"/golden-records/{gid}/history", who="reader_pii").json()["data"]
    assert history[-1]["after"]["all_emails"] == [EMAIL]  # the sales record's, kept: it is not erased
    assert all("1991-03-12" not in str(h) for h in history)


def test_a_second_number_leaves_another_golden_record_s_history(api):  # type: ignore[no-untyped-def]
    """all_phones shows the second number of a field holding two: erasing the customer takes it
    out of the history of a golden record their record was once in, as it takes the first."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    second = {**VY_MARKETING, "phone": "+84 389 777 888; 028 3822 9876", "birthday": "12/03/1991"}
    assert api.post("/sources/marketing/records", json=second).json()["golden_id"] == gid
    assert "+842838229876" in api.get(f"/golden-records/{gid}/history", who="reader_pii").text
    split = api.post(f"/golden-records/{gid}/split", who="steward",
                     json={"source": "marketing", "source_id": VY_MARKETING["subscriber_id"]})
    customer = split.json()["golden_id"]
    erased = api.post(f"/golden-records/{customer}/erase", who="admin", json={"reason": "DSR-4"})
    assert erased.status_code == 200, erased.json()
    assert _tables_holding(api, "+842838229876") == []
    assert _tables_holding(api, "+84389777888") == []


def test_a_customer_whose_records_all_left_is_erased_too(api):  # type: ignore[no-untyped-def]
    """An account closed in every system leaves a retired golden record holding its last values
    and history: erasure is asked for most then, and was a 409."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == gid
    for source, key in (("sales", VY["crm_id"]), ("marketing", VY_MARKETING["subscriber_id"])):
        deleted = api.client.delete(f"/sources/{source}/records/{key}", headers=api.headers("writer"))
        assert deleted.status_code == 200
    assert api.get(f"/golden-records/{gid}").json()["status"] == "retired"
    assert _tables_holding(api, EMAIL) and _tables_holding(api, PHONE)  # its last values, its history

    r = api.post(f"/golden-records/{gid}/erase", who="admin", json={"reason": "request DSR-9"})
    assert r.status_code == 200, r.json()
    assert sorted((k["source"], k["source_id"]) for k in r.json()["records"]) == [
        ("marketing", VY_MARKETING["subscriber_id"]), ("sales", VY["crm_id"])]
    assert api.get(f"/golden-records/{gid}").status_code == 404
    assert _tables_holding(api, EMAIL) == [] and _tables_holding(api, PHONE) == []
    history = api.get(f"/golden-records/{gid}/history", who="reader_pii").json()["data"]
    assert history[-1]["change"] == "erased"
    assert all(h["before"] is None and h["after"] is None for h in history)
    again = api.post("/sources/sales/records", json=VY).json()  # posted again: a customer anew
    assert again["outcome"] == "new" and again["golden_id"] != gid


def test_erasure_refuses_what_it_cannot_do(api):  # type: ignore[no-untyped-def]
    a, b = (_file_golden_with_members(api, n) for n in (2, 3))
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [a, b]}).json()
    survivor = merged["golden_id"]
    gone = b if survivor == a else a
    retired = api.post(f"/golden-records/{gone}/erase", who="admin", json={"reason": "x"})
    assert retired.status_code == 409 and survivor in retired.json()["detail"]
    assert api.post("/golden-records/GNOPE/erase", who="admin", json={"reason": "x"}).status_code == 404
    for body, field in (({}, "reason"), ({"reason": ""}, "reason"), ({"reason": "x", "why": 1}, "why")):
        r = api.post(f"/golden-records/{survivor}/erase", who="admin", json=body)
        assert r.status_code == 422 and field in str(r.json()), r.json()
    for who in ("reader", "writer", "steward"):
        assert api.post(f"/golden-records/{survivor}/erase", who=who, json={"reason": "x"}).status_code == 403
    assert api.get(f"/golden-records/{survivor}").status_code == 200  # nothing was erased


def test_mdm_erase_does_the_same_with_the_server_stopped(served_db):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from mdm.cli import app
    from mdm.store import database

    db, _keys = served_db
    con = database.connect(db, read_only=True)
    try:
        gid, = con.execute("SELECT golden_id FROM golden_records WHERE status = 'active' AND record_count = 2"
                           f" ORDER BY {BY_FIRST_MEMBER} LIMIT 1").fetchone()
        members = con.execute("SELECT source, source_id FROM xref WHERE golden_id = ?", [gid]).fetchall()
    finally:
        con.close()
    runner = CliRunner()
    done = runner.invoke(app, ["erase", "--db", str(db), "--golden-id", gid, "--reason", "request DSR-2"])
    assert done.exit_code == 0, done.output
    assert f"erased {gid}" in done.output and "2 records" in done.output
    erase = ["erase", "--db", str(db), "--golden-id", gid, "--reason"]
    assert runner.invoke(app, [*erase, "again"]).exit_code == 1  # gone already
    assert runner.invoke(app, [*erase, " "]).exit_code == 2
    con = database.connect(db, read_only=True)
    try:
        golden = con.execute("SELECT count(*) FROM golden_records WHERE golden_id = ?", [gid]).fetchone()
        assert golden == (0,)
        for source, source_id in members:
            assert con.execute("SELECT count(*) FROM std_records WHERE source = ? AND source_id = ?",
                               [source, source_id]).fetchone() == (0,)
        assert con.execute("SELECT actor, action FROM audit_log WHERE target = ?", [gid]).fetchall() == [
            ("cli", "golden.erase")]
    finally:
        con.close()


def test_a_run_that_read_its_input_before_an_erasure_leaves_it_out(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """Its results hold the erased customers' records (one posted, one from the files): its
    publish takes them out again, and the run succeeds (mdm/late_erasures.py)."""
    from mdm import pipeline

    service = api.client.app.state.service
    posted_gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == posted_gid
    file_gid = _file_golden_with_members(api, 2)
    file_members = service.reader().execute(
        "SELECT source, source_id FROM xref WHERE golden_id = ? ORDER BY 1, 2", [file_gid]).fetchall()
    keep_source, keep_id, keep_gid = service.reader().execute(
        "SELECT source, source_id, golden_id FROM xref WHERE NOT list_contains(?, golden_id)"
        " ORDER BY 1, 2 LIMIT 1",
        [[posted_gid, file_gid]],
    ).fetchone()
    _, cursor = _walk(api, limit=500)
    merge = pipeline.merge_posted
    erasures = []

    def merge_then_erase(*args, **kw):  # type: ignore[no-untyped-def]
        out = merge(*args, **kw)  # the run has read its input: now the customers are erased
        for gid in (posted_gid, file_gid):
            erasures.append(service.erase(gid, actor="test-admin", reason="request DSR-3").erasure_id)
        return out

    monkeypatch.setattr(pipeline, "merge_posted", merge_then_erase)
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")}).json()
    service._run_thread.join()
    run = api.get(f"/runs/{started['run_id']}").json()
    assert run["status"] == "succeeded", run["error"]
    assert run["report"]["late_erasures"] == sorted(erasures)
    for gid in (posted_gid, file_gid):
        assert api.get(f"/golden-records/{gid}").status_code == 404
    for source, source_id in [("sales", "RT-1"), ("marketing", "mk_rt1"), *file_members]:
        assert api.get(f"/xref/{source}/{source_id}").status_code == 404
    assert _tables_holding(api, EMAIL) == []
    assert _tables_holding(api, PHONE) == []
    assert api.get(f"/xref/{keep_source}/{keep_id}").json()["golden_id"] == keep_gid
    # The feed's last word on each is ``erased``: the run's publish sent no other.
    entries, _ = _walk(api, after=cursor)
    last = {e["golden_id"]: e["change"] for e in entries}
    assert last[posted_gid] == last[file_gid] == "erased"
    # The real-time state forgot them too: the customer signing up again is new.
    again = api.post("/sources/sales/records", json=VY).json()
    assert again["outcome"] == "new" and again["golden_id"] != posted_gid


def test_an_erasure_waits_for_no_model(served_db, tmp_path):  # type: ignore[no-untyped-def]
    """Rules changed since the model was trained: real-time matching waits for the next run, an
    erasure, owed now, does not. It was refused (503) until a batch run had retrained."""
    from fastapi.testclient import TestClient

    from api.main import create_app
    from api.settings import ApiSettings
    from matching_rules import DEFAULT_RULES
    from tests.conftest import assert_holds_together

    db, keys = served_db
    rules = tmp_path / "rules.yaml"
    rules.write_text(DEFAULT_RULES.read_text(encoding="utf-8").replace(
        "      thresholds: [0.9]\n", "      thresholds: [0.88]\n", 1), encoding="utf-8")
    admin, reader = ({"Authorization": f"Bearer {keys[k]}"} for k in ("admin", "reader_pii"))
    with TestClient(create_app(ApiSettings(db_path=db, rules_path=rules))) as client:
        assert client.get("/ready").status_code == 503
        con = client.app.state.service.reader()
        gid, email = con.execute(  # a customer of one record, with an e-mail no one else has
            "SELECT x.golden_id, s.email_key FROM std_records s JOIN xref x USING (record_key)"
            " JOIN golden_records g USING (golden_id) WHERE g.record_count = 1 AND s.email_key IN"
            " (SELECT email_key FROM std_records GROUP BY 1 HAVING count(*) = 1) ORDER BY 1 LIMIT 1"
        ).fetchone()
        record = client.get(f"/golden-records/{gid}", headers=reader).json()
        held = "SELECT count(*) FROM term_frequencies WHERE value = ?"
        assert con.execute(held, [email]).fetchone()[0] > 0

        gone = client.post(f"/golden-records/{gid}/erase", headers=admin, json={"reason": "DSR-3"})
        assert gone.status_code == 200, gone.text
        assert client.get(f"/golden-records/{gid}", headers=reader).status_code == 404
        for member in record["members"]:
            xref = f"/xref/{member['source']}/{member['source_id']}"
            assert client.get(xref, headers=reader).status_code == 404
        assert con.execute(held, [email]).fetchone() == (0,)
    assert_holds_together(db)

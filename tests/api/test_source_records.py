"""A source record as the service holds it: raw columns, standardised values and flags, golden id."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from tests.api.test_records import VY


def test_a_file_record_shows_what_standardisation_made_of_it(api):  # type: ignore[no-untyped-def]
    con = api.client.app.state.service.reader()
    source_id, golden_id, raw, flags = con.execute(
        "SELECT s.source_id, x.golden_id, CAST(r.raw AS VARCHAR), s.dq_flags FROM std_records s"
        " JOIN xref x USING (record_key) JOIN source_records r USING (record_key)"
        " WHERE s.source = 'sales' AND list_contains(s.dq_flags, 'phone_old_vn_prefix_converted')"
        " AND s.email IS NOT NULL ORDER BY 1 LIMIT 1"
    ).fetchone()
    full = api.get(f"/sources/sales/records/{source_id}", who="reader_pii").json()
    assert (full["golden_id"], full["raw"], full["posted_at"]) == (golden_id, json.loads(raw), None)
    assert full["standardised"]["dq_flags"] == list(flags)
    assert full["standardised"]["phone"].startswith("+84")  # the old 11-digit mobile, renumbered
    masked = api.get(f"/sources/sales/records/{source_id}").json()
    assert masked["raw"]["mobile"] != full["raw"]["mobile"] and "***" in masked["raw"]["mobile"]
    assert masked["standardised"]["email"].split("@")[0].endswith("***")
    assert full["raw"]["email"] not in json.dumps(masked)
    assert masked["raw"]["first_name"] == full["raw"]["first_name"]  # only e-mails and phones are masked


def test_a_repeated_ids_other_rows_are_listed(api):  # type: ignore[no-untyped-def]
    con = api.client.app.state.service.reader()
    source, source_id, reason = con.execute(
        "SELECT source, source_id, reason FROM quarantine WHERE reason LIKE 'duplicate id%'"
        " ORDER BY 1, 2 LIMIT 1"
    ).fetchone()
    held = api.get(f"/sources/{source}/records/{source_id}").json()
    assert [q["reason"] for q in held["quarantined"]] == [reason]


def test_posted_then_deleted(api):  # type: ignore[no-untyped-def]
    api.post("/sources/sales/records", json=VY)
    posted = api.get("/sources/sales/records/RT-1", who="reader_pii").json()
    assert posted["raw"] == VY and posted["posted_by"] == "test-writer" and posted["posted_at"]
    assert posted["standardised"]["full_name"] == "Lương Thảo Vy"
    assert api.client.delete("/sources/sales/records/RT-1", headers=api.headers("writer")).status_code == 200
    gone = api.get("/sources/sales/records/RT-1")
    assert gone.status_code == 404 and "deleted it through the API (test-writer" in gone.json()["detail"]
    assert api.get("/sources/sales/records/NOPE").json()["detail"] == "source record 'sales/NOPE' not found"
    assert api.get("/sources/nope/records/RT-1").status_code == 404


def test_a_reader_without_pii_sees_no_address_or_phone_in_the_raw_columns(  # type: ignore[no-untyped-def]
    served_db, small_sample, tmp_path
):
    """Every address in a column holding several, and the values inside a nested object's JSON
    (``contact`` holds what ``contact.email`` names), are masked like the mapped column itself."""
    db, made = served_db
    config = (small_sample / "sources.yaml").read_text(encoding="utf-8")
    nested = "      email: contact.email\n      phone: contact.phone\n"
    config = config.replace("path: ", f"path: {small_sample}/").replace(
        "      email: email\n      phone: phone\n", nested)
    assert "contact.email" in config
    (tmp_path / "sources.yaml").write_text(config, encoding="utf-8")
    record = {"subscriber_id": "mk_mask1", "name": "Lương Thảo Vy", "birthday": "12/03/1991",
              "contact": {"email": ["vy.luong.home@example.vn", "vy.private@example.org"],
                          "phone": "0389 111 222", "city": "Đà Nẵng"}}
    settings = ApiSettings(db_path=db, sources_path=tmp_path / "sources.yaml")
    with TestClient(create_app(settings)) as client:
        posted = client.post("/sources/marketing/records", json=record, headers={"X-API-Key": made["writer"]})
        assert posted.status_code == 200, posted.json()
        full = client.get("/sources/marketing/records/mk_mask1", headers={"X-API-Key": made["reader_pii"]})
        seen = client.get("/sources/marketing/records/mk_mask1", headers={"X-API-Key": made["reader"]})
    assert "vy.private@example.org" in full.text and "389 111 222" in full.text
    raw = seen.json()["raw"]
    for value in ("vy.luong.home", "vy.private", "389 111", "0389"):
        assert value not in seen.text, (value, raw)
    assert json.loads(raw["contact"]) == {"email": ["v***@example.vn", "v***@example.org"],
                                          "phone": "*** *** 222", "city": "Đà Nẵng"}
    assert raw["contact.email"] == '["v***@example.vn", "v***@example.org"]'

"""A steward's value is searched for as a source's is: each criterion may be met by a golden
record's source records or by its overrides in force; a value a steward withdrew is not."""

from __future__ import annotations

import duckdb
from fastapi.testclient import TestClient

from api.main import create_app
from api.settings import ApiSettings
from tests.api.conftest import Api
from tests.api.test_overrides import _delete, _golden, _put, _record


def _found(api, who="reader", **params):  # type: ignore[no-untyped-def]
    page = api.get("/golden-records", params=params, who=who)
    assert page.status_code == 200, page.json()
    return [hit["golden_record"]["golden_id"] for hit in page.json()["data"]]


def test_a_value_only_an_override_holds_is_found_by_every_search(api):  # type: ignore[no-untyped-def]
    gid = _golden(api, 2)
    held = _record(api, gid)["attributes"]
    values = {"phone": ("0912 345 678", "+84912345678"), "email": ("Zeb.Quarter@Quartermaine.VN", None),
              "full_name": ("Zebulon Quartermaine", None), "tax_id": ("0312345678", None),
              "city": ("Đà Lạt", None), "address": ("77 Đường Yersin", None)}
    for attribute, (value, _e164) in values.items():
        assert _put(api, gid, attribute, {"value": value, "reason": "customer called"}).status_code == 200
    searches = [{"phone": "+84 912 345 678"}, {"phone": "0912 345"}, {"email": "zeb.quarter@quartermaine.vn"},
                {"email": "zeb.q"}, {"name": "quartermaine zebulon"}, {"tax_id": "031-234-5678"},
                {"name": "Zebulon Quartermaine", "city": "da lat"}, {"address": "77 yersin"}]
    for params in searches:
        assert _found(api, who="reader_pii", **params) == [gid], params
    # Criteria met some by a source record, some by an override: the golden record holds both.
    source_email = held["email"]
    assert source_email and _found(api, phone="0912345678", email=source_email) == [gid]
    assert _found(api, phone="0912345678", name=held["full_name"]) == [gid]
    assert _found(api, phone="0912345678", email="nobody.at.all.123@shop.vn") == []
    # The steward search page finds it too.
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    page = api.client.get("/steward/search", params={"phone": "0912345678"})
    assert page.status_code == 200 and f'value="{gid}"' in page.text


def test_outvoted_values_are_found_and_ones_a_steward_withdrew_are_not(api):  # type: ignore[no-untyped-def]
    gid = _golden(api, 2)
    source_phone = _record(api, gid)["attributes"]["phone"]
    assert source_phone is not None
    assert _put(api, gid, "phone", {"value": "0912 345 678", "reason": "customer called"}).status_code == 200
    # The source systems still hold their number (all_phones lists it): a caller from one finds the customer.
    assert gid in _found(api, phone=source_phone)
    # Replaced by another, the steward's first value is no one's any more.
    assert _put(api, gid, "phone", {"value": "0913 000 111", "reason": "typo"}).status_code == 200
    assert _found(api, phone="0912345678") == []
    assert _found(api, phone="0913000111") == [gid]
    assert _delete(api, gid, "phone").status_code == 200
    assert _found(api, phone="0913000111") == []
    # Set to no value, the sources' numbers are still the customer's.
    assert _put(api, gid, "phone", {"value": None, "reason": "disconnected"}).status_code == 200
    assert gid in _found(api, phone=source_phone)


def test_an_override_merged_away_is_found_on_its_survivor(api):  # type: ignore[no-untyped-def]
    gid, other = _golden(api, 1), _golden(api, 1, skip=1)
    assert _put(api, gid, "phone", {"value": "0912 345 678", "reason": "customer called"}).status_code == 200
    merged = api.post("/golden-records/merge", who="steward",
                      json={"golden_ids": [other, gid], "comment": "same customer"})
    assert merged.status_code == 200, merged.json()
    survivor = merged.json()["golden_id"]
    assert _found(api, phone="0912345678") == [survivor]


def test_an_override_set_before_search_keys_is_keyed_at_the_next_start(  # type: ignore[no-untyped-def]
    api, served_db
):
    gid = _golden(api, 2)
    set_ = _put(api, gid, "full_name", {"value": "Zebulon Quartermaine", "reason": "id card"})
    assert set_.status_code == 200
    api.client.__exit__(None, None, None)  # the service stopped, its database as schema 25 left it
    con = duckdb.connect(str(served_db[0]))
    con.execute("UPDATE golden_overrides SET search_key = NULL")
    con.close()
    with TestClient(create_app(ApiSettings(db_path=served_db[0]))) as client:
        again = Api(client, served_db[0], served_db[1])
        assert _found(again, name="quartermaine zebulon") == [gid]


def test_criteria_met_by_two_records_of_one_golden_record_find_it(api):  # type: ignore[no-untyped-def]
    # One record holds the phone, another the e-mail: the golden record holds both, and lists both.
    # Before, one source record had to hold every id-like criterion searched for.
    phone, email, gid = api.client.app.state.service.reader().execute(
        "SELECT a.phone, b.email_key, xa.golden_id FROM std_records a JOIN xref xa USING (record_key)"
        " JOIN xref xb ON xb.golden_id = xa.golden_id AND xb.record_key <> xa.record_key"
        " JOIN std_records b ON b.record_key = xb.record_key"
        " WHERE a.phone_valid AND b.email_valid AND a.email_key IS NULL AND b.phone IS NULL"
        " ORDER BY a.record_key LIMIT 1").fetchone()
    assert _found(api, phone=phone, email=email) == [gid]

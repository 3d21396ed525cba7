"""Lookups by golden id and source key, and search."""

from __future__ import annotations

import unicodedata

import pytest

from mdm.standardise.phones import _OLD_VN_MOBILE


def _service_rows(api, sql, params=()):  # type: ignore[no-untyped-def]
    return api.client.app.state.service.reader().execute(sql, list(params)).fetchall()


def test_xref_returns_the_golden_record_holding_the_key(api):  # type: ignore[no-untyped-def]
    source, source_id, gid = _service_rows(api, "SELECT source, source_id, golden_id FROM xref ORDER BY 1, 2 LIMIT 1")[0]
    r = api.get(f"/xref/{source}/{source_id}")
    assert r.status_code == 200
    body = r.json()
    assert body["golden_id"] == gid == body["golden_record"]["golden_id"]
    assert (source, source_id) in {(m["source"], m["source_id"]) for m in body["golden_record"]["members"]}


def test_many_source_keys_are_resolved_in_one_call(api):  # type: ignore[no-untyped-def]
    rows = _service_rows(api, "SELECT source, source_id, golden_id FROM xref ORDER BY golden_id, 1, 2"
                              " LIMIT 300")
    keys = [{"source": s, "source_id": i} for s, i, _g in rows]
    keys.insert(7, {"source": "sales", "source_id": "NOPE-1"})  # unknown keys answer null, in place
    r = api.post("/xref:lookup", who="reader", json={"keys": keys})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert body["count"] == 301 and body["found"] == 300
    asked = [(k["source"], k["source_id"]) for k in keys]
    assert [(d["source"], d["source_id"]) for d in body["data"]] == asked
    expected = [g for _s, _i, g in rows]
    expected.insert(7, None)
    assert [d["golden_id"] for d in body["data"]] == expected
    assert all("golden_record" not in d for d in body["data"])
    # With the golden records, each as a lookup by key serves it (masked for this reader).
    some = keys[:10]
    full = api.post("/xref:lookup", who="reader", json={"keys": some, "include_records": True}).json()["data"]
    for key, item in zip(some, full, strict=True):
        if item["golden_id"] is None:
            assert item.get("golden_record") is None
        else:
            one = api.get(f"/xref/{key['source']}/{key['source_id']}").json()
            assert item["golden_record"] == one["golden_record"]


def test_a_key_is_looked_up_and_answered_trimmed_by_both_lookups(api):  # type: ignore[no-untyped-def]
    (source, source_id, gid), = _service_rows(
        api, "SELECT source, source_id, golden_id FROM xref ORDER BY 1, 2 LIMIT 1")
    one = api.get(f"/xref/{source}/%20{source_id}%20").json()
    assert (one["source_id"], one["golden_id"]) == (source_id, gid)
    asked = {"source": source, "source_id": f" {source_id}\t"}
    many = api.post("/xref:lookup", json={"keys": [asked]}).json()
    assert [(d["source_id"], d["golden_id"]) for d in many["data"]] == [(source_id, gid)]


def test_a_key_posted_as_a_number_is_looked_up_by_the_same_number(api):  # type: ignore[no-untyped-def]
    # A post reads a JSON number id as text (1017 and 1018.0 are "1017" and "1018"); the bulk
    # lookup refused the same numbers (422: not a string), so a caller had to know to quote them.
    posted = [api.post("/sources/sales/records", json={"crm_id": i, "first_name": "Hà"}).json()
              for i in (1017, 1018.0)]
    assert [p["source_id"] for p in posted] == ["1017", "1018"]
    keys = [{"source": "sales", "source_id": i} for i in (1017, 1018.0, 1019)]
    r = api.post("/xref:lookup", json={"keys": keys})
    assert r.status_code == 200, r.json()
    assert [(d["source_id"], d["golden_id"]) for d in r.json()["data"]] == [
        ("1017", posted[0]["golden_id"]), ("1018", posted[1]["golden_id"]), ("1019", None)]
    refused = api.post("/xref:lookup", json={"keys": [{"source": "sales", "source_id": True}]})
    assert refused.status_code == 422 and "source_id" in refused.json()["detail"]


def test_bulk_lookup_limits_and_shapes_are_422_naming_the_field(api):  # type: ignore[no-untyped-def]
    for body, field in (({"keys": []}, "keys"), ({"keys": [{"source": "sales"}]}, "source_id"),
                        ({"keys": [{"source": "sales", "source_id": ""}]}, "source_id"),
                        ({"keys": [{"source": "s", "source_id": "1", "extra": 1}]}, "extra"),
                        ({"keys": [{"source": "s", "source_id": str(i)} for i in range(1001)]}, "keys")):
        r = api.post("/xref:lookup", who="reader", json=body)
        assert r.status_code == 422 and field in str(r.json()), (field, r.json())
    anonymous = api.client.post("/xref:lookup", json={"keys": [{"source": "s", "source_id": "1"}]})
    assert anonymous.status_code == 401


def test_search_by_national_id_and_tax_id_as_people_write_them(api):  # type: ignore[no-untyped-def]
    nid, gid = _service_rows(
        api, "SELECT s.national_id, x.golden_id FROM std_records s JOIN xref x USING (record_key)"
        " WHERE regexp_matches(s.national_id, '^0[1-9][0-9]{10}$') ORDER BY 1 LIMIT 1")[0]
    spaced = " ".join(nid[i:i + 3] for i in range(0, 12, 3))
    for written in (nid, spaced, f"CCCD: {nid}", nid[1:]):  # the last: a spreadsheet ate its zero
        hits = api.get("/golden-records", params={"national_id": written}).json()["data"]
        assert gid in [h["golden_record"]["golden_id"] for h in hits], written
    tax, tax_gid = _service_rows(
        api, "SELECT s.tax_id, x.golden_id FROM std_records s JOIN xref x USING (record_key)"
        " WHERE s.tax_id IS NOT NULL ORDER BY 1 LIMIT 1")[0]
    for written in (f"MST: {tax[:4]}-{tax[4:]}", f"VN {tax}"):  # the last as a VAT id is written
        hits = api.get("/golden-records", params={"tax_id": written}).json()["data"]
        assert tax_gid in [h["golden_record"]["golden_id"] for h in hits], written
    # Every criterion must match: the id with another person's name finds nothing.
    other_name = api.get("/golden-records", params={"national_id": nid, "name": "Zzyzx Qwerty"}).json()
    assert other_name["count"] == 0
    bad = api.get("/golden-records", params={"national_id": "000000000"})
    assert bad.status_code == 422 and "national_id" in bad.json()["detail"]


def test_search_by_the_start_of_an_email_or_a_phone(api):  # type: ignore[no-untyped-def]
    """A steward types what they have: "amanda_moore@", "0781 276". Both were a 422 (not an address,
    not a number), and "0781 2764" 0 hits (read as the invalid number +8407812764). Now each finds
    the records whose address, or E.164 number (its trunk 0 read as the region's), starts with it,
    for a key with pii: one without would read a masked address a letter at a time."""
    email, phone, gid = _service_rows(
        api, "SELECT s.email, s.phone, x.golden_id FROM std_records s JOIN xref x USING (record_key)"
        " WHERE s.email LIKE '%_@%' AND s.phone LIKE '+84%' AND s.phone_valid ORDER BY 1 LIMIT 1")[0]
    national = "0" + phone[3:]  # +84781276404 -> 0781276404

    def found(**params: str) -> list[dict]:
        page = api.get("/golden-records", params=params, who="reader_pii")
        assert page.status_code == 200, page.json()
        return page.json()["data"]

    for params in ({"email": email.split("@")[0].upper() + "@"}, {"email": email[:4]},
                   {"phone": f"{national[:4]} {national[4:6]}"}, {"phone": national[:8]},
                   {"phone": f"+84 {phone[3:9]}"}, {"email": email[:5], "phone": national[:7]}):
        hits = found(**params)
        assert gid in [h["golden_record"]["golden_id"] for h in hits], params
        assert all(h["score"] == 1 for h in hits), params
    # a pre-2018 prefix is today's, as the records hold it: 0168 123 is the start of +8438123...
    (old_phone, old_gid), = _service_rows(
        api, "SELECT s.phone, x.golden_id FROM std_records s JOIN xref x USING (record_key)"
        " WHERE s.phone LIKE '+8438%' AND s.phone_valid ORDER BY 1 LIMIT 1")
    assert old_gid in [h["golden_record"]["golden_id"] for h in found(phone=f"0168 {old_phone[5:8]}")]
    # a whole number is searched as itself, not as the start of longer ones
    holders = _service_rows(api, "SELECT DISTINCT x.golden_id FROM std_records s JOIN xref x"
                            " USING (record_key) WHERE s.phone = ?", [phone])
    assert {h["golden_record"]["golden_id"] for h in found(phone=national)} == {g for (g,) in holders}
    for field, short in (("email", "am"), ("email", "@gmail.com"), ("phone", "0781"), ("phone", "+84 78")):
        refused = api.get("/golden-records", params={field: short}, who="reader_pii")
        assert refused.status_code == 422 and f"field '{field}'" in refused.json()["detail"], short
    for field, start in (("email", email[:6]), ("phone", f"{national[:4]} {national[4:6]}")):
        refused = api.get("/golden-records", params={field: start})
        assert refused.status_code == 422 and "pii only" in refused.json()["detail"], start


def test_every_lineage_entry_points_at_a_member(api):  # type: ignore[no-untyped-def]
    gid = _service_rows(api, "SELECT golden_id FROM golden_records WHERE record_count >= 3 ORDER BY 1 LIMIT 1")[0][0]
    record = api.get(f"/golden-records/{gid}").json()
    members = {(m["source"], m["source_id"]) for m in record["members"]}
    assert len(members) == record["record_count"] >= 3
    entries = [e for attr in record["lineage"].values() for e in attr]
    assert entries and all((e["source"], e["source_id"]) in members for e in entries)
    assert record["created_at"] and record["updated_at"]


def test_unknown_ids_are_404_with_a_json_error(api):  # type: ignore[no-untyped-def]
    r = api.get("/golden-records/GNOPE")
    assert r.status_code == 404 and r.json() == {"error": "not_found", "detail": "golden record 'GNOPE' not found"}
    r = api.get("/xref/sales/NOPE")
    assert r.status_code == 404 and r.json()["error"] == "not_found"
    assert api.get("/runs/run-nope").status_code == 404


def _golden_of_member_with(api, column):  # type: ignore[no-untyped-def]
    return _service_rows(
        api,
        f"SELECT x.golden_id, s.{column}, s.name_folded FROM std_records s JOIN xref x USING (record_key)"
        f" WHERE s.{column} IS NOT NULL ORDER BY s.record_key",
    )


def test_search_by_email_in_any_case(api):  # type: ignore[no-untyped-def]
    gid, email, _ = _golden_of_member_with(api, "email_key")[0]
    hits = api.get("/golden-records", params={"email": f"  {email.upper()} "}).json()["data"]
    assert gid in [h["golden_record"]["golden_id"] for h in hits]
    assert all(h["score"] == 1.0 for h in hits)


def test_search_by_phone_in_old_11_digit_format(api):  # type: ignore[no-untyped-def]
    new_to_old = {v: k for k, v in _OLD_VN_MOBILE.items()}
    for gid, phone, _ in _golden_of_member_with(api, "phone"):
        prefix = phone[3:5]
        if phone.startswith("+84") and len(phone) == 12 and prefix in new_to_old:
            old = f"0{new_to_old[prefix]} {phone[5:8]} {phone[8:]}"  # e.g. 0168 123 4567
            break
    else:
        raise AssertionError("the sample has Vietnamese mobiles with an old 11-digit form")
    hits = api.get("/golden-records", params={"phone": old}).json()["data"]
    assert gid in [h["golden_record"]["golden_id"] for h in hits]


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c)).replace("đ", "d")


def test_search_by_name_tolerates_accents_case_order_and_a_typo(api):  # type: ignore[no-untyped-def]
    rows = [r for r in _golden_of_member_with(api, "name_folded") if len(r[2].split()) == 3 and min(map(len, r[2].split())) >= 4]
    gid, _, folded = rows[0]
    family, middle, given = folded.split()
    typo = given[:-1] + ("x" if given[-1] != "x" else "y")
    for query in (folded.upper(), f"{given} {middle} {family}", f"{family} {middle} {typo}", _strip_accents(folded)):
        page = api.get("/golden-records", params={"name": query, "limit": 100}).json()
        ids = [h["golden_record"]["golden_id"] for h in page["data"]]
        assert gid in ids, query
        assert page["data"] == sorted(page["data"], key=lambda h: -h["score"])


def test_search_combines_criteria_and_paginates(api):  # type: ignore[no-untyped-def]
    page = api.get("/golden-records", params={"name": "nguyen", "limit": 5}).json()
    assert page["count"] > 5 and len(page["data"]) == 5
    second = api.get("/golden-records", params={"name": "nguyen", "limit": 5, "offset": 5}).json()
    assert not {h["golden_record"]["golden_id"] for h in page["data"]} & {
        h["golden_record"]["golden_id"] for h in second["data"]}
    nothing = api.get("/golden-records", params={"name": "nguyen", "email": "nobody.at.all.123@shop.vn"}).json()
    assert nothing["count"] == 0 and nothing["data"] == []


def test_a_search_page_past_the_last_hit_still_counts_every_hit(api):  # type: ignore[no-untyped-def]
    # A client paging by offset reads `count` as the hits in all; a page past them said 0.
    total = api.get("/golden-records", params={"name": "nguyen", "limit": 5}).json()["count"]
    for offset in (total, total + 50):
        page = api.get("/golden-records", params={"name": "nguyen", "limit": 5, "offset": offset}).json()
        assert (page["count"], page["data"]) == (total, []), offset


def test_search_validation_names_the_field(api):  # type: ignore[no-untyped-def]
    r = api.get("/golden-records", params={"limit": 0})
    assert r.status_code == 422 and "limit" in r.json()["detail"]
    r = api.get("/golden-records", params={"email": "not an email"})
    assert r.status_code == 422 and "'email'" in r.json()["detail"]
    r = api.get("/golden-records", params={"email": "none@none.com"})
    assert r.status_code == 422 and "'email'" in r.json()["detail"] and "placeholder" in r.json()["detail"]
    r = api.get("/golden-records", params={"phone": "abc"})
    assert r.status_code == 422 and "'phone'" in r.json()["detail"]


def test_a_city_of_blanks_or_punctuation_is_422_as_every_other_criterion(api):  # type: ignore[no-untyped-def]
    # It was searched as typed and matched nothing: a 200 with no hits, where a name, phone or
    # address of blanks is a 422 naming it.
    for city in ("  ", "!!!"):
        r = api.get("/golden-records", params={"name": "nguyen", "city": city})
        assert r.status_code == 422 and "'city'" in r.json()["detail"], (city, r.text)


def test_an_empty_criterion_is_422_not_a_listing_of_every_record(api):  # type: ignore[no-untyped-def]
    # "?name=" listed every golden record as a search without criteria does.
    for params in ({"name": ""}, {"email": "", "limit": 5}, {"name": "nguyen", "city": ""}):
        r = api.get("/golden-records", params=params)
        field = next(k for k, v in params.items() if v == "")
        assert r.status_code == 422 and f"'{field}'" in r.json()["detail"], (params, r.text)
    assert api.get("/golden-records", params={"limit": 5}).status_code == 200


def test_search_by_address_as_written_without_ward_and_district(api):  # type: ignore[no-untyped-def]
    # A Vietnamese address written in full in one system, its house number first.
    address, gid, norm = next(r for r in _service_rows(
        api, "SELECT s.address, x.golden_id, s.address_norm FROM std_records s JOIN xref x USING (record_key)"
        " WHERE s.address_norm LIKE '% phuong % quan %' AND s.house_number IS NOT NULL ORDER BY 1 LIMIT 50")
        if r[2].split()[0].isdigit() and "phuong" not in r[2].split()[1:4])
    typed = " ".join(norm.split()[:4]).title()  # "295 Nam Ky Khoi": no ward, district or city
    hits = api.get("/golden-records", params={"address": typed, "limit": 100}).json()
    assert gid in [h["golden_record"]["golden_id"] for h in hits["data"]], (typed, address)
    holders = _service_rows(
        api, "SELECT count(DISTINCT x.golden_id) FROM std_records s JOIN xref x USING (record_key)"
        " WHERE list_has_all(string_split(s.address_norm, ' '), ?)", [typed.casefold().split()])[0][0]
    assert hits["count"] == holders  # every golden record with those words, and none without
    assert api.get("/golden-records", params={"address": typed, "name": "Zzyzx Qwerty"}).json()["count"] == 0
    postcode, pc_gid = _service_rows(
        api, "SELECT s.postcode, x.golden_id FROM std_records s JOIN xref x USING (record_key)"
        " WHERE s.postcode IS NOT NULL ORDER BY 1 LIMIT 1")[0]
    hits = api.get("/golden-records", params={"postcode": postcode, "limit": 100}).json()["data"]
    assert pc_gid in [h["golden_record"]["golden_id"] for h in hits]
    bad = api.get("/golden-records", params={"address": "!!!"})
    assert bad.status_code == 422 and "address" in bad.json()["detail"]


def test_search_by_address_folds_street_types_as_the_records_were(api):  # type: ignore[no-untyped-def]
    posted = api.post("/sources/billing/records", json={
        "account_no": "DE-1", "account_holder": "Jonas Becker",
        "billing_address": "Hauptstr. 5, 10115 Berlin",
        "city": "Berlin"})
    assert posted.status_code == 200, posted.json()
    gid = posted.json()["golden_id"]
    for typed in ("Hauptstraße 5", "hauptstrasse", "HAUPTSTR. 5, Berlin"):
        hits = api.get("/golden-records", params={"address": typed, "limit": 100}).json()["data"]
        assert gid in [h["golden_record"]["golden_id"] for h in hits], typed
    hits = api.get("/golden-records", params={"address": "Goethestraße 5", "limit": 100}).json()["data"]
    assert gid not in [h["golden_record"]["golden_id"] for h in hits]


def test_an_address_ending_with_its_city_finds_it_with_or_without_a_city(api):  # type: ignore[no-untyped-def]
    """A record without a city takes the one its address ends with and is matched on the address
    without it: the address searched for is read so too, and finds it, and a record whose city
    has a column of its own, whichever way each was written."""
    gids = []
    for key, address, city in (("UK-1", "10 Downing St, London SW1A 2AA", None),
                               ("UK-2", "11 Downing Street", "London")):
        posted = api.post("/sources/billing/records", json={
            "account_no": key, "account_holder": "Zelda Quartermain", "billing_address": address,
            "city": city})
        assert posted.status_code == 200, posted.json()
        gids.append(posted.json()["golden_id"])
    for number, gid in zip(("10", "11"), gids, strict=True):
        for typed in (f"{number} Downing St, London", f"{number} Downing Street, London, UK"):
            hits = api.get("/golden-records", params={"address": typed, "limit": 100}).json()["data"]
            assert gid in [h["golden_record"]["golden_id"] for h in hits], typed
    hits = api.get("/golden-records", params={"address": "10 Downing St, Paris", "limit": 100}).json()["data"]
    assert gids[0] not in [h["golden_record"]["golden_id"] for h in hits]


def test_an_address_ending_with_its_own_city_column_is_found_so_written(api):  # type: ignore[no-untyped-def]
    """A record whose address ends with its own city is matched without it: the address searched
    for, with that city or none, is read so too and finds it."""
    posted = api.post("/sources/billing/records", json={
        "account_no": "UK-3", "account_holder": "Zelda Quartermain",
        "billing_address": "12 Downing Street, London", "city": "London"})
    assert posted.status_code == 200, posted.json()
    gid = posted.json()["golden_id"]
    for params in ({"address": "12 Downing St, London", "city": "London"},
                   {"address": "12 Downing St, London"}, {"address": "12 Downing Street", "city": "London"}):
        hits = api.get("/golden-records", params={**params, "limit": 100}).json()["data"]
        assert gid in [h["golden_record"]["golden_id"] for h in hits], params


def test_a_city_abbreviation_is_searched_for_as_the_records_read_it(api):  # type: ignore[no-untyped-def]
    """A Vietnamese record's "HP" is Hải Phòng: found by either, as a search in Vietnam reads "HP" too."""
    posted = api.post("/sources/billing/records", json={
        "account_no": "HP-1", "account_holder": "Zelda Quartermain", "phone": "0912 777 888", "city": "HP"})
    assert posted.status_code == 200, posted.json()
    gid = posted.json()["golden_id"]
    for typed in ("HP", "Hải Phòng", "Hai Phong"):
        hits = api.get("/golden-records", params={"city": typed, "limit": 100}).json()["data"]
        assert gid in [h["golden_record"]["golden_id"] for h in hits], typed



def test_a_city_abbreviation_is_searched_for_as_any_country_reads_it(api):  # type: ignore[no-untyped-def]
    """A search knows no record's country: "SG" finds a Singaporean record's Singapore, and "CT" an
    American record's "CT" as well as a Vietnamese record's Cần Thơ."""
    records = {("SG-1", "+65 9123 4567", "SG"): ("SG", "Singapore"),
               ("US-1", "+1 212 555 0199", "CT"): ("CT",),
               ("VN-1", "0912 777 889", "CT"): ("CT", "Cần Thơ")}
    for (key, phone, city), searches in records.items():
        posted = api.post("/sources/billing/records", json={
            "account_no": key, "account_holder": "Zelda Quartermain", "phone": phone, "city": city})
        assert posted.status_code == 200, posted.json()
        for typed in searches:  # by name too: "SG" finds every record of Sài Gòn as well
            criteria = {"city": typed, "name": "Zelda Quartermain"}
            hits = api.get("/golden-records", params=criteria).json()["data"]
            assert posted.json()["golden_id"] in [h["golden_record"]["golden_id"] for h in hits], (key, typed)


def test_an_abbreviation_of_two_places_finds_both_on_the_api_and_page(api):  # type: ignore[no-untyped-def]
    """"DN" (Đà Nẵng to one writer, Đồng Nai to another: records keep it as written) found only
    records written "DN", and "SG" no record of Sài Gòn, on the API and the steward's search alike
    (both read a city searched for as api/routes/golden.py's search_criteria does): each now finds
    every place it may name, as written too. "HCM", "tp.hcm" and "HN" found theirs already."""
    posted = {}
    for key, name, city in (("AB-1", "Zelda Quartermain", "Đà Nẵng"),
                            ("AB-2", "Ottoline Brackenbury", "Đồng Nai"),
                            ("AB-3", "Perpetua Winterbottom", "ĐN"),
                            ("AB-4", "Cordelia Fairweather", "Sài Gòn"),
                            ("AB-5", "Hortensia Blackwood", "Hà Nội")):
        record = {"account_no": key, "account_holder": name, "city": city}
        made = api.post("/sources/billing/records", json=record)
        assert made.status_code == 200, made.json()
        posted[name] = made.json()["golden_id"]
    api.client.post("/steward/login", data={"key": api.keys["steward"]})
    expected = {"DN": ("Zelda Quartermain", "Ottoline Brackenbury", "Perpetua Winterbottom"),
                "SG": ("Cordelia Fairweather",), "HCM": ("Cordelia Fairweather",),
                "tp.hcm": ("Cordelia Fairweather",), "HN": ("Hortensia Blackwood",)}
    for typed, names in expected.items():
        for name in names:
            criteria = {"name": name, "city": typed}
            hits = api.get("/golden-records", params=criteria).json()["data"]
            assert posted[name] in [h["golden_record"]["golden_id"] for h in hits], (typed, name)
            page = api.client.get("/steward/search", params=criteria)
            assert f'value="{posted[name]}"' in page.text, (typed, name)


# Every listing with an offset; DuckDB binds it as a BIGINT.
LISTINGS = [("/golden-records", "reader"), ("/golden-records?name=nguyen", "reader"),
            ("/review-queue", "steward"), ("/decisions", "steward"), ("/runs", "reader"), ("/audit", "admin")]


@pytest.mark.parametrize(("path", "who"), LISTINGS)
def test_an_offset_past_what_the_store_can_page_is_422_naming_it(  # type: ignore[no-untyped-def]
    api, path, who
):
    last = api.get(path, who=who, params={"offset": 2**63 - 1})
    assert last.status_code == 200 and last.json()["data"] == [], last.text
    for offset in (2**63, 10**23):
        r = api.get(path, who=who, params={"offset": offset})
        assert r.status_code == 422 and "'offset'" in r.json()["detail"], r.text


def test_the_listing_pages_by_key_without_repeats_or_skips(api):  # type: ignore[no-untyped-def]
    before = {g for (g,) in _service_rows(api, "SELECT golden_id FROM golden_records"
                                                " WHERE status = 'active'")}
    first = api.get("/golden-records", params={"limit": 100}).json()
    seen = [h["golden_record"]["golden_id"] for h in first["data"]]
    assert seen == sorted(seen) and first["next_after"] == seen[-1]
    # A golden record on the page already read retires: an offset would now skip one record.
    alone = _service_rows(
        api, "SELECT min(x.source_id), x.golden_id FROM xref x WHERE x.golden_id IN ? GROUP BY x.golden_id"
        " HAVING count(*) = 1 AND min(x.source) = 'sales'", [seen])[0]
    gone = api.client.delete(f"/sources/sales/records/{alone[0]}", headers=api.headers("writer"))
    assert gone.status_code == 200, gone.text
    after = first["next_after"]
    while after is not None:
        page = api.get("/golden-records", params={"limit": 100, "after": after}).json()
        seen += [h["golden_record"]["golden_id"] for h in page["data"]]
        after = page["next_after"]
    assert len(seen) == len(set(seen)) == len(before)
    assert set(seen) == before


def test_paging_by_key_is_for_the_listing_alone(api):  # type: ignore[no-untyped-def]
    for params in ({"after": "G", "offset": 5}, {"after": "G", "name": "nguyen"}):
        r = api.get("/golden-records", params=params)
        assert r.status_code == 422 and "'after'" in r.json()["detail"], r.text
    searched = api.get("/golden-records", params={"name": "nguyen", "limit": 1}).json()
    assert searched["count"] > 1 and searched["next_after"] is None

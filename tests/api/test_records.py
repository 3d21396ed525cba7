"""Posting source records: upsert semantics, validation, batch calls, audit."""

from __future__ import annotations

import unicodedata
from pathlib import Path

VY = {
    "crm_id": "RT-1", "first_name": "Thảo Vy", "last_name": "Lương", "email": "vy.luong.rt1@example.vn",
    "mobile": "0389 111 222", "city": "Đà Nẵng", "last_modified": "2026-05-01T10:00:00",
}
VY_MARKETING = {
    "subscriber_id": "mk_rt1", "name": "LUONG THAO VY", "email": "Vy.Luong.RT1@Example.vn",
    "phone": "+84 389 111 222", "birthday": "12/03/1991", "city": "Da Nang",
}


def test_new_then_unchanged_then_matched_then_changed(api):  # type: ignore[no-untyped-def]
    first = api.post("/sources/sales/records", json=VY)
    assert first.status_code == 200, first.json()
    body = first.json()
    assert body["outcome"] == "new" and body["previous_golden_id"] is None
    gid = body["golden_id"]
    assert api.get("/xref/sales/RT-1").json()["golden_id"] == gid

    again = api.post("/sources/sales/records", json=VY).json()
    assert again["outcome"] == "unchanged" and again["golden_id"] == gid

    matched = api.post("/sources/marketing/records", json=VY_MARKETING).json()
    assert matched["outcome"] == "matched", matched
    assert matched["golden_id"] == gid
    assert matched["match_probability"] >= 0.95
    top = matched["candidates"][0]
    assert (top["source"], top["source_id"]) == ("sales", "RT-1")
    assert top["explanation"]["email"]["label"].startswith("same email")

    golden = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert {(m["source"], m["source_id"]) for m in golden["members"]} == {("sales", "RT-1"), ("marketing", "mk_rt1")}
    assert golden["attributes"]["date_of_birth"] == "1991-03-12"  # survivorship took it from the new member
    assert golden["lineage"]["date_of_birth"][0]["source"] == "marketing"

    moved = {**VY_MARKETING, "name": "Phạm Minh Tuấn", "email": "tuan.pham.rt@example.vn", "phone": "0977 000 111"}
    changed = api.post("/sources/marketing/records", json=moved).json()
    assert changed["outcome"] == "new" and changed["previous_golden_id"] == gid
    assert changed["golden_id"] != gid
    left = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert [(m["source"], m["source_id"]) for m in left["members"]] == [("sales", "RT-1")]
    assert left["attributes"]["date_of_birth"] is None  # recomputed without the record that left


def test_a_post_equal_to_the_stored_record_as_read_is_unchanged(api):  # type: ignore[no-untyped-def]
    """The same values as the reader reads them (a name in NFD rather than NFC; an email null,
    blank or left out) are no change: nothing is written to the feed or the history."""
    record = {"subscriber_id": "mk_same", "name": "Trần Thị Ngọc", "phone": "0913 222 444",
              "city": "Huế"}
    gid = api.post("/sources/marketing/records", json=record).json()["golden_id"]
    head = api.get("/changes", params={"limit": 1}).json()["head"]
    history = api.get(f"/golden-records/{gid}/history").json()["count"]
    nfd = {k: unicodedata.normalize("NFD", v) for k, v in record.items()}
    for same in (nfd, {**record, "email": None}, {**record, "email": ""}, {**record, "email": "  "}):
        again = api.post("/sources/marketing/records", json=same).json()
        assert (again["outcome"], again["golden_id"]) == ("unchanged", gid), (same, again)
    assert api.get("/changes", params={"after": head}).json()["data"] == []
    assert api.get(f"/golden-records/{gid}/history").json()["count"] == history
    changed = api.post("/sources/marketing/records", json={**record, "email": "ngoc.tran@example.vn"}).json()
    assert changed["outcome"] != "unchanged"
    assert [e["cause_id"] for e in api.get("/changes", params={"after": head}).json()["data"]] == [
        "marketing:mk_same"]


def test_a_conflict_the_pair_itself_outweighs_does_not_keep_it_apart(api):  # type: ignore[no-untyped-def]
    """Everything agrees with a golden record but a birthday: at a match weight of 20 or more
    (the default rules' seen_conflict_min_weight) the other date is taken for a typing error,
    as the batch clustering does."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == gid
    typo = {**VY_MARKETING, "subscriber_id": "mk_rt2", "birthday": "21/03/1919"}
    body = api.post("/sources/marketing/records", json=typo).json()
    (seen,) = [c for c in body["candidates"] if c["source_id"] == "mk_rt1"]
    assert seen["explanation"]["date_of_birth"]["gamma"] == 0  # the pair compared two different dates
    assert seen["match_weight"] >= 20
    assert body["outcome"] == "matched" and body["golden_id"] == gid, body


def test_a_record_alone_keeps_its_golden_id_when_it_changes(api):  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    changed = api.post("/sources/sales/records", json={**VY, "city": "Huế"}).json()
    assert changed["outcome"] == "new" and changed["golden_id"] == gid
    assert api.get(f"/golden-records/{gid}").json()["attributes"]["city"] == "Huế"


def test_an_update_time_in_the_future_does_not_make_a_value_the_newest(api):  # type: ignore[no-untyped-def]
    """A signup time typed 2062 for 2026 would win ``most_recent`` for ever after: flagged, and
    its record's values count as undated, so the dated record's city stays."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    typo = api.post("/sources/marketing/records", json={**VY_MARKETING, "city": "Huế",
                                                        "signup_ts": "2062-05-01T10:00:00"}).json()
    assert typo["outcome"] == "matched" and typo["golden_id"] == gid, typo
    assert "updated_at_future" in typo["dq_flags"]
    golden = api.get(f"/golden-records/{gid}").json()
    assert golden["attributes"]["city"] == "Đà Nẵng"
    assert [(e["source"], e["rule"]) for e in golden["lineage"]["city"]] == [("sales", "most_recent")]


def test_a_post_older_than_the_last_posted_version_is_stale(api):  # type: ignore[no-untyped-def]
    """A queue's retry delivers Monday's version after Tuesday's: it must not put the old city
    back. A post without a time, or a newer one, is stored as ever."""
    def post(city: str, when: str):  # type: ignore[no-untyped-def]
        return api.post("/sources/sales/records", json={**VY, "city": city, "last_modified": when})

    gid = post("Huế", "2026-05-05T09:00:00").json()["golden_id"]
    monday = post("Vinh", "2026-05-04T09:00:00")
    assert monday.status_code == 200, monday.text
    body = monday.json()
    assert (body["outcome"], body["golden_id"]) == ("stale", gid)
    assert "2026-05-05T09:00:00.000000Z" in body["reason"]
    assert api.get(f"/golden-records/{gid}").json()["attributes"]["city"] == "Huế"
    assert api.get("/sources/sales/records/RT-1").json()["raw"]["city"] == "Huế"
    audited = api.get("/audit", who="admin", params={"action": "record.upsert", "target": "sales:RT-1"})
    assert audited.json()["count"] == 1  # the stale post wrote nothing

    assert post("Huế 2", "2026-05-06T09:00:00").json()["outcome"] == "new"
    undated = {k: v for k, v in VY.items() if k != "last_modified"}
    assert api.post("/sources/sales/records", json={**undated, "city": "Vinh"}).json()["outcome"] == "new"
    assert api.get(f"/golden-records/{gid}").json()["attributes"]["city"] == "Vinh"


def test_unusable_values_are_accepted_with_flags(api):  # type: ignore[no-untyped-def]
    r = api.post("/sources/sales/records", json={"crm_id": "RT-BAD", "first_name": "Hà", "last_name": "Lê",
                                                  "email": "not-an-email", "mobile": "12", "extra": [1, 2]})
    assert r.status_code == 200
    flags = r.json()["dq_flags"]
    assert any("email" in f for f in flags) and any("phone" in f for f in flags)


def test_a_posted_list_or_object_is_read_as_a_file_reads_it(api):  # type: ignore[no-untyped-def]
    """The first of a list is the value, more are flagged; an object is no value, flagged: never
    its JSON text as a name or an e-mail."""
    r = api.post("/sources/sales/records", json={"crm_id": "RT-LIST", "first_name": {"given": "Hà"},
                                                  "last_name": "Lê", "email": ["ha.le@x.vn", "hale@y.vn"]})
    assert r.status_code == 200
    assert {"first_name_not_a_value", "email_several_values"} <= set(r.json()["dq_flags"])
    attributes = api.get(f"/golden-records/{r.json()['golden_id']}").json()["attributes"]
    assert attributes["email"].endswith("@x.vn") and "{" not in (attributes["full_name"] or "")  # masked


def test_a_lone_surrogate_in_a_posted_value_is_replaced(api):  # type: ignore[no-untyped-def]
    """JSON may escape half a surrogate pair; such text cannot be stored, so it is replaced."""
    body = '{"crm_id": "RT-SUR", "first_name": "V\\ud800y", "last_name": "L\\u01b0\\u01a1ng"}'
    headers = {**api.headers("writer"), "content-type": "application/json"}
    r = api.client.post("/sources/sales/records", content=body, headers=headers)
    assert r.status_code == 200, r.text
    gid = r.json()["golden_id"]
    golden = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert golden["attributes"]["full_name"] == "Lương V\ufffdy"
    batch = ('{"records": [{"crm_id": "RT-SUR2", "\\ud800": 1, "first_name": "V\\ud800y"},'
             ' {"crm_id": "RT-SUR3"}]}')
    r = api.client.post("/sources/sales/records:batch", content=batch, headers=headers)
    assert r.status_code == 200 and r.json()["errors"] == 0, r.text  # each record as a single post


def test_missing_or_blank_id_is_422_naming_the_field(api):  # type: ignore[no-untyped-def]
    for record in ({"first_name": "Hà"}, {"crm_id": "  ", "first_name": "Hà"}):
        r = api.post("/sources/sales/records", json=record)
        assert r.status_code == 422
        assert r.json()["error"] == "invalid_input" and "crm_id" in r.json()["detail"]


def test_an_id_posted_as_a_list_an_object_or_true_is_422(api):  # type: ignore[no-untyped-def]
    for crm_id in (["RT-1"], {"id": "RT-1"}, True):
        r = api.post("/sources/sales/records", json={"crm_id": crm_id, "first_name": "Hà"})
        assert r.status_code == 422 and "'crm_id'" in r.json()["detail"], crm_id
    r = api.post("/sources/sales/records", json={"crm_id": 1017, "first_name": "Hà"})
    assert r.json()["source_id"] == "1017"


def test_an_id_holding_a_control_character_is_422_naming_the_field(api):  # type: ignore[no-untyped-def]
    """A NUL or ESC in a key was stored as it came (and "CRM\x1f" read as the key "CRM", another
    record's): no system writes one into a key, and cleaning it could make it another's key. A
    line break, which a CSV's quoted field may hold, stays a key (the test below)."""
    for key, code in (("CRM\x002024", "U+0000"), ("\x1b[31mCRM", "U+001B"), ("CRM\x1f", "U+001F"),
                      ("CRM\x7f", "U+007F")):
        said = (f"field 'crm_id' (the id of source 'sales'): the id column 'crm_id' holds a control character"
                f" ({code}), which no key holds")
        for path in ("/sources/sales/records", "/sources/sales/records:match"):
            r = api.post(path, json={**VY, "crm_id": key})
            assert r.status_code == 422, (path, r.text)
            assert r.json() == {"error": "invalid_input", "detail": said}, (path, r.text)
        r = api.post("/sources/sales/records:batch", json={"records": [{**VY, "crm_id": key}]})
        assert r.json()["data"][0]["error"] == {"error": "invalid_input", "detail": said}, r.text
    assert api.get("/sources/sales/records/CRM%002024").status_code == 404
    assert api.post("/sources/sales/records", json={**VY, "crm_id": "CRM\t1"}).status_code == 200


def test_an_invisible_character_in_an_id_is_422_and_in_a_value_left_out(api):  # type: ignore[no-untyped-def]
    """A zero-width space, a byte order mark or a bidi override in a posted key was stored as a key
    of its own: "RT-1\u200b" looked like "RT-1" and was another customer; so was a no-break space
    inside one ("RT\u00a01" looks like "RT 1"). It is refused naming the field, as a file's row is
    quarantined; in a value it is left out, so the name still matches. A no-break space at either
    end of a key is trimmed, as a plain space is."""
    invisible, space = "an invisible", "a non-ASCII space"
    for key, kind, code in (("RT-1\u200b", invisible, "U+200B"), ("\ufeffRT-1", invisible, "U+FEFF"),
                            ("RT-1\u202e23", invisible, "U+202E"), ("RT\u00a01", space, "U+00A0"),
                            ("RT\u20091", space, "U+2009"), ("RT\u30001", space, "U+3000")):
        said = (f"field 'crm_id' (the id of source 'sales'): the id column 'crm_id' holds {kind}"
                f" character ({code}), which no key holds")
        for path in ("/sources/sales/records", "/sources/sales/records:match"):
            r = api.post(path, json={**VY, "crm_id": key})
            assert r.json() == {"error": "invalid_input", "detail": said}, (path, r.text)
            assert r.status_code == 422
        r = api.post("/sources/sales/records:batch", json={"records": [{**VY, "crm_id": key}]})
        assert r.json()["data"][0]["error"] == {"error": "invalid_input", "detail": said}, r.text
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    hidden = {**VY_MARKETING, "name": "\ufeffLUONG THA\u200bO \u202eVY",
              "email": "Vy.Luong.RT1@Exa\u200bmple.vn", "phone": "+84 389\u200b 111 222"}
    matched = api.post("/sources/marketing/records", json=hidden).json()
    assert (matched["outcome"], matched["golden_id"]) == ("matched", gid), matched
    trimmed = api.post("/sources/sales/records", json={**VY, "crm_id": f"\u00a0{VY['crm_id']}\u00a0"}).json()
    assert (trimmed["source_id"], trimmed["golden_id"]) == (VY["crm_id"], gid), trimmed


def test_an_id_posted_as_a_float_too_large_for_every_digit_is_422(api):  # type: ignore[no-untyped-def]
    """As a source's row is quarantined (tests/test_readers.py): 12345678901234567.0 was the key
    12345678901234568, another customer's; 1.5e3 is the key 1500, as a float's whole number is."""
    headers = {**api.headers("writer"), "Content-Type": "application/json"}
    for sent, said in ((b"12345678901234567.0", "1.2345678901234568e+16"), (b"1e20", "1e+20")):
        r = api.client.post("/sources/sales/records", content=b'{"crm_id": %s, "first_name": "H"}' % sent,
                            headers=headers)
        assert r.status_code == 422, r.text
        assert r.json()["detail"] == (
            f"field 'crm_id' (the id of source 'sales'): the id column 'crm_id' holds {said}, a number"
            " written as a float too large for it to keep every digit (write ids as integers or as text)"
        ), r.text
    r = api.client.post("/sources/sales/records", content=b'{"crm_id": 1.5e3, "first_name": "H"}',
                        headers=headers)
    assert r.json()["source_id"] == "1500", r.text


def test_a_record_writing_a_key_twice_differently_is_422_naming_it(api):  # type: ignore[no-untyped-def]
    """As a file's row is quarantined (tests/test_readers.py): FastAPI's parse kept the last value,
    so the post was stored as "Hà", losing the "Vy" its system wrote first unseen. The same value
    twice is no loss, and stored; in a batch the record is that item's error."""
    headers = {**api.headers("writer"), "Content-Type": "application/json"}
    twice = b'{"crm_id": "RT-TW1", "first_name": "Vy", "last_name": "Le", "first_name": "Ha"}'
    nested = b'{"crm_id": "RT-TW1", "contact": {"email": "a@x.vn", "email": "b@y.vn"}}'
    said = "the key {!r} is written twice with different values (which one is meant is unknown)"
    for body, key in ((twice, "first_name"), (nested, "contact.email")):
        for path in ("/sources/sales/records", "/sources/sales/records:match"):
            r = api.client.post(path, content=body, headers=headers)
            assert r.status_code == 422, (path, r.text)
            assert r.json() == {"error": "invalid_input", "detail": said.format(key)}, (path, r.text)
    assert api.get("/sources/sales/records/RT-TW1").status_code == 404
    batch = b'{"records": [{"crm_id": "RT-TW2", "first_name": "Vy"}, %s]}' % twice
    r = api.client.post("/sources/sales/records:batch", content=batch, headers=headers)
    assert r.status_code == 200 and [d["status"] for d in r.json()["data"]] == ["ok", "error"], r.text
    assert r.json()["data"][1]["error"] == {"error": "invalid_input", "detail": said.format("first_name")}
    same = b'{"crm_id": "RT-TW3", "first_name": "Vy", "last_name": "Le", "first_name": "Vy"}'
    r = api.client.post("/sources/sales/records", content=same, headers=headers)
    assert r.status_code == 200, r.text
    stored = api.get("/sources/sales/records/RT-TW3").json()
    assert stored["raw"]["first_name"] == "Vy", stored


def test_payload_that_is_not_an_object_is_422(api):  # type: ignore[no-untyped-def]
    r = api.post("/sources/sales/records", json=["crm_id", "x"])
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    r = api.client.post("/sources/sales/records", content=b"{not json", headers={
        **api.headers("writer"), "Content-Type": "application/json"})
    assert r.status_code == 422


def test_a_json_syntax_error_names_the_body_not_a_numbered_field(api):  # type: ignore[no-untyped-def]
    # FastAPI places the error at ("body", position): it read as a field '10' the record lacks.
    headers = {**api.headers("writer"), "Content-Type": "application/json"}
    r = api.client.post("/sources/sales/records", content=b'{"crm_id":', headers=headers)
    assert r.status_code == 422 and r.json()["error"] == "invalid_request"
    assert r.json()["detail"].startswith("field 'body': ") and "'10'" not in r.json()["detail"], r.text
    assert "character 10" in r.json()["detail"], r.text


def test_a_body_that_is_not_json_text_is_a_documented_422_and_not_stored(api):  # type: ignore[no-untyped-def]
    """Bytes that are not UTF-8 (a Latin-1 client) or JSON nested past what the parser takes were
    FastAPI's own 400, a status /openapi.json does not list, with the code "http_error"."""
    headers = {**api.headers("writer"), "Content-Type": "application/json"}
    bodies = {"latin-1": '{"crm_id": "RT-L1", "first_name": "José"}'.encode("latin-1"),
              "nested": b'{"crm_id": "RT-N1", "first_name": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"}
    paths = api.client.get("/openapi.json").json()["paths"]
    documented = paths["/sources/{source}/records"]["post"]["responses"]
    for label, body in bodies.items():
        r = api.client.post("/sources/sales/records", content=body, headers=headers)
        assert str(r.status_code) in documented and r.status_code == 422, (label, r.status_code, r.text)
        assert r.json()["error"] == "invalid_request" and "'body'" in r.json()["detail"], label
    for key in ("RT-L1", "RT-N1"):
        assert api.get(f"/sources/sales/records/{key}").status_code == 404


def test_json_sent_as_another_content_type_is_a_422_naming_it(api):  # type: ignore[no-untyped-def]
    """A client that forgot the header (curl -d sends form-urlencoded) was told only "Input should
    be a valid dictionary", which names neither the header nor the cure."""
    body = '{"crm_id": "RT-CT1", "first_name": "Hà"}'.encode()
    paths = api.client.get("/openapi.json").json()["paths"]
    documented = paths["/sources/{source}/records"]["post"]["responses"]
    for media in ("text/plain", "application/x-www-form-urlencoded", "text/plain; charset=utf-8"):
        r = api.client.post("/sources/sales/records", content=body,
                            headers={**api.headers("writer"), "Content-Type": media})
        assert str(r.status_code) in documented and r.status_code == 422, (media, r.text)
        detail = r.json()["detail"]
        assert r.json()["error"] == "invalid_request" and "Content-Type" in detail, (media, detail)
        assert repr(media) in detail and "application/json" in detail, (media, detail)
    assert api.get("/sources/sales/records/RT-CT1").status_code == 404
    r = api.client.post("/sources/sales/records", content=body,
                        headers={**api.headers("writer"), "Content-Type": "application/merge-patch+json"})
    assert r.status_code == 200, r.text


def test_unknown_source_is_404(api):  # type: ignore[no-untyped-def]
    r = api.post("/sources/erp/records", json={"id": "1"})
    assert r.status_code == 404 and r.json() == {"error": "not_found", "detail": "source 'erp' not found"}


def test_batch_gives_one_result_per_record(api):  # type: ignore[no-untyped-def]
    records = [VY, {"first_name": "no id"}, VY]
    r = api.post("/sources/sales/records:batch", json={"records": records})
    assert r.status_code == 200
    body = r.json()
    assert body["count"] == 3 and body["errors"] == 1
    assert [d["status"] for d in body["data"]] == ["ok", "error", "ok"]
    assert body["data"][1]["error"]["error"] == "invalid_input"
    assert [body["data"][0]["result"]["outcome"], body["data"][2]["result"]["outcome"]] == ["new", "unchanged"]


def test_batch_limits_are_422(api):  # type: ignore[no-untyped-def]
    too_many = [{"crm_id": f"X{i}"} for i in range(1001)]
    r = api.post("/sources/sales/records:batch", json={"records": too_many})
    assert r.status_code == 422 and "records" in r.json()["detail"]
    assert api.post("/sources/sales/records:batch", json={"records": []}).status_code == 422
    assert api.post("/sources/sales/records:batch", json={"rows": [VY]}).status_code == 422


def test_writes_are_audited_with_the_key_name(api):  # type: ignore[no-untyped-def]
    api.post("/sources/sales/records", json=VY)
    entries = api.get("/audit", who="admin", params={"target": "sales:RT-1"}).json()["data"]
    assert len(entries) == 1
    assert entries[0]["actor"] == "test-writer" and entries[0]["action"] == "record.upsert"
    assert entries[0]["detail"]["outcome"] == "new"


def test_posted_records_survive_the_next_batch_run(api, small_sample):  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    run = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    assert run.status_code == 202
    api.client.app.state.service._run_thread.join()
    assert api.get(f"/runs/{run.json()['run_id']}").json()["status"] == "succeeded"
    after = api.get("/xref/sales/RT-1").json()
    assert after["golden_id"] == gid  # kept by the id carry-over
    assert after["golden_record"]["attributes"]["full_name"] == "Lương Thảo Vy"


def test_a_changed_record_loses_its_open_review_items(api):  # type: ignore[no-untyped-def]
    """A re-posted record is re-evaluated: review items of its old values do not stay open."""
    assert api.post("/sources/sales/records", json=VY).json()["outcome"] == "new"
    # Her household: the same mobile and city, another given name. The name guard queues it.
    household = {"subscriber_id": "mk_rt_review", "name": "Lương Minh Tuấn", "city": "Đà Nẵng", "phone": "0389 111 222"}
    first = api.post("/sources/marketing/records", json=household).json()
    assert first["outcome"] == "review", first

    def open_items() -> list[dict]:
        items = api.get("/review-queue", params={"limit": 100}, who="steward").json()["data"]
        return [i for i in items if ("marketing", "mk_rt_review") in {(s["source"], s["source_id"]) for s in (i["left"], i["right"])}]

    assert open_items()
    other = {**household, "name": "Phạm Minh Tuấn", "city": "Huế", "phone": "0912 345 678"}
    assert api.post("/sources/marketing/records", json=other).json()["outcome"] == "new"
    assert open_items() == []


def test_a_matched_post_builds_the_golden_record_the_database_holds(api):  # type: ignore[no-untyped-def]
    """The golden record a match rebuilds from the members its decision read is the one
    rebuilt afresh from the database."""
    import datetime as dt

    from mdm import regroup

    api.post("/sources/sales/records", json=VY)
    matched = api.post("/sources/marketing/records", json=VY_MARKETING).json()
    assert matched["outcome"] == "matched"
    gid = matched["golden_id"]
    posted = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    service = api.client.app.state.service
    service.write(lambda con: regroup.rebuild(
        con, [gid], attributes=service.matcher.rules.attributes(), at=dt.datetime(2026, 1, 1),
        cause="test", cause_id=None, actor=None,
    ))
    again = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert len(posted["members"]) == 2
    for part in ("attributes", "lineage", "members"):
        assert again[part] == posted[part]


def _delete(api, path, who="writer"):  # type: ignore[no-untyped-def]
    return api.client.delete(path, headers=api.headers(who))


def test_a_deleted_record_leaves_its_golden_record(api):  # type: ignore[no-untyped-def]
    """Deleting a member rebuilds the golden record from the others; deleting the last retires
    it. The key is gone from the xref and from real-time matching."""
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=VY_MARKETING).json()["golden_id"] == gid
    assert _delete(api, "/sources/marketing/records/mk_rt1", who="reader").status_code == 403
    gone = _delete(api, "/sources/marketing/records/mk_rt1")
    assert gone.status_code == 200, gone.json()
    assert gone.json() == {"source": "marketing", "source_id": "mk_rt1", "golden_id": gid,
                           "golden_change": "changed", "kept_together": None,
                           "decisions_lapsed": [], "overrides_lapsed": []}
    golden = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert [(m["source"], m["source_id"]) for m in golden["members"]] == [("sales", "RT-1")]
    assert golden["attributes"]["date_of_birth"] is None  # only the deleted record knew it
    assert all(e["source"] == "sales" for lineage in golden["lineage"].values() for e in lineage)
    assert api.get("/xref/marketing/mk_rt1").status_code == 404
    assert _delete(api, "/sources/marketing/records/mk_rt1").status_code == 404
    assert _delete(api, "/sources/erp/records/mk_rt1").status_code == 404
    history = api.get(f"/golden-records/{gid}/history", who="steward").json()["data"]
    assert [history[-1][k] for k in ("change", "cause", "cause_id", "members")] == [
        "changed", "record_deleted", "marketing:mk_rt1", 1]
    entries = api.get("/audit", who="admin", params={"target": "marketing:mk_rt1"}).json()["data"]
    assert entries[0]["action"] == "record.delete" and entries[0]["actor"] == "test-writer"  # newest first

    last = _delete(api, "/sources/sales/records/RT-1").json()
    assert (last["golden_id"], last["golden_change"]) == (gid, "retired")
    assert api.get(f"/golden-records/{gid}").json()["status"] == "retired"
    # Posted again, the marketing record finds nothing to match: the deleted one is out of the index.
    again = api.post("/sources/marketing/records", json=VY_MARKETING).json()
    assert again["outcome"] == "new" and all(c["source_id"] != "RT-1" for c in again["candidates"]), again


def test_a_deleted_record_takes_its_open_review_items_with_it(api):  # type: ignore[no-untyped-def]
    assert api.post("/sources/sales/records", json=VY).json()["outcome"] == "new"
    household = {"subscriber_id": "mk_rt_del", "name": "Lương Minh Tuấn", "city": "Đà Nẵng",
                 "phone": "0389 111 222"}
    assert api.post("/sources/marketing/records", json=household).json()["outcome"] == "review"

    def open_items() -> list[dict]:
        items = api.get("/review-queue", params={"limit": 200}, who="steward").json()["data"]
        return [i for i in items if "RT-1" in (i["left"]["source_id"], i["right"]["source_id"])]

    assert open_items()
    assert _delete(api, "/sources/sales/records/RT-1").status_code == 200
    assert open_items() == []


def _file_record(api, source):  # type: ignore[no-untyped-def]
    """A record of ``source`` loaded from its file, sharing its golden record with others."""
    return api.client.app.state.service.reader().execute(
        "SELECT x.source_id, x.golden_id FROM xref x JOIN golden_records g USING (golden_id)"
        " WHERE x.source = ? AND g.record_count > 1 ORDER BY x.source_id LIMIT 1", [source]).fetchone()


def test_a_deleted_file_record_stays_out_of_later_runs_until_posted_again(  # type: ignore[no-untyped-def]
    api, small_sample
):
    service = api.client.app.state.service
    source_id, gid = _file_record(api, "billing")
    assert _delete(api, f"/sources/billing/records/{source_id}").json()["golden_change"] == "changed"

    def run() -> dict:
        started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")}).json()
        service._run_thread.join()
        return api.get(f"/runs/{started['run_id']}").json()

    first = run()
    assert first["status"] == "succeeded", first
    billing = first["counts"]["sources"]["billing"]
    assert billing["deleted"] == 1 and billing["read"] == billing["accepted"] + billing["quarantined"]
    assert api.get(f"/xref/billing/{source_id}").status_code == 404
    members = api.get(f"/golden-records/{gid}").json()["members"]
    assert members and ("billing", source_id) not in {(m["source"], m["source_id"]) for m in members}

    row = service.reader().execute("SELECT CAST(raw AS VARCHAR) FROM source_records WHERE source = 'billing'"
                                   " LIMIT 1").fetchone()
    assert row is not None  # the other billing records are still there
    assert service.reader().execute("SELECT count(*) FROM deleted_records").fetchone()[0] == 1
    posted = api.post("/sources/billing/records",
                      json={"account_no": source_id, "account_holder": "Lương Thảo Vy"})
    assert posted.status_code == 200, posted.json()
    assert service.reader().execute("SELECT count(*) FROM deleted_records").fetchone()[0] == 0
    second = run()
    assert second["counts"]["sources"]["billing"]["deleted"] == 0
    assert api.get(f"/xref/billing/{source_id}").status_code == 200


def test_a_record_deleted_while_a_run_goes_is_deleted_from_its_results(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    """A run that read its input before the deletion publishes the record; the service then
    deletes it again from the published results, as it replays posts."""
    from mdm import pipeline

    service = api.client.app.state.service
    source_id, _gid = _file_record(api, "shipping")
    merge = pipeline.merge_posted

    def merge_then_delete(*args, **kw):  # type: ignore[no-untyped-def]
        out = merge(*args, **kw)  # the run has read its input: now the source deletes the record
        assert service.delete_record("shipping", source_id, actor="test-writer").golden_change
        return out

    monkeypatch.setattr(pipeline, "merge_posted", merge_then_delete)
    started = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")}).json()
    service._run_thread.join()
    run = api.get(f"/runs/{started['run_id']}").json()
    assert run["status"] == "succeeded" and run["counts"]["sources"]["shipping"]["deleted"] == 0
    assert api.get(f"/xref/shipping/{source_id}").status_code == 404
    con = service.reader()
    assert con.execute("SELECT count(*) FROM std_records WHERE source = 'shipping' AND source_id = ?",
                       [source_id]).fetchone()[0] == 0


def test_a_source_key_with_slashes_is_looked_up_and_deleted(api):  # type: ignore[no-untyped-def]
    """Keys such as "INV/2024/001" are common; the path takes them written plainly or escaped."""
    gid = api.post("/sources/sales/records", json={**VY, "crm_id": "CRM/2024/1"}).json()["golden_id"]
    for path in ("/xref/sales/CRM/2024/1", "/xref/sales/CRM%2F2024%2F1"):
        found = api.get(path)
        assert found.status_code == 200 and found.json()["golden_id"] == gid, path
    assert _delete(api, "/sources/sales/records/CRM/2024/1").json()["source_id"] == "CRM/2024/1"
    assert api.get("/xref/sales/CRM/2024/1").status_code == 404


def test_a_source_key_of_dots_is_looked_up_written_as_the_readme_says(api):  # type: ignore[no-untyped-def]
    """A client resolves ``.`` and ``..`` segments away (``/xref/sales/..`` asks for /xref/); escaped,
    as README.md says, they reach the key."""
    for key, escaped in ((".", "%2E"), ("..", "%2E%2E"), ("INV/../7", "INV/%2E%2E/7")):
        gid = api.post("/sources/sales/records", json={**VY, "crm_id": key}).json()["golden_id"]
        found = api.get(f"/xref/sales/{escaped}")
        assert found.status_code == 200 and found.json()["golden_id"] == gid, (key, found.text)
        assert api.get(f"/sources/sales/records/{escaped}").json()["source_id"] == key


def test_a_source_key_with_a_line_break_is_looked_up_shown_and_deleted(api):  # type: ignore[no-untyped-def]
    """A key the post stored (as a CSV's quoted field holds one) answered a bare route 404 at its
    own lookup, view and delete: the path convertor's ``.*`` stops at a line break."""
    gid = api.post("/sources/sales/records", json={**VY, "crm_id": "CRM\n2024"}).json()["golden_id"]
    found = api.get("/xref/sales/CRM%0A2024")
    assert found.status_code == 200 and found.json()["golden_id"] == gid, found.text
    assert api.get("/sources/sales/records/CRM%0A2024").json()["source_id"] == "CRM\n2024"
    assert _delete(api, "/sources/sales/records/CRM%0A2024").json()["source_id"] == "CRM\n2024"
    assert api.get("/xref/sales/CRM%0A2024").json()["error"] == "not_found"


def test_a_batch_of_deletes_gives_one_result_per_key(api):  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=VY).json()["golden_id"]
    r = api.post("/sources/sales/records:delete", json={"source_ids": ["RT-1", "NO-SUCH", "RT-1"]})
    assert r.status_code == 200, r.json()
    body = r.json()
    assert (body["count"], body["errors"]) == (3, 2)
    assert body["data"][0]["result"] == {"source": "sales", "source_id": "RT-1", "golden_id": gid,
                                         "golden_change": "retired", "kept_together": None,
                                         "decisions_lapsed": [], "overrides_lapsed": []}
    assert [d["error"]["error"] for d in body["data"][1:]] == ["not_found", "not_found"]  # the second: gone
    assert api.post("/sources/erp/records:delete", json={"source_ids": ["RT-1"]}).status_code == 404
    too_many = api.post("/sources/sales/records:delete", json={"source_ids": [f"X{i}" for i in range(1001)]})
    assert too_many.status_code == 422 and "source_ids" in too_many.json()["detail"]
    assert api.post("/sources/sales/records:delete", json={"source_ids": []}).status_code == 422
    reader = api.post("/sources/sales/records:delete", json={"source_ids": ["RT-1"]}, who="reader")
    assert reader.status_code == 403


def test_a_post_to_a_source_the_next_run_leaves_out_does_not_stop_the_service(  # type: ignore[no-untyped-def]
    api, small_sample, tmp_path, monkeypatch
):
    """Posted while a run reads a config without its source, the record stays stored, unused, and
    the service stays ready (its replay used to fail on the unknown source)."""
    import yaml

    from mdm import pipeline

    config = yaml.safe_load((small_sample / "sources.yaml").read_text())
    config["sources"] = [s for s in config["sources"] if s["name"] != "marketing"]
    for s in config["sources"]:
        s["path"] = str(small_sample / s["path"])
    (tmp_path / "sources.yaml").write_text(yaml.safe_dump(config))
    service = api.client.app.state.service
    merge = pipeline.merge_posted

    def merge_then_post(*args, **kw):  # type: ignore[no-untyped-def]
        out = merge(*args, **kw)  # the run has read its input: now marketing posts a record
        assert service.post_record("marketing", VY_MARKETING, actor="test-writer").outcome
        return out

    monkeypatch.setattr(pipeline, "merge_posted", merge_then_post)
    started = api.post("/runs", who="admin",
                       json={"sources": str(tmp_path / "sources.yaml"), "accept_removals": True}).json()
    service._run_thread.join()
    assert api.get(f"/runs/{started['run_id']}").json()["status"] == "succeeded"
    assert service.ready, service.not_ready_reason
    assert api.client.get("/ready").status_code == 200
    assert api.post("/sources/sales/records", json=VY).json()["outcome"] in ("new", "matched", "review")


def test_a_write_the_database_cannot_commit_is_a_json_500_and_not_kept(api):  # type: ignore[no-untyped-def]
    """A full disk: DuckDB cannot write its log as a post commits. The answer was a bare
    "Internal Server Error" (not the JSON errors the API answers with); it says why, and the next
    post, the disk freed, is stored."""
    import duckdb

    service = api.client.app.state.service
    writer = service._writer

    class FullDisk:  # the writer connection, whose commit cannot write its log
        def __getattr__(self, name):  # type: ignore[no-untyped-def]
            return getattr(writer, name)

        def commit(self):  # type: ignore[no-untyped-def]
            writer.rollback()
            raise duckdb.IOException('Could not write file "mdm.duckdb.wal": No space left on device')

    service._writer = FullDisk()
    try:
        full = api.post("/sources/sales/records", json=dict(VY, crm_id="FULL-1"))
    finally:
        service._writer = writer
    assert full.status_code == 500 and full.json()["error"] == "database_error", full.text
    assert "No space left on device" in full.json()["detail"]
    assert api.get("/xref/sales/FULL-1").status_code == 404
    assert api.post("/sources/sales/records", json=dict(VY, crm_id="FULL-1")).status_code == 200
    assert api.get("/xref/sales/FULL-1").status_code == 200


def test_a_batch_delete_takes_a_key_posted_as_a_number(api):  # type: ignore[no-untyped-def]
    # A post reads a JSON number id as text ("1017"); the batch delete refused the same number
    # (422: not a string), as the bulk lookup did.
    gid = api.post("/sources/sales/records", json={"crm_id": 1017, "first_name": "Hà"}).json()["golden_id"]
    r = api.post("/sources/sales/records:delete", json={"source_ids": [1017.0]})
    assert r.status_code == 200, r.json()
    assert r.json()["data"][0]["result"]["source_id"] == "1017"
    assert r.json()["data"][0]["result"]["golden_id"] == gid
    refused = api.post("/sources/sales/records:delete", json={"source_ids": [True]})
    assert refused.status_code == 422 and "source_ids" in refused.json()["detail"]


def test_a_golden_phone_shows_the_extension_its_record_wrote(api):  # type: ignore[no-untyped-def]
    """"+49 30 1234567 Durchwahl 12" was served as phone +49301234567 alone: a company's
    switchboard, whoever's line it is. The extension is served beside it, the phone unchanged."""
    office = {**VY, "crm_id": "RT-EXT", "email": "vy.luong.ext@example.de",
              "mobile": "+49 30 1234567 Durchwahl 12"}
    gid = api.post("/sources/sales/records", json=office).json()["golden_id"]
    golden = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert (golden["attributes"]["phone"], golden["attributes"]["phone_extension"]) == ("+49301234567", "12")
    assert golden["lineage"]["phone_extension"][0]["source_id"] == "RT-EXT"
    masked = api.get(f"/golden-records/{gid}").json()["attributes"]  # not personal data without the number
    assert masked["phone"] != "+49301234567" and masked["phone_extension"] == "12"


def test_colleagues_behind_one_switchboard_are_not_one_customer_by_it(api):  # type: ignore[no-untyped-def]
    """Nguyễn Văn An at extension 12 and Nguyễn Minh An at 34 of one company's switchboard: their
    phones agreed ("same landline", +15 bits) and linked them as one customer (0.997). Other
    extensions are no phone agreement; the same extension is one, as before."""
    an = {"crm_id": "RT-SW1", "first_name": "Văn An", "last_name": "Nguyễn",
          "mobile": "028 3822 1234 máy lẻ 12", "city": "Hồ Chí Minh",
          "last_modified": "2026-05-01T10:00:00"}
    gid = api.post("/sources/sales/records", json=an).json()["golden_id"]
    colleague = {"subscriber_id": "mk_sw2", "name": "NGUYEN MINH AN", "phone": "028 3822 1234 ml 34"}
    body = api.post("/sources/marketing/records", json=colleague).json()
    assert body["golden_id"] != gid
    phone = body["candidates"][0]["explanation"]["phone"]["label"]
    assert phone == "no evidence: same switchboard, other extensions"
    same = api.post("/sources/marketing/records", json={**colleague, "phone": "028 3822 1234 ml 12"}).json()
    assert same["golden_id"] == gid, same


def test_a_zip_plus_4_beside_its_own_zip_agrees_and_the_golden_keeps_it(api):  # type: ignore[no-untyped-def]
    """One customer's shipment to "20500-0003" and a later one to "20500": their postcodes reached
    "all other" and the golden postcode became the later, plain ZIP. Now the pair reaches "same ZIP,
    one without its +4" (the compiled level the batch uses) and the golden keeps the ZIP+4."""
    first = {"shipment_customer_id": "SH-ZIP1", "recipient": "Trần Minh Khoa",
             "contact_phone": "0912 777 301", "street_number": "1600", "street": "Pennsylvania Ave NW",
             "city": "Washington", "postcode": "20500-0003", "country": "US", "last_order_date": "2025-01-01"}
    gid = api.post("/sources/shipping/records", json=first).json()["golden_id"]
    later = {**first, "shipment_customer_id": "SH-ZIP2", "postcode": "20500", "last_order_date": "2025-06-01"}
    body = api.post("/sources/shipping/records", json=later).json()
    assert body["golden_id"] == gid, body
    assert body["candidates"][0]["explanation"]["postcode"]["label"] == "same ZIP, one without its +4"
    golden = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert golden["attributes"]["postcode"] == "20500-0003"
    assert golden["lineage"]["postcode"][0]["rule"] == "most_specific"


def test_a_post_without_its_id_answers_what_the_readme_shows(api):  # type: ignore[no-untyped-def]
    """README.md's example of a post without the source's id, sent as it writes it, answers its
    body word for word, a 422 (a client's error handling is written from that example)."""
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    sent = '{"name": "no id"}'
    shown = readme.split(f" -d '{sent}'\n", 1)[1].split("\n", 1)[0]
    answer = api.client.post("/sources/marketing/records", content=sent,
                             headers={**api.headers("writer"), "Content-Type": "application/json"})
    assert answer.status_code == 422 and answer.text == shown

"""Stewards' values for golden attributes: they win over the rules, say so, last through runs,
move with a merge and come back with an undo; bad ones are refused with the field named."""

from __future__ import annotations

import json

from tests.api.test_changes import _walk
from tests.api.test_erasure import _tables_holding
from tests.api.test_stewardship import _run
from tests.conftest import BY_FIRST_MEMBER

PHONE, E164, MASKED = "0912 345 678", "+84912345678", "+84 *** *** 678"


def _put(api, gid, attribute, body, who="steward"):  # type: ignore[no-untyped-def]
    return api.client.put(f"/golden-records/{gid}/overrides/{attribute}", headers=api.headers(who), json=body)


def _delete(api, gid, attribute, reason="set by mistake"):  # type: ignore[no-untyped-def]
    params = {"reason": reason} if reason else {}
    return api.client.delete(f"/golden-records/{gid}/overrides/{attribute}", headers=api.headers("steward"),
                             params=params)


def _golden(api, members, skip=0):  # type: ignore[no-untyped-def]
    return api.client.app.state.service.reader().execute(
        "SELECT golden_id FROM golden_records WHERE status = 'active' AND record_count = ?"
        f" ORDER BY {BY_FIRST_MEMBER} LIMIT 1 OFFSET ?",
        [members, skip],
    ).fetchone()[0]


def _record(api, gid):  # type: ignore[no-untyped-def]
    return api.get(f"/golden-records/{gid}", who="reader_pii").json()


def _listed(api, gid, removed=False):  # type: ignore[no-untyped-def]
    listed = api.get(f"/golden-records/{gid}/overrides", who="reader_pii", params={"removed": removed})
    return listed.json()["data"]


def test_a_stewards_value_wins_says_where_it_is_from_and_goes(api):  # type: ignore[no-untyped-def]
    gid = _golden(api, 2)
    before = _record(api, gid)
    _, cursor = _walk(api, limit=500)

    r = _put(api, gid, "phone", {"value": PHONE, "reason": "customer called with a new number"})
    assert r.status_code == 200, r.json()
    body = r.json()
    override_id = body["override"]["override_id"]
    assert body["golden_change"] == "changed"
    assert body["override"]["value"] == MASKED  # the steward's key has no pii
    assert body["override"]["actor"] == "test-steward" and body["override"]["set_on"] == gid

    after = _record(api, gid)
    steward = {"value": E164, "source": "steward", "source_id": override_id, "rule": "steward_override"}
    assert after["attributes"]["phone"] == E164 and after["lineage"]["phone"] == [steward]
    others = [p for p in before["attributes"]["all_phones"] if p != E164]
    assert after["attributes"]["all_phones"] == [E164, *others]
    assert after["lineage"]["all_phones"][0] == steward
    untouched = {k for k in before["attributes"] if k not in ("phone", "all_phones")}
    assert {k: after["attributes"][k] for k in untouched} == {k: before["attributes"][k] for k in untouched}
    assert E164 not in json.dumps(api.get(f"/golden-records/{gid}").json())  # a reader without pii

    changes, _ = _walk(api, after=cursor, limit=500)
    assert [(c["golden_id"], c["change"], c["cause"], c["cause_id"], c["actor"]) for c in changes] == [
        (gid, "changed", "override", override_id, "test-steward")]
    audit = api.get("/audit", who="admin", params={"target": gid}).json()["data"]
    assert audit[0]["action"] == "golden.override"
    assert audit[0]["detail"]["reason"].startswith("customer called")
    assert E164 not in json.dumps(audit)  # the audit log keeps no values
    (listed,) = _listed(api, gid)
    assert (listed["override_id"], listed["value"], listed["attribute"]) == (override_id, E164, "phone")

    # Null: no source's value is right. It replaces the first.
    emptied = _put(api, gid, "phone", {"value": None, "reason": "the number is disconnected"}).json()
    record = _record(api, gid)
    assert record["attributes"]["phone"] is None and "phone" not in record["lineage"]
    assert record["attributes"]["all_phones"] == before["attributes"]["all_phones"]
    assert [o["override_id"] for o in _listed(api, gid)] == [emptied["override"]["override_id"]]
    replaced = [o for o in _listed(api, gid, removed=True) if o["override_id"] == override_id]
    assert replaced[0]["removed_by"] == "test-steward"

    removed = _delete(api, gid, "phone")
    assert removed.status_code == 200 and removed.json()["override"]["removed_at"]
    record = _record(api, gid)
    assert record["attributes"] == before["attributes"] and record["lineage"] == before["lineage"]
    assert _listed(api, gid) == [] and len(_listed(api, gid, removed=True)) == 2
    assert _delete(api, gid, "phone").status_code == 404


def test_bad_overrides_are_refused_with_the_field_named(api):  # type: ignore[no-untyped-def]
    gid = _golden(api, 2)
    reason = {"reason": "checked with the customer"}
    cases = [
        ("phnoe", {"value": PHONE, **reason}, 422, "field 'attribute'"),
        ("all_phones", {"value": PHONE, **reason}, 422, "set 'phone'"),
        ("phone", {"value": "12345", **reason}, 422, "field 'value'"),
        ("email", {"value": "an.nguyen@", **reason}, 422, "field 'value'"),
        ("date_of_birth", {"value": "03/04/2090", **reason}, 422, "dob_future"),
        ("national_id", {"value": "000000000", **reason}, 422, "national_id_invalid"),
        ("phone", {"value": PHONE}, 422, "field 'reason'"),
        ("phone", {"value": PHONE, "reason": "   "}, 422, "field 'reason'"),
        ("phone", {"value": PHONE, "region": "Vietnam", **reason}, 422, "field 'region'"),
        ("phone", {"value": PHONE, "colour": "blue", **reason}, 422, "field 'colour'"),
        ("phone", {"value": "x" * 501, **reason}, 422, "field 'value'"),
    ]
    for attribute, body, status, says in cases:
        r = _put(api, gid, attribute, body)
        assert (r.status_code, says in r.json()["detail"]) == (status, True), (attribute, body, r.json())
    assert _put(api, "GNOPE", "phone", {"value": PHONE, **reason}).status_code == 404
    for role in ("reader", "writer"):
        assert _put(api, gid, "phone", {"value": PHONE, **reason}, who=role).status_code == 403
    assert _delete(api, gid, "phone", reason="").status_code == 422
    assert api.get("/golden-records/GNOPE/overrides").status_code == 404
    assert _listed(api, gid) == []  # nothing refused was kept


def test_an_unknown_region_is_refused_naming_the_region(api):  # type: ignore[no-untyped-def]
    """A well-formed code no phone numbering knows: the region is wrong, not the number."""
    gid = _golden(api, 2)
    r = _put(api, gid, "phone", {"value": "0912 345 678", "reason": "r", "region": "ZZ"})
    assert r.status_code == 422 and r.json()["error"] == "invalid_input", r.json()
    assert "field 'region'" in r.json()["detail"] and "unknown region 'ZZ'" in r.json()["detail"]
    assert _listed(api, gid) == []


def test_the_region_is_read_as_a_searchs_is(api):  # type: ignore[no-untyped-def]
    """``region`` is checked as the search's and the steward page's are: lower case is the code
    (``br``), and a code no numbering knows is refused though the value is null, as the page does."""
    gid = _golden(api, 2)
    set_in_br = _put(api, gid, "phone", {"value": "(11) 91234-5678", "reason": "r", "region": "br"})
    assert set_in_br.status_code == 200, set_in_br.json()
    assert [o["value"] for o in _listed(api, gid)] == ["+5511912345678"]
    for region, says in (("ZZ", "unknown region 'ZZ'"), ("UK", "write 'GB'")):
        r = _put(api, gid, "phone", {"value": None, "reason": "r", "region": region})
        assert (r.status_code, "field 'region'" in r.json()["detail"], says in r.json()["detail"]) == (
            422, True, True), r.json()
    assert [o["value"] for o in _listed(api, gid)] == ["+5511912345678"]


def test_a_phone_the_region_cannot_read_names_the_region(api):  # type: ignore[no-untyped-def]
    """A German mobile typed as written in Germany on a Vietnamese customer, read in the service's
    region (Vietnam's): the refusal says where it was read and that ``region`` reads it elsewhere,
    which then takes it. On a German customer it is read in Germany, as a German record's is."""
    vietnamese = api.client.app.state.service.reader().execute(
        "SELECT golden_id FROM golden_records WHERE status = 'active'"
        " AND json_extract_string(attributes, '$.country') = 'VN' ORDER BY golden_id LIMIT 1").fetchone()[0]
    r = _put(api, vietnamese, "phone", {"value": "0151 68426846", "reason": "customer called"})
    assert r.status_code == 422, r.json()
    assert "read in region VN: give its \"region\"" in r.json()["detail"]
    for gid, region in ((vietnamese, {"region": "DE"}), (_golden(api, 2), {})):  # Stefanie Wolf, German
        r = _put(api, gid, "phone", {"value": "0151 68426846", "reason": "customer called"} | region)
        assert r.status_code == 200 and r.json()["override"]["value"].startswith("+49"), r.json()


def test_an_override_lasts_moves_with_a_merge_and_comes_back_with_an_undo(  # type: ignore[no-untyped-def]
    api, small_sample
):
    small, large = _golden(api, 1), _golden(api, 2)
    large_dob = _record(api, large)["attributes"]["date_of_birth"]
    set_ = _put(api, small, "date_of_birth", {"value": "3/2/1980", "reason": "from the id card"}).json()
    assert _record(api, small)["attributes"]["date_of_birth"] == "1980-02-03"
    history = api.get(f"/golden-records/{small}/history").json()["count"]

    _run(api, small_sample)
    record = _record(api, small)
    assert record["attributes"]["date_of_birth"] == "1980-02-03"
    assert record["lineage"]["date_of_birth"][0]["rule"] == "steward_override"
    assert api.get(f"/golden-records/{small}/history").json()["count"] == history  # the run changed nothing

    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [small, large]}).json()
    assert merged["golden_id"] == large
    assert _record(api, large)["attributes"]["date_of_birth"] == "1980-02-03"
    (held,) = _listed(api, large)
    assert (held["override_id"], held["set_on"]) == (set_["override"]["override_id"], small)
    _run(api, small_sample)
    assert _record(api, large)["attributes"]["date_of_birth"] == "1980-02-03"

    undone = api.post(f"/decisions/{merged['decision']['decision_id']}/undo", who="steward")
    assert undone.status_code == 200, undone.json()
    assert _record(api, small)["attributes"]["date_of_birth"] == "1980-02-03"
    assert _record(api, large)["attributes"]["date_of_birth"] == large_dob
    assert _listed(api, large) == [] and [o["golden_id"] for o in _listed(api, small)] == [small]


def test_an_override_goes_home_with_an_undo_after_its_records_left(api):  # type: ignore[no-untyped-def]
    """Merged, then the merged-away customer's record deleted, then the merge undone: the survivor
    no longer wears the steward's value of a customer it was never one with; the retired golden
    record holds it again, for the record to find if it comes back."""
    small, large = _golden(api, 1), _golden(api, 2)
    large_dob = _record(api, large)["attributes"]["date_of_birth"]
    (member,) = _record(api, small)["members"]
    _put(api, small, "date_of_birth", {"value": "3/2/1980", "reason": "from the id card"})
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": [small, large]}).json()
    assert merged["golden_id"] == large and _record(api, large)["attributes"]["date_of_birth"] == "1980-02-03"
    gone = api.client.delete(f"/sources/{member['source']}/records/{member['source_id']}",
                             headers=api.headers("writer"))
    assert gone.status_code == 200, gone.json()

    assert api.post(f"/decisions/{merged['decision']['decision_id']}/undo", who="steward").status_code == 200
    assert _record(api, large)["attributes"]["date_of_birth"] == large_dob
    assert _listed(api, large) == [] and [o["golden_id"] for o in _listed(api, small)] == [small]


def test_an_override_set_while_a_run_computes_is_in_its_results(  # type: ignore[no-untyped-def]
    api, small_sample, monkeypatch
):
    from mdm import golden

    service = api.client.app.state.service
    gid = _golden(api, 2)
    build = golden.build_golden

    def build_then_override(*args, **kw):  # type: ignore[no-untyped-def]
        out = build(*args, **kw)  # the run has read the overrides: now a steward sets one
        service.set_override(gid, "phone", PHONE, reason="customer called", region="VN", actor="test-steward")
        return out

    monkeypatch.setattr(golden, "build_golden", build_then_override)
    run = _run(api, small_sample)
    record = _record(api, gid)
    assert record["attributes"]["phone"] == E164
    assert record["lineage"]["phone"][0]["rule"] == "steward_override"
    assert record["run_id"] == run["run_id"]  # rebuilt by the run's publish, as its other records
    causes = [(e["cause"], e["cause_id"]) for e in api.get(f"/golden-records/{gid}/history").json()["data"]]
    assert ("run", run["run_id"]) in causes


def test_an_erased_customer_takes_the_stewards_values_too(api):  # type: ignore[no-untyped-def]
    gid = _golden(api, 2)
    email = "only.this.customer.7731@example.vn"
    assert _put(api, gid, "email", {"value": email, "reason": "customer called"}).status_code == 200
    assert _tables_holding(api, email)
    erased = api.post(f"/golden-records/{gid}/erase", who="admin", json={"reason": "request DSR-9"})
    assert erased.status_code == 200, erased.json()
    assert _tables_holding(api, email) == []


def test_a_posted_record_does_not_undo_a_stewards_value(api):  # type: ignore[no-untyped-def]
    con = api.client.app.state.service.reader()
    gid, raw = con.execute(
        "SELECT x.golden_id, CAST(r.raw AS VARCHAR) FROM xref x JOIN source_records r USING (record_key)"
        " JOIN golden_records g USING (golden_id) WHERE x.source = 'sales' AND g.record_count >= 2"
        " ORDER BY x.record_key LIMIT 1"
    ).fetchone()
    assert _put(api, gid, "phone", {"value": PHONE, "reason": "customer called"}).status_code == 200
    posted = api.post("/sources/sales/records", json={**json.loads(raw), "mobile": "0389 111 222"}).json()
    assert posted["golden_id"] == gid
    record = _record(api, gid)
    assert record["attributes"]["phone"] == E164
    assert record["lineage"]["phone"][0]["rule"] == "steward_override"
    phones = record["attributes"]["all_phones"]
    assert phones[0] == E164 and "+84389111222" in phones


def test_an_edit_on_a_golden_record_changed_since_it_was_read_is_412(api):  # type: ignore[no-untyped-def]
    """Two stewards read one golden record; the second's edit, made on what they read, must not
    silently replace the first's (a lost update)."""
    gid = _golden(api, 2)
    read = api.get(f"/golden-records/{gid}", who="steward")
    tag = read.headers["etag"]
    assert tag.startswith('W/"') and read.headers["etag"] == api.get(f"/golden-records/{gid}").headers["etag"]

    first = api.client.put(f"/golden-records/{gid}/overrides/phone",
                           json={"value": PHONE, "reason": "called"},
                           headers={**api.headers("steward"), "If-Match": tag})
    assert first.status_code == 200, first.json()
    assert first.headers["etag"] not in (tag, None)
    assert first.headers["etag"] == api.get(f"/golden-records/{gid}").headers["etag"]
    second = api.client.put(f"/golden-records/{gid}/overrides/phone", json={"value": "0903 218 475",
                            "reason": "called too"}, headers={**api.headers("steward"), "If-Match": tag})
    assert second.status_code == 412, second.json()
    assert second.json()["error"] == "precondition_failed" and gid in second.json()["detail"]
    assert _record(api, gid)["attributes"]["phone"] == E164  # the first steward's value stands
    removed = api.client.delete(f"/golden-records/{gid}/overrides/phone", params={"reason": "wrong"},
                                headers={**api.headers("steward"), "If-Match": tag})
    assert removed.status_code == 412 and [o["value"] for o in _listed(api, gid)] == [E164]

    # with the tag as it is now (strong or weak, or any), or none, the edit is made
    now = first.headers["etag"]
    assert api.client.delete(f"/golden-records/{gid}/overrides/phone", params={"reason": "wrong"},
                             headers={**api.headers("steward"), "If-Match": f'"x", {now.removeprefix("W/")}'}
                             ).status_code == 200
    assert _put(api, gid, "phone", {"value": PHONE, "reason": "called"}).status_code == 200
    star = {**api.headers("steward"), "If-Match": "*"}
    assert api.client.put(f"/golden-records/{gid}/overrides/phone", json={"value": PHONE, "reason": "again"},
                          headers=star).status_code == 200
    assert api.client.put("/golden-records/GNOPE/overrides/phone", json={"value": PHONE, "reason": "x"},
                          headers=star).status_code == 404


def test_a_lookup_answers_304_while_the_golden_record_is_unchanged(api):  # type: ignore[no-untyped-def]
    """A downstream system keeps its copy and asks again cheaply."""
    gid = _golden(api, 2)
    key = api.get(f"/golden-records/{gid}").json()["members"][0]
    xref = f"/xref/{key['source']}/{key['source_id']}"
    for path in (f"/golden-records/{gid}", xref):
        first = api.get(path)
        tag = first.headers["etag"]
        again = api.client.get(path, headers={**api.headers("reader"), "If-None-Match": tag})
        assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", tag)
        other = api.client.get(path, headers={**api.headers("reader"), "If-None-Match": 'W/"nope"'})
        assert other.status_code == 200 and other.json() == first.json()
    assert _put(api, gid, "email", {"value": "lan.tran@example.vn", "reason": "asked"}).status_code == 200
    for path in (f"/golden-records/{gid}", xref):
        stale = api.client.get(path, headers={**api.headers("reader"), "If-None-Match": tag})
        assert stale.status_code == 200 and stale.headers["etag"] != tag

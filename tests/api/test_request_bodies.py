"""A key any JSON request body writes twice with different values is a 422 naming it (api/bodies.py),
as a posted record's is (tests/api/test_records.py): Python's json, FastAPI's parse, kept the last
value and lost the first unseen."""

from __future__ import annotations

SAID = "the key {!r} is written twice with different values (which one is meant is unknown)"


def _send(api, method, path, body, who):  # type: ignore[no-untyped-def]
    headers = {**api.headers(who), "Content-Type": "application/json"}
    return api.client.request(method, path, content=body, headers=headers)


def test_a_key_any_body_writes_twice_differently_is_422_naming_it(api):  # type: ignore[no-untyped-def]
    """A decision written ``match`` then ``not_a_match`` was taken as not a match; an override's
    value, a lookup's source, a batch's records likewise (the first batch's records never posted).
    A tab or a line break before the colon hid the repeat too. The same value twice is taken."""
    item = api.get("/review-queue", who="steward", params={"limit": 1}).json()["data"][0]
    decide, gid = f"/review-queue/{item['item_id']}/decision", item["left"]["golden_id"]
    refused = [
        ("POST", decide, "steward", b'{"decision": "match", "decision": "not_a_match"}', "decision"),
        ("POST", decide, "steward", b'{"decision"\n: "match", "decision"\r\n: "not_a_match"}', "decision"),
        ("PUT", f"/golden-records/{gid}/overrides/first_name", "steward",
         b'{"value": "An", "reason": "called", "value": "Anh"}', "value"),
        ("POST", "/xref:lookup", "reader",
         b'{"keys": [{"source": "sales", "source_id": "1"}, {"source": "sales", "source_id": "2",'
         b' "source"\t: "billing"}]}', "keys.1.source"),
        ("POST", "/runs", "admin", b'{"sources": "/no/a.yaml", "sources": "/no/b.yaml"}', "sources"),
        ("POST", "/sources/sales/records:batch", "writer",
         b'{"records": [{"crm_id": "RB-1"}], "records": [{"crm_id": "RB-2"}]}', "records"),
    ]
    for method, path, who, body, key in refused:
        r = _send(api, method, path, body, who)
        assert (r.status_code, r.json()) == (422, {"error": "invalid_input", "detail": SAID.format(key)}), (
            path, body, r.text)
    assert api.get(f"/review-queue/{item['item_id']}", who="steward").json()["status"] == "open"
    assert api.get(f"/golden-records/{gid}/overrides", who="steward").json()["count"] == 0
    assert [api.get(f"/sources/sales/records/RB-{n}").status_code for n in (1, 2)] == [404, 404]

    same = b'{"decision": "match", "comment": "same", "decision": "match"}'
    r = _send(api, "POST", decide, same, "steward")
    assert r.status_code == 200, r.text
    assert api.get(f"/review-queue/{item['item_id']}", who="steward").json()["status"] == "decided"


def test_every_key_written_twice_is_named_but_a_batch_records_own(api):  # type: ignore[no-untyped-def]
    """Each key written twice is named, in the order written; inside a batch's record, only that
    record's result says so (the others are posted), as before."""
    r = _send(api, "POST", "/xref:lookup", b'{"keys": [{"source": "a", "source": "b", "source_id": "1"}],'
              b' "include_records": true, "include_records": false}', "reader")
    assert r.status_code == 422, r.text
    assert r.json()["detail"] == ("the keys 'include_records', 'keys.0.source' are each written twice with"
                                  " different values (which one is meant is unknown)")
    batch = b'{"records": [{"crm_id": "RB-3", "first_name": "Vy"}, {"crm_id": "RB-4", "crm_id"\t: "RB-5"}]}'
    r = _send(api, "POST", "/sources/sales/records:batch", batch, "writer")
    assert r.status_code == 200 and [d["status"] for d in r.json()["data"]] == ["ok", "error"], r.text
    assert r.json()["data"][1]["error"] == {"error": "invalid_input", "detail": SAID.format("crm_id")}

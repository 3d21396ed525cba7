"""A deleted record that alone held its golden record's records together: the rest split."""

from __future__ import annotations

# Long and his marketing sign-up share an e-mail; the sign-up and his billing account share a
# mobile. Billing and sales share only a name, in two cities: the sign-up holds them together.
LONG_SALES = {"crm_id": "SPLIT-L", "first_name": "Văn Long", "last_name": "Hoàng",
              "email": "long.hoang.split@example.vn", "mobile": "0901 111 222", "city": "Huế"}
LONG_SIGN_UP = {"subscriber_id": "split_x", "name": "HOANG VAN LONG", "email": "long.hoang.split@example.vn",
                "phone": "0903 333 444", "city": "Hue"}
LONG_BILLING = {"account_no": "SPLIT-R", "account_holder": "Hoang Van Long", "phone": "0903 333 444",
                "city": "Đà Nẵng", "dob": "12/07/1980"}


def _golden_of(api, source: str, source_id: str) -> str:  # type: ignore[no-untyped-def]
    return api.get(f"/xref/{source}/{source_id}").json()["golden_id"]


def test_records_only_the_deleted_one_held_together_split(api, small_sample):  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=LONG_SALES).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=LONG_SIGN_UP).json()["golden_id"] == gid
    assert api.post("/sources/billing/records", json=LONG_BILLING).json()["golden_id"] == gid
    links = api.get(f"/golden-records/{gid}/links").json()["data"]
    apart = next(p for p in links if {p["left"]["source"], p["right"]["source"]} == {"sales", "billing"})
    assert apart["match_probability"] < 0.5  # only through the sign-up

    gone = api.client.delete("/sources/marketing/records/split_x", headers=api.headers("writer"))
    assert gone.status_code == 200, gone.json()
    body = gone.json()
    assert body["golden_id"] == gid and body["golden_change"] == "changed"
    (new,) = body["split_into"]
    # Each part is a golden record of its own records; the larger keeps the id (here both are one
    # record: the lower key, billing's, keeps it).
    assert _golden_of(api, "billing", "SPLIT-R") == gid and _golden_of(api, "sales", "SPLIT-L") == new
    kept = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    split = api.get(f"/golden-records/{new}", who="reader_pii").json()
    assert [m["source_id"] for m in kept["members"]] == ["SPLIT-R"] and kept["attributes"]["phone"] == "+84903333444"
    assert [m["source_id"] for m in split["members"]] == ["SPLIT-L"] and split["attributes"]["phone"] == "+84901111222"
    assert split["attributes"]["date_of_birth"] is None  # billing's birth date stayed with billing
    (entry,) = api.get(f"/golden-records/{new}/history").json()["data"]
    assert (entry["change"], entry["cause"], entry["cause_id"]) == ("split", "record_deleted", "marketing:split_x")
    head = api.get("/changes", params={"after": 0, "limit": 1}).json()["head"]
    changes = api.get("/changes", params={"after": head - 2}).json()["data"]  # the deletion's two
    assert [(c["golden_id"], c["change"], c["cause"]) for c in changes] == [
        (gid, "changed", "record_deleted"), (new, "split", "record_deleted")]
    audit = api.get("/audit", who="admin", params={"action": "record.delete", "limit": 1}).json()["data"][0]
    assert audit["detail"]["split_into"] == [new]

    # Real time follows: billing's record, posted again changed, stays in its own golden record.
    again = api.post("/sources/billing/records", json={**LONG_BILLING, "city": "Da Nang"}).json()
    assert again["golden_id"] == gid, again
    # A batch run finds the same two customers and keeps both ids.
    r = api.post("/runs", who="admin", json={"sources": str(small_sample / "sources.yaml")})
    assert r.status_code == 202, r.json()
    api.client.app.state.service._run_thread.join()
    assert api.get(f"/runs/{r.json()['run_id']}", who="admin").json()["status"] == "succeeded"
    assert (_golden_of(api, "billing", "SPLIT-R"), _golden_of(api, "sales", "SPLIT-L")) == (gid, new)


def test_records_that_still_link_stay_together(api):  # type: ignore[no-untyped-def]
    gid = api.post("/sources/sales/records", json=LONG_SALES).json()["golden_id"]
    assert api.post("/sources/marketing/records", json=LONG_SIGN_UP).json()["golden_id"] == gid
    both = {**LONG_BILLING, "phone": "0901 111 222", "city": "Huế"}  # shares sales's mobile and city
    assert api.post("/sources/billing/records", json=both).json()["golden_id"] == gid
    body = api.client.delete("/sources/marketing/records/split_x", headers=api.headers("writer")).json()
    assert (body["golden_change"], body["split_into"]) == ("changed", [])
    assert _golden_of(api, "billing", "SPLIT-R") == _golden_of(api, "sales", "SPLIT-L") == gid

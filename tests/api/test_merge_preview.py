"""What a merge would make, before a steward makes it: nothing changes."""

from __future__ import annotations

from tests.conftest import BY_FIRST_MEMBER

PREVIEW = "/golden-records/merge:preview"


def _count(api, sql):  # type: ignore[no-untyped-def]
    return api.client.app.state.service.reader().execute(sql).fetchall()[0][0]


def test_a_preview_shows_the_merged_record_and_where_birth_dates_disagree(api):  # type: ignore[no-untyped-def]
    con = api.client.app.state.service.reader()
    dated = ("SELECT golden_id, json_extract_string(attributes, '$.date_of_birth') AS dob, record_count,"
             f" {BY_FIRST_MEMBER} AS first_member FROM golden_records WHERE status = 'active'"
             " AND json_extract_string(attributes, '$.date_of_birth') IS NOT NULL")
    # Two birth dates apart in year, month and day: no typo or swapped day and month between them.
    (a, dob_a, n_a, b, dob_b, n_b), = con.execute(
        f"SELECT x.* EXCLUDE (first_member), y.* EXCLUDE (first_member) FROM ({dated}) x, ({dated}) y"
        " WHERE x.first_member < y.first_member"
        " AND substr(x.dob, 1, 4) <> substr(y.dob, 1, 4) AND substr(x.dob, 6, 2) <> substr(y.dob, 6, 2)"
        " AND substr(x.dob, 9, 2) <> substr(y.dob, 9, 2) AND substr(x.dob, 6, 2) <> substr(y.dob, 9, 2)"
        " ORDER BY x.first_member, y.first_member LIMIT 1"
    ).fetchall()
    override = api.client.put(f"/golden-records/{a}/overrides/company", headers=api.headers("steward"),
                              json={"value": "Công ty TNHH Ánh Dương", "reason": "from the contract"}).json()
    tables = ("decisions", "golden_history", "audit_log")
    before = [_count(api, f"SELECT count(*) FROM {t}") for t in tables]
    r = api.post(PREVIEW, who="steward", json={"golden_ids": [a, b]})
    assert r.status_code == 200, r.json()
    preview = r.json()
    merged = preview["golden_record"]
    assert preview["golden_id"] in (a, b) and merged["golden_id"] == preview["golden_id"]
    assert merged["record_count"] == n_a + n_b == len(merged["members"])
    assert merged["attributes"]["company"] == "Công ty TNHH Ánh Dương"  # the steward's value goes with it
    assert merged["lineage"]["company"][0]["source_id"] == override["override"]["override_id"]
    (conflict,) = preview["conflicts"]
    assert conflict["conflict"] == "different date_of_birth" and set(conflict["golden_ids"]) == {a, b}
    assert conflict["values"][a] == [dob_a] and conflict["values"][b] == [dob_b]
    assert [_count(api, f"SELECT count(*) FROM {t}") for t in tables] == before
    assert api.get(f"/golden-records/{b}").json()["golden_id"] == b  # nothing was merged


def test_a_preview_names_the_decisions_it_would_overrule(api):  # type: ignore[no-untyped-def]
    items = api.get("/review-queue", who="steward", params={"limit": 200}).json()["data"]
    item = next(i for i in items if i["left"]["golden_id"] != i["right"]["golden_id"])
    decided = api.post(f"/review-queue/{item['item_id']}/decision", who="steward",
                       json={"decision": "not_a_match"}).json()
    preview = api.post(PREVIEW, who="steward",
                       json={"golden_ids": [item["left"]["golden_id"], item["right"]["golden_id"]]}).json()
    (ruled,) = preview["ruled_out"]
    assert ruled["decision_id"] == decided["decision_id"]
    assert {(k["source"], k["source_id"]) for k in (ruled["left"], ruled["right"])} == {
        (item[s]["source"], item[s]["source_id"]) for s in ("left", "right")}


def test_a_bad_preview_is_refused(api):  # type: ignore[no-untyped-def]
    gid = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    assert api.post(PREVIEW, who="steward", json={"golden_ids": [gid, gid]}).status_code == 422
    assert api.post(PREVIEW, who="steward", json={"golden_ids": [gid, "GNOPE"]}).status_code == 404
    assert api.post(PREVIEW, who="reader", json={"golden_ids": [gid, "GNOPE"]}).status_code == 403

"""Who may do what: 401 without a valid key, 403 with a key lacking the role, masking of PII."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import pytest
from fastapi.routing import APIRoute

from api.main import create_app
from api.settings import ApiSettings

# (method, path, body, the weakest role allowed)
ENDPOINTS = [
    ("GET", "/xref/sales/CRM-000001", None, "reader"),
    ("GET", "/golden-records?name=nguyen", None, "reader"),
    ("GET", "/runs", None, "reader"),
    ("GET", "/changes", None, "reader"),
    ("POST", "/xref:lookup", {"keys": [{"source": "sales", "source_id": "CRM-000001"}]}, "reader"),
    ("POST", "/sources/sales/records", {"crm_id": "ACL-1", "first_name": "Lan", "last_name": "Trần"}, "writer"),
    ("POST", "/runs", {"sources": "/nonexistent.yaml"}, "admin"),
    ("GET", "/keys", None, "admin"),
    ("GET", "/audit", None, "admin"),
]
ALLOWED = {
    "reader": {"reader"},
    "writer": {"writer", "admin"},
    "admin": {"admin"},
}


def _call(api, method, path, body, headers):  # type: ignore[no-untyped-def]
    return api.client.request(method, path, json=body, headers=headers)


@pytest.mark.parametrize(("method", "path", "body", "weakest"), ENDPOINTS)
def test_role_matrix(api, method, path, body, weakest):  # type: ignore[no-untyped-def]
    assert _call(api, method, path, body, {}).status_code == 401
    assert _call(api, method, path, body, {"Authorization": "Bearer mdm_not_a_key"}).status_code == 401
    allowed = {"reader", "writer", "steward", "admin"} if weakest == "reader" else ALLOWED[weakest]
    for role in ("reader", "writer", "steward", "admin"):
        r = _call(api, method, path, body, api.headers(role))
        if role in allowed:
            assert r.status_code not in (401, 403), (role, r.json())
        else:
            assert r.status_code == 403, (role, r.status_code)
            assert r.json()["error"] == "forbidden"


def test_x_api_key_header_works_and_health_needs_no_key(api):  # type: ignore[no-untyped-def]
    assert api.client.get("/health").json() == {"status": "ok"}
    r = api.client.get("/runs", headers={"X-API-Key": api.keys["reader"]})
    assert r.status_code == 200


def test_other_authorization_schemes_are_refused(api):  # type: ignore[no-untyped-def]
    key = api.keys["reader"]
    assert api.client.get("/runs", headers={"Authorization": f"Basic {key}"}).status_code == 401
    assert api.client.get("/runs", headers={"Authorization": "Bearer  "}).status_code == 401
    assert api.client.get("/runs", headers={"Authorization": f"bearer  {key} "}).status_code == 200


def test_the_openapi_document_names_the_key_schemes(api):  # type: ignore[no-untyped-def]
    doc = api.client.get("/openapi.json").json()
    assert set(doc["components"]["securitySchemes"]) == {"bearer", "apiKey"}
    assert doc["components"]["securitySchemes"]["apiKey"]["name"] == "X-API-Key"
    both = [{"bearer": []}, {"apiKey": []}]
    assert doc["paths"]["/xref/{source}/{source_id}"]["get"]["security"] == both
    assert doc["paths"]["/sources/{source}/records"]["post"]["security"] == both
    assert "security" not in doc["paths"]["/health"]["get"]


def test_revoked_key_is_refused(api):  # type: ignore[no-untyped-def]
    created = api.post("/keys", who="admin", json={"name": "temp", "role": "reader"})
    assert created.status_code == 201
    key, key_id = created.json()["key"], created.json()["key_id"]
    assert api.client.get("/runs", headers={"X-API-Key": key}).status_code == 200
    assert api.client.delete(f"/keys/{key_id}", headers=api.headers("admin")).status_code == 204
    assert api.client.get("/runs", headers={"X-API-Key": key}).status_code == 401
    assert api.client.delete(f"/keys/{key_id}", headers=api.headers("admin")).status_code == 404


def test_keys_are_stored_hashed(api):  # type: ignore[no-untyped-def]
    created = api.post("/keys", who="admin", json={"name": "hashed", "role": "writer", "pii": True}).json()
    con = api.client.app.state.service.reader()  # the service owns the file while it runs
    stored = con.execute("SELECT key_hash FROM api_keys WHERE key_id = ?", [created["key_id"]]).fetchall()
    everything = str(con.execute("SELECT * FROM api_keys").fetchall())
    assert stored and stored[0][0] != created["key"]
    assert created["key"] not in everything


def _golden_with_email_and_phone(api):  # type: ignore[no-untyped-def]
    page = api.get("/golden-records", who="reader_pii", params={"limit": 100}).json()
    for hit in page["data"]:
        attrs = hit["golden_record"]["attributes"]
        if attrs.get("email") and attrs.get("phone"):
            return hit["golden_record"]
    raise AssertionError("the sample has golden records with an email and a phone")


def test_readers_see_emails_and_phones_masked_unless_pii(api):  # type: ignore[no-untyped-def]
    record = _golden_with_email_and_phone(api)
    gid, email, phone = record["golden_id"], record["attributes"]["email"], record["attributes"]["phone"]
    masked = api.get(f"/golden-records/{gid}", who="reader").json()
    assert masked["attributes"]["email"] == f"{email[0]}***@{email.split('@')[1]}"
    assert masked["attributes"]["phone"].endswith(f"*** *** {phone[-3:]}")
    assert masked["attributes"]["phone"].startswith("+")
    flat = str(masked)
    assert email not in flat and phone not in flat  # not in lineage, members or lists either
    clear = api.get(f"/golden-records/{gid}", who="reader_pii").json()
    assert clear["attributes"]["email"] == email
    assert email in str(clear["lineage"]) and phone in str(clear["members"])
    # ... and wherever else the record is served: a search, and a lookup by source key
    found = api.get("/golden-records", who="reader", params={"email": email}).json()
    assert gid in [h["golden_record"]["golden_id"] for h in found["data"]]
    member = clear["members"][0]
    by_key = api.get(f"/xref/{member['source']}/{member['source_id']}", who="reader").json()
    assert by_key["golden_record"]["golden_id"] == gid
    history = api.get(f"/golden-records/{gid}/history", who="reader").json()
    assert history["data"] and history["data"][0]["after"]["email"] == masked["attributes"]["email"]
    for served in (found, by_key, history):
        assert email not in str(served) and phone not in str(served)
    clear_history = api.get(f"/golden-records/{gid}/history", who="reader_pii").json()
    assert clear_history["data"][0]["after"]["email"] == email


def test_the_audit_log_filters_and_counts(api):  # type: ignore[no-untyped-def]
    from tests.api.test_records import VY

    started = api.get("/audit", who="admin").json()
    api.post("/sources/sales/records", json=VY)
    api.post("/sources/sales/records", json={**VY, "city": "Huế"})
    listed = api.get("/golden-records", params={"limit": 2}).json()["data"]
    gids = [h["golden_record"]["golden_id"] for h in listed]
    merged = api.post("/golden-records/merge", who="steward", json={"golden_ids": gids}).json()
    every = api.get("/audit", who="admin", params={"limit": 2}).json()
    assert every["count"] == started["count"] + 3  # the count is of all entries, not of the page
    assert len(every["data"]) == 2
    upserts = api.get("/audit", who="admin",
                      params={"action": "record.upsert", "actor": "test-writer"}).json()
    assert upserts["count"] == 2 and {e["target"] for e in upserts["data"]} == {"sales:RT-1"}
    decisions = api.get("/audit", who="admin", params={"action": "decision."}).json()["data"]
    assert [e["target"] for e in decisions] == [merged["decision"]["decision_id"]]
    newest = every["data"][0]["occurred_at"]
    assert api.get("/audit", who="admin", params={"until": newest}).json()["count"] == every["count"] - 1
    assert api.get("/audit", who="admin", params={"since": newest}).json()["count"] == 1
    seven_hours_earlier = newest.removesuffix("Z").replace("T", " ") + "+07:00"
    with_offset = api.get("/audit", who="admin", params={"since": seven_hours_earlier}).json()
    assert with_offset["count"] == every["count"]  # seven hours earlier in UTC: all of them
    assert api.get("/audit", who="admin", params={"action": "DROP TABLE"}).status_code == 422
    assert api.get("/audit", who="steward").status_code == 403


def test_the_audit_log_s_time_range_is_a_date_or_a_time_not_a_number(api):  # type: ignore[no-untyped-def]
    """since=2026 was read as 2026 seconds after 1970 and gave every entry; a date is this year's."""
    api.post("/sources/sales/records", json={"crm_id": "AUD-1", "first_name": "Lan", "last_name": "Trần"})
    every = api.get("/audit", who="admin").json()
    for name, value in (("since", "2026"), ("until", "1700000000"), ("since", "2026.5")):
        r = api.get("/audit", who="admin", params={name: value})
        assert r.status_code == 422 and r.json()["detail"].startswith(f"field {name!r}: "), r.text
    today = every["data"][0]["occurred_at"][:10]  # the post's day: a date is its midnight
    assert api.get("/audit", who="admin", params={"since": today}).json()["count"] >= 1
    assert api.get("/audit", who="admin", params={"until": today}).json()["count"] < every["count"]


def test_the_audit_log_pages_by_entry_while_writes_go_on(api):  # type: ignore[no-untyped-def]
    """Paged by ``offset``, newest first, an export of the audit log taken while the service writes
    repeats entries: each new one pushes the others a place down. Paged by ``before`` (the last
    entry's id), it reads each entry once."""
    from tests.api.test_records import VY

    for i in range(5):
        api.post("/sources/sales/records", json={**VY, "crm_id": f"AU-{i}"})
    whole = api.get("/audit", who="admin", params={"limit": 500}).json()
    read, before, pages = [], None, 0
    while True:
        paging = {"before": before} if before else {}
        page = api.get("/audit", who="admin", params={"limit": 2, **paging}).json()
        read += [e["audit_id"] for e in page["data"]]
        pages += 1
        api.post("/sources/sales/records", json={**VY, "crm_id": f"AU-new-{pages}"})  # a write between pages
        before = page["next_before"]
        if before is None:
            break
    assert read == [e["audit_id"] for e in whole["data"]]
    assert pages == -(-whole["count"] // 2)
    upserts = api.get("/audit", who="admin", params={"action": "record.upsert", "limit": 3}).json()
    after = api.get("/audit", who="admin", params={"action": "record.upsert", "limit": 3,
                                                    "before": upserts["next_before"]}).json()
    assert {e["action"] for e in after["data"]} == {"record.upsert"}
    assert not {e["audit_id"] for e in after["data"]} & {e["audit_id"] for e in upserts["data"]}
    refused = api.get("/audit", who="admin", params={"before": "A0000NOSUCHENTRY"})
    assert refused.status_code == 422 and "before" in refused.text
    both = api.get("/audit", who="admin", params={"before": whole["data"][0]["audit_id"], "offset": 2})
    assert both.status_code == 422 and "before" in both.text


def test_a_key_stops_working_when_it_expires(api):  # type: ignore[no-untyped-def]
    made = api.post("/keys", who="admin",
                    json={"name": "contractor", "role": "reader", "expires_in_days": 30})
    assert made.status_code == 201, made.json()
    body = made.json()
    created, expires = (dt.datetime.fromisoformat(body[k]) for k in ("created_at", "expires_at"))
    assert expires - created == dt.timedelta(days=30)
    headers = {"Authorization": f"Bearer {body['key']}"}
    assert api.client.get("/golden-records?limit=1", headers=headers).status_code == 200
    # Thirty days on: authentication holds the key's row in a cache, and checks its expiry each time.
    (row,) = [r for r in api.client.app.state.service._key_cache.values() if r["key_id"] == body["key_id"]]
    row["expires_at"] = dt.datetime.now(dt.UTC).replace(tzinfo=None) - dt.timedelta(seconds=1)
    refused = api.client.get("/golden-records?limit=1", headers=headers)
    assert refused.status_code == 401 and "expired" in refused.json()["detail"]
    listed = {k["key_id"]: k for k in api.get("/keys", who="admin").json()["data"]}
    assert listed[body["key_id"]]["expires_at"] == body["expires_at"]
    assert listed[body["key_id"]]["revoked_at"] is None
    for days in (0, 3651):
        bad = api.post("/keys", who="admin", json={"name": "x", "role": "reader", "expires_in_days": days})
        assert bad.status_code == 422 and "expires_in_days" in bad.json()["detail"]


def test_mdm_keys_create_and_list_with_an_expiry(served_db):  # type: ignore[no-untyped-def]
    from typer.testing import CliRunner

    from mdm.cli import app
    from mdm.store import database

    db, _made = served_db
    runner = CliRunner()
    made = runner.invoke(app, ["keys", "create", "--db", str(db), "--role", "reader", "--name", "etl",
                               "--expires-in-days", "7"])
    assert made.exit_code == 0, made.output
    assert made.stdout.strip().splitlines()[-1].startswith("mdm_") and ", expires " in made.stderr
    listed = runner.invoke(app, ["keys", "list", "--db", str(db)])
    assert listed.exit_code == 0 and "expires" in listed.output and " etl " in listed.output
    con = database.connect(db, read_only=True)
    try:
        (created, expires), = con.execute(
            "SELECT created_at, expires_at FROM api_keys WHERE name = 'etl'").fetchall()
    finally:
        con.close()
    assert expires - created == dt.timedelta(days=7)
    refused = runner.invoke(app, ["keys", "create", "--db", str(db), "--role", "reader", "--name", "x",
                                  "--expires-in-days", "0"])
    assert refused.exit_code == 2


def test_a_writer_key_limited_to_a_source_writes_only_there(api):  # type: ignore[no-untyped-def]
    """One source system's key must not post or delete another system's records."""
    made = api.post("/keys", who="admin",
                    json={"name": "crm", "role": "writer", "sources": ["sales", "sales"]})
    assert made.status_code == 201, made.json()
    assert made.json()["sources"] == ["sales"]
    crm = {"X-API-Key": made.json()["key"]}
    record = {"crm_id": "ACL-9", "first_name": "Lan", "last_name": "Trần"}
    assert api.client.post("/sources/sales/records", json=record, headers=crm).status_code == 200
    others = [
        ("POST", "/sources/marketing/records", {"email": "lan@example.vn"}),
        ("POST", "/sources/billing/records:batch", {"records": [{"x": 1}]}),
        ("POST", "/sources/shipping/records:delete", {"source_ids": ["1"]}),
        ("DELETE", "/sources/billing/records/B7000123", None),
        ("POST", "/runs", {"sources": "/nonexistent.yaml"}),
    ]
    for method, path, body in others:
        r = api.client.request(method, path, json=body, headers=crm)
        assert r.status_code == 403, (path, r.json())
    r = api.client.post("/sources/marketing/records", json={"email": "lan@example.vn"}, headers=crm)
    assert r.json()["detail"] == "the key may write only to its sources (sales), not to 'marketing'"
    assert api.client.delete("/sources/sales/records/ACL-9", headers=crm).status_code == 200
    assert api.client.get("/xref/sales/CRM-000001", headers=crm).status_code == 200  # it still reads
    listed = {k["key_id"]: k for k in api.get("/keys", who="admin").json()["data"]}
    assert listed[made.json()["key_id"]]["sources"] == ["sales"]
    assert listed[made.json()["key_id"]]["role"] == "writer"


@pytest.mark.parametrize(("body", "why"), [
    ({"role": "writer", "sources": ["sales", "crm"]}, "no source named 'crm' (the sources: billing,"),
    ({"role": "reader", "sources": ["sales"]}, "only a writer key is limited to sources, not a reader key"),
])
def test_a_key_limited_to_sources_names_real_sources_of_a_writer(  # type: ignore[no-untyped-def]
    api, body, why
):
    r = api.post("/keys", who="admin", json={"name": "typo", **body})
    assert r.status_code == 422 and r.json()["detail"].startswith(f"field 'sources': {why}"), r.json()
    assert [k for k in api.get("/keys", who="admin").json()["data"] if k["name"] == "typo"] == []
    empty = api.post("/keys", who="admin", json={"name": "typo", "role": "writer", "sources": []})
    assert empty.status_code == 422 and "sources" in empty.json()["detail"], empty.json()


# The role README.md names for each permission api/deps.py's ``require`` checks; none for no check.
_README_ROLE = {"read": "reader", "write": "writer", "steward": "steward", "admin": "admin"}


def _permission(route: APIRoute) -> str | None:
    """The permission the route's key check asks for (``require``'s), None for a route without one."""
    todo, found = list(route.dependant.dependencies), []
    while todo:
        dependency = todo.pop()
        todo.extend(dependency.dependencies)
        if inspect.isfunction(dependency.call):
            held = inspect.getclosurevars(dependency.call).nonlocals
            found += [held["permission"]] if "permission" in held else []
    assert len(set(found)) <= 1, (route.path, found)
    return found[0] if found else None


def test_readme_names_the_key_every_operation_needs(tmp_path):  # type: ignore[no-untyped-def]
    """README.md's table of keys lists each operation of the API once, under the role whose key it
    needs: a client team reads there which key to ask for (`/similar` needs a steward's)."""
    app = create_app(ApiSettings(db_path=tmp_path / "none.duckdb"))  # not started: no database opened
    served = {}
    for included in app.routes:  # FastAPI keeps each included router whole
        router = getattr(included, "original_router", None)
        for route in router.routes if router is not None else [included]:
            if isinstance(route, APIRoute) and route.include_in_schema:
                for method in route.methods:
                    path = re.sub(r":\w+}", "}", route.path)  # {source_id:source_key} -> {source_id}
                    served[f"{method} {path}"] = _README_ROLE.get(_permission(route) or "", "none")
    readme = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
    listed: dict[str, list[str]] = {}
    for role, operations in re.findall(r"^\| (none|reader|writer|steward|admin) \| (.*) \|$", readme, re.M):
        for operation in re.findall(r"`([A-Z]+ /[^`]*)`", operations):
            listed.setdefault(operation, []).append(role)
    assert len(served) > 40
    assert {op: roles for op, roles in listed.items() if len(roles) > 1} == {}
    assert {op: roles[0] for op, roles in listed.items()} == served

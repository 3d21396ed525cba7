"""The OpenAPI document is the contract clients are generated from: every operation is called,
and each answer's status must be one the operation lists, its body valid against the schema the
document gives for that status, and its headers documented (several routes write their JSON by hand)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from jsonschema import Draft202012Validator, FormatChecker
from openapi_spec_validator import validate

from api.main import create_app
from api.settings import ApiSettings
from tests.api.conftest import apart, make_keys

VY = {"crm_id": "OAS-1", "first_name": "Thảo Vy", "last_name": "Lương", "email": "vy.oas1@example.vn",
      "mobile": "0389 111 333", "city": "Đà Nẵng", "last_modified": "2026-05-01T10:00:00"}


# RFC 3339's date-time, which OpenAPI's is: the offset is required (a time without one would be
# read in the client's own zone). jsonschema checks it only with an optional package, so here.
RFC3339 = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)", re.ASCII)
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time")
def _date_time(value: object) -> bool:
    return not isinstance(value, str) or RFC3339.fullmatch(value) is not None


@FORMATS.checks("date")
def _date(value: object) -> bool:
    return not isinstance(value, str) or re.fullmatch(r"\d{4}-\d\d-\d\d", value, re.ASCII) is not None


def closed(schema: Any) -> Any:
    """``schema`` with no property beyond those it names: a field the document leaves out fails too."""
    if isinstance(schema, list):
        return [closed(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: {n: closed(p) for n, p in v.items()} if k == "properties" else closed(v)
           for k, v in schema.items()}
    if "properties" in schema and "additionalProperties" not in schema:
        out["additionalProperties"] = False
    return out


class Contract:
    """A client that checks each answer against the document and notes the operations called."""

    def __init__(self, client: TestClient, keys: dict[str, str]) -> None:
        self.client, self.keys = client, keys
        self.doc = client.get("/openapi.json").json()
        self.called: set[tuple[str, str]] = set()

    def call(self, method: str, template: str, status: int, who: str | None = "admin",
             path: dict[str, str] | None = None, headers: dict[str, str] | None = None, **kw: Any) -> Any:
        url = re.sub(r"{(\w+)}", lambda m: (path or {})[m.group(1)], template)
        sent = {**({"Authorization": f"Bearer {self.keys[who]}"} if who else {}), **(headers or {})}
        r = self.client.request(method, url, headers=sent, **kw)
        assert r.status_code == status, (method, url, r.status_code, r.text[:500])
        operation = self.doc["paths"][template][method.lower()]
        self.called.add((method.lower(), template))
        parameters = {p["name"].lower() for p in operation.get("parameters", []) if p["in"] == "header"}
        for name in headers or {}:
            assert name.lower() in parameters, f"{method} {template}: request header {name} undocumented"
        documented = operation["responses"].get(str(status))
        listed = sorted(operation["responses"])
        assert documented is not None, f"{method} {template} answers {status}, not in {listed}"
        for header in ("etag", "www-authenticate"):
            if header in r.headers:
                assert header in {h.lower() for h in documented.get("headers", {})}, \
                    f"{method} {template} {status}: header {header} undocumented"
        media = documented.get("content", {})
        if status in (204, 304):
            assert not r.content and not media, (method, template, status)
            return None
        content_type = r.headers["content-type"].split(";")[0]
        assert content_type in media, f"{method} {template} {status}: {content_type} not in {sorted(media)}"
        if content_type != "application/json":
            return r.text
        body = r.json()
        schema = {**media[content_type]["schema"], "components": closed(self.doc["components"])}
        problems = [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}"
                    for e in Draft202012Validator(schema, format_checker=FORMATS).iter_errors(body)]
        assert not problems, f"{method} {template} {status}: " + "; ".join(problems[:5])
        return body


def golden(c: Contract, offset: int = 0) -> dict[str, Any]:
    """An active golden record of the sample, the ``offset``-th listed."""
    page = c.call("GET", "/golden-records", 200, who="reader", params={"limit": 1, "offset": offset})
    return page["data"][0]["golden_record"]


@pytest.fixture(scope="module")
def contract(reconciled: tuple[Path, object], tmp_path_factory: pytest.TempPathFactory) -> Iterator[Contract]:
    db = tmp_path_factory.mktemp("contract") / "served.duckdb"
    shutil.copy(reconciled[0], db)
    keys = make_keys(db)
    with TestClient(create_app(ApiSettings(db_path=db, max_body_bytes=64_000))) as client:
        yield Contract(client, keys)


def test_the_document_is_valid_openapi_3_1(contract: Contract) -> None:
    assert contract.doc["openapi"].startswith("3.1")
    validate(contract.doc)


def test_health_and_operations(contract: Contract) -> None:
    c = contract
    c.call("GET", "/health", 200, who=None)
    c.call("GET", "/ready", 200, who=None)
    c.call("GET", "/metrics", 200, who="reader")
    c.call("GET", "/metrics", 401, who=None)


def test_golden_record_reads(contract: Contract) -> None:
    c = contract
    page = c.call("GET", "/golden-records", 200, who="reader", params={"limit": 2})
    gid = page["data"][0]["golden_record"]["golden_id"]
    member = page["data"][0]["golden_record"]["members"][0]
    c.call("GET", "/golden-records", 200, who="reader", params={"name": member["full_name"] or "a"})
    c.call("GET", "/golden-records", 422, who="reader", params={"email": "not an email"})
    c.call("GET", "/golden-records", 422, who="reader", params={"limit": 0})
    c.call("GET", "/golden-records", 401, who=None)
    c.call("GET", "/golden-records/{golden_id}", 200, who="reader", path={"golden_id": gid})
    tag = c.client.get(f"/golden-records/{gid}", headers={"Authorization": f"Bearer {c.keys['reader']}"})
    c.call("GET", "/golden-records/{golden_id}", 304, who="reader", path={"golden_id": gid},
           headers={"If-None-Match": tag.headers["etag"]})
    c.call("GET", "/golden-records/{golden_id}", 404, who="reader", path={"golden_id": "GNOPE"})
    xref = {"source": member["source"], "source_id": member["source_id"]}
    c.call("GET", "/xref/{source}/{source_id}", 200, who="reader", path=xref)
    c.call("GET", "/xref/{source}/{source_id}", 404, who="reader", path={**xref, "source_id": "nope"})
    c.call("POST", "/xref:lookup", 200, who="reader",
           json={"keys": [xref, {"source": "sales", "source_id": "nope"}], "include_records": True})
    c.call("POST", "/xref:lookup", 422, who="reader", json={"keys": []})
    c.call("POST", "/xref:lookup", 413, who="reader", json={"keys": [xref] * 2000})
    c.call("GET", "/golden-records/{golden_id}/household", 200, who="reader", path={"golden_id": gid})
    c.call("GET", "/golden-records/{golden_id}/household", 404, who="reader", path={"golden_id": "GNOPE"})
    c.call("GET", "/golden-records/{golden_id}/history", 200, who="reader_pii", path={"golden_id": gid})
    c.call("GET", "/golden-records/{golden_id}/history", 404, who="reader", path={"golden_id": "GNOPE"})
    c.call("GET", "/golden-records/{golden_id}/links", 200, who="reader", path={"golden_id": gid})
    c.call("GET", "/golden-records/{golden_id}/links", 404, who="reader", path={"golden_id": "GNOPE"})
    c.call("GET", "/golden-records/{golden_id}/overrides", 200, who="reader", path={"golden_id": gid})
    c.call("GET", "/golden-records/{golden_id}/overrides", 404, who="reader", path={"golden_id": "GNOPE"})
    c.call("GET", "/changes", 200, who="reader", params={"limit": 3})
    c.call("GET", "/changes", 422, who="reader", params={"after": 10**9})


def test_source_records(contract: Contract) -> None:
    c = contract
    posted = c.call("POST", "/sources/{source}/records", 200, who="writer", path={"source": "sales"}, json=VY)
    c.call("POST", "/sources/{source}/records", 422, who="writer", path={"source": "sales"}, json={"x": 1})
    c.call("POST", "/sources/{source}/records", 404, who="writer", path={"source": "nope"}, json=VY)
    c.call("POST", "/sources/{source}/records", 403, who="reader", path={"source": "sales"}, json=VY)
    c.call("POST", "/sources/{source}/records:match", 200, who="reader", path={"source": "sales"},
           json={**VY, "crm_id": "OAS-2"})
    c.call("POST", "/sources/{source}/records:batch", 200, who="writer", path={"source": "sales"},
           json={"records": [{**VY, "crm_id": "OAS-3"}, {"x": 1}]})
    c.call("POST", "/sources/{source}/records:batch", 422, who="writer", path={"source": "sales"},
           json={"records": []})
    key = {"source": "sales", "source_id": "OAS-1"}
    c.call("GET", "/sources/{source}/records/{source_id}", 200, who="reader", path=key)
    c.call("GET", "/sources/{source}/records/{source_id}", 404, who="reader", path={**key, "source_id": "no"})
    c.call("DELETE", "/sources/{source}/records/{source_id}", 200, who="writer", path=key)
    c.call("DELETE", "/sources/{source}/records/{source_id}", 404, who="writer", path=key)
    c.call("POST", "/sources/{source}/records:delete", 200, who="writer", path={"source": "sales"},
           json={"source_ids": ["OAS-3", "nope"]})
    assert posted["golden_id"]


def test_not_ready_without_a_model(contract: Contract, monkeypatch: pytest.MonkeyPatch) -> None:
    service = contract.client.app.state.service  # type: ignore[attr-defined]
    monkeypatch.setattr(service, "matcher", None)
    monkeypatch.setattr(service, "not_ready_reason", "no trained model")
    contract.call("GET", "/ready", 503, who=None)
    contract.call("POST", "/sources/{source}/records", 503, who="writer", path={"source": "sales"}, json=VY)


def test_stewardship(contract: Contract) -> None:
    c = contract
    queue = c.call("GET", "/review-queue", 200, who="steward", params={"limit": 5})
    c.call("GET", "/review-queue", 403, who="reader")
    c.call("GET", "/review-queue", 422, who="steward", params={"status": "bogus"})
    first, second = (i["item_id"] for i in apart(queue["data"]))
    c.call("GET", "/review-queue/{item_id}", 200, who="steward", path={"item_id": first})
    c.call("GET", "/review-queue/{item_id}", 404, who="steward", path={"item_id": "nope"})
    c.call("POST", "/review-queue/{item_id}/claim", 200, who="steward", path={"item_id": first})
    c.call("POST", "/review-queue/{item_id}/release", 200, who="steward", path={"item_id": first})
    c.call("POST", "/review-queue/{item_id}/claim", 404, who="steward", path={"item_id": "nope"})
    decided = c.call("POST", "/review-queue/{item_id}/decision", 200, who="steward", path={"item_id": first},
                     json={"decision": "not_a_match"})
    c.call("POST", "/review-queue/{item_id}/decision", 409, who="steward", path={"item_id": first},
           json={"decision": "not_a_match"})
    kept_apart = c.call("GET", "/review-queue/{item_id}", 200, who="steward", path={"item_id": first})
    c.call("POST", "/golden-records/merge", 409, who="steward",
           json={"golden_ids": [kept_apart["left"]["golden_id"], kept_apart["right"]["golden_id"]]})
    c.call("POST", "/review-queue/{item_id}/decision", 422, who="steward", path={"item_id": first},
           json={"decision": "maybe"})
    c.call("POST", "/review-queue:decide", 200, who="steward",
           json={"item_ids": [second, "nope"], "decision": "not_a_match"})
    did = decided["decision_id"]
    c.call("GET", "/decisions", 200, who="steward")
    c.call("GET", "/decisions/{decision_id}", 200, who="steward", path={"decision_id": did})
    c.call("GET", "/decisions/{decision_id}", 404, who="steward", path={"decision_id": "nope"})
    c.call("POST", "/decisions/{decision_id}/undo", 200, who="steward", path={"decision_id": did})
    c.call("POST", "/decisions/{decision_id}/undo", 409, who="steward", path={"decision_id": did})
    one, other = golden(c, 40), golden(c, 41)
    pair = [one["golden_id"], other["golden_id"]]
    c.call("GET", "/golden-records/{golden_id}/similar", 200, who="steward", path={"golden_id": pair[0]})
    c.call("GET", "/golden-records/{golden_id}/similar", 404, who="steward", path={"golden_id": "GNOPE"})
    c.call("POST", "/golden-records/merge:preview", 200, who="steward", json={"golden_ids": pair})
    c.call("POST", "/golden-records/merge:preview", 404, who="steward", json={"golden_ids": [pair[0], "GX"]})
    merged = c.call("POST", "/golden-records/merge", 200, who="steward", json={"golden_ids": pair})
    c.call("POST", "/golden-records/merge", 422, who="steward", json={"golden_ids": [pair[0]]})
    gone = {"golden_id": pair[1] if merged["golden_id"] == pair[0] else pair[0]}  # answered as its survivor
    for listing, who in (("links", "reader"), ("household", "reader"), ("similar", "steward")):
        c.call("GET", f"/golden-records/{{golden_id}}/{listing}", 200, who=who, path=gone)
    member = {k: other["members"][0][k] for k in ("source", "source_id")}
    split = "/golden-records/{golden_id}/split"
    c.call("POST", split, 409, who="steward", path={"golden_id": merged["golden_id"]}, json=member)
    c.call("POST", split, 404, who="steward", path={"golden_id": "GNOPE"}, json=member)
    listed = c.call("GET", "/golden-records", 200, who="reader", params={"limit": 30, "offset": 10})["data"]
    several = next(h["golden_record"] for h in listed if h["golden_record"]["record_count"] > 1)
    member = {k: several["members"][0][k] for k in ("source", "source_id")}
    c.call("POST", split, 200, who="steward", path={"golden_id": several["golden_id"]}, json=member)


def test_overrides(contract: Contract) -> None:
    c = contract
    gid = golden(c)["golden_id"]
    where = {"golden_id": gid, "attribute": "city"}
    c.call("PUT", "/golden-records/{golden_id}/overrides/{attribute}", 200, who="steward", path=where,
           json={"value": "Huế", "reason": "called"})
    c.call("PUT", "/golden-records/{golden_id}/overrides/{attribute}", 412, who="steward", path=where,
           json={"value": "Huế", "reason": "called"}, headers={"If-Match": 'W/"stale"'})
    c.call("PUT", "/golden-records/{golden_id}/overrides/{attribute}", 422, who="steward",
           path={**where, "attribute": "nope"}, json={"value": "x", "reason": "called"})
    c.call("PUT", "/golden-records/{golden_id}/overrides/{attribute}", 404, who="steward",
           path={**where, "golden_id": "GNOPE"}, json={"value": "x", "reason": "called"})
    c.call("PUT", "/golden-records/{golden_id}/overrides/{attribute}", 403, who="reader", path=where,
           json={"value": "Huế", "reason": "called"})
    c.call("DELETE", "/golden-records/{golden_id}/overrides/{attribute}", 200, who="steward", path=where,
           params={"reason": "wrong"})
    c.call("DELETE", "/golden-records/{golden_id}/overrides/{attribute}", 404, who="steward", path=where,
           params={"reason": "wrong"})


def test_admin(contract: Contract) -> None:
    c = contract
    made = c.call("POST", "/keys", 201, json={"name": "oas", "role": "reader"})
    c.call("POST", "/keys", 422, json={"name": "oas", "role": "king"})
    c.call("POST", "/keys", 403, who="steward", json={"name": "oas", "role": "reader"})
    c.call("GET", "/keys", 200)
    c.call("DELETE", "/keys/{key_id}", 204, path={"key_id": made["key_id"]})
    c.call("DELETE", "/keys/{key_id}", 404, path={"key_id": "nope"})
    c.call("GET", "/audit", 200, params={"limit": 5})
    backup = c.call("POST", "/backups", 201)
    c.call("POST", "/backups", 403, who="steward")
    c.call("GET", "/backups", 200)
    c.call("GET", "/integrity", 200)
    c.call("GET", "/integrity", 403, who="steward")
    c.call("DELETE", "/backups/{file}", 204, path={"file": backup["file"]})
    c.call("DELETE", "/backups/{file}", 404, path={"file": backup["file"]})
    c.call("GET", "/audit", 422, params={"action": "Bad Action"})
    sub = c.call("POST", "/subscriptions", 201, json={"name": "oas", "url": "http://127.0.0.1:9/hook"})
    c.call("POST", "/subscriptions", 422, json={"name": "oas", "url": "ftp://x"})
    c.call("GET", "/subscriptions", 200)
    c.call("GET", "/subscriptions/{subscription_id}", 404, path={"subscription_id": "nope"})
    sid = {"subscription_id": sub["subscription_id"]}
    c.call("GET", "/subscriptions/{subscription_id}", 200, path=sid)
    c.call("DELETE", "/subscriptions/{subscription_id}", 204, path=sid)
    c.call("DELETE", "/subscriptions/{subscription_id}", 404, path=sid)
    pair = [golden(c, 60)["golden_id"], golden(c, 61)["golden_id"]]
    gid = c.call("POST", "/golden-records/merge", 200, json={"golden_ids": pair})["golden_id"]
    erase, retired = "/golden-records/{golden_id}/erase", next(g for g in pair if g != gid)
    c.call("GET", "/golden-records/{golden_id}", 200, who="reader", path={"golden_id": retired})  # redirected
    c.call("POST", erase, 409, path={"golden_id": retired}, json={"reason": "DSR"})
    c.call("POST", erase, 200, path={"golden_id": gid}, json={"reason": "DSR"})
    c.call("POST", erase, 404, path={"golden_id": "GNOPE"}, json={"reason": "DSR"})
    c.call("GET", "/golden-records/{golden_id}/history", 200, who="reader", path={"golden_id": retired})
    head = c.call("GET", "/changes", 200, who="reader", params={"limit": 1})["head"]
    latest = c.call("GET", "/changes", 200, who="reader", params={"after": head - 10})["data"]
    assert any(e["change"] == "erased" and e["golden_record"] is None for e in latest)
    c.call("POST", erase, 422, path={"golden_id": gid}, json={})


def test_runs(contract: Contract, small_sample: Path) -> None:
    c = contract
    c.call("POST", "/runs", 422, json={"sources": "/nonexistent/sources.yaml"})
    c.call("POST", "/runs", 422, json={"retrain": "often"})
    run = c.call("POST", "/runs", 202, json={"sources": str(small_sample / "sources.yaml"), "dry_run": True})
    c.call("POST", "/runs", 409, json={"sources": str(small_sample / "sources.yaml"), "dry_run": True})
    c.client.app.state.service._run_thread.join()  # type: ignore[attr-defined]
    c.call("GET", "/runs", 200, who="reader")
    c.call("GET", "/runs/{run_id}", 200, who="reader", path={"run_id": run["run_id"]})
    c.call("GET", "/runs/{run_id}", 404, who="reader", path={"run_id": "nope"})


def test_every_operation_was_called(contract: Contract) -> None:
    """Last in the file: an operation added without a call here fails this."""
    operations = {(m, p) for p, ops in contract.doc["paths"].items() for m in ops}
    assert operations - contract.called == set()

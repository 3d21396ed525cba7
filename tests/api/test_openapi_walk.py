"""What every operation of the OpenAPI document does with a request no client generated from it
would send right, walked from the document, so an operation added is walked too."""

from __future__ import annotations

import json
import re
from typing import Any

LONE = "\ud800"


def _resolved(doc: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _filled(doc: dict[str, Any], schema: dict[str, Any], at: str, named: list[str], kind: str = "string",
            sent: Any = LONE) -> Any:
    """A value for ``schema`` with ``sent`` in every field of type ``kind`` (by default the lone
    surrogate in every text), noting each such field; None in the others."""
    schema = _resolved(doc, schema)
    options = [_resolved(doc, s) for s in schema.get("anyOf", [schema])]
    kinds = {s.get("type") for s in options}
    if kind in kinds:
        named.append(at)
        return sent
    if "object" in kinds:
        properties = next(s for s in options if s.get("type") == "object").get("properties", {})
        return {k: _filled(doc, p, f"{at}.{k}".lstrip("."), named, kind, sent) for k, p in properties.items()}
    if "array" in kinds:
        array = next(s for s in options if s.get("type") == "array")
        return [_filled(doc, array["items"], f"{at}.{i}", named, kind, sent)
                for i in range(array.get("minItems", 1))]
    return None


def _url(template: str) -> str:
    return re.sub(r"{\w+}", "x", template)


def test_text_no_utf_8_holds_is_422_naming_its_field(api):  # type: ignore[no-untyped-def]
    """Half a surrogate pair (JSON may escape one, ``"\\ud800"``; no UTF-8 holds it) in any text
    field of any body: a 422 naming the field, not the 500 of DuckDB refusing to store it."""
    doc = api.client.get("/openapi.json").json()
    walked = 0
    for template, operations in doc["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            named: list[str] = []
            body = _filled(doc, content["schema"], "", named) if content else None
            if not named:  # no body, or a source's record (its text is replaced: test_records.py)
                continue
            r = api.client.request(method, _url(template), content=json.dumps(body),
                                   headers={**api.headers("admin"), "Content-Type": "application/json"})
            assert r.status_code == 422, (method, template, r.status_code, r.text[:300])
            for field in named:
                assert f"field {field!r}" in r.json()["detail"], (method, template, field, r.text[:300])
            walked += 1
    assert walked >= 10


def test_a_yes_no_field_sent_as_other_than_true_or_false_is_a_422(api):  # type: ignore[no-untyped-def]
    """Every body's booleans take JSON true and false only: "false" as text, or 0, was read as false
    and "yes" or 1 as true (pydantic's lax mode), so a client's slip was a silent reading. The body
    also names a field no operation takes, so none is carried out whatever it does with the rest."""
    doc = api.client.get("/openapi.json").json()
    walked = 0
    for template, operations in doc["paths"].items():
        for method, operation in operations.items():
            content = operation.get("requestBody", {}).get("content", {}).get("application/json")
            for sent in ("false", "true", 0, 1, "yes", "off"):
                named: list[str] = []
                body = _filled(doc, content["schema"], "", named, "boolean", sent) if content else None
                if not named:
                    break
                r = api.client.request(method, _url(template), content=json.dumps({**body, "not_a_field": 1}),
                                       headers={**api.headers("admin"), "Content-Type": "application/json"})
                assert r.status_code == 422, (method, template, sent, r.status_code, r.text[:300])
                for field in named:
                    assert f"field {field!r}: Input should be a valid boolean" in r.json()["detail"], (
                        method, template, field, sent, r.text[:300])
                walked += 1
    assert walked >= 4 * 6  # lookup's include_records, a run's, a key's and a subscription's


def _boolean_query_parameters(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """Each (method, path template, name) of a boolean query parameter the document lists."""
    return [(method, template, p["name"]) for template, operations in doc["paths"].items()
            for method, operation in operations.items() for p in operation.get("parameters", [])
            if p["in"] == "query"
            and "boolean" in {s.get("type") for s in p["schema"].get("anyOf", [p["schema"]])}]


def test_a_yes_no_query_parameter_takes_true_or_false_only(api):  # type: ignore[no-untyped-def]
    """Every boolean query parameter takes true and false, in any case (Python's requests sends
    True), as a body's booleans take JSON true and false only: "yes", "on", "1" were read as true
    and "off", "0" as false, so ``GET /subscriptions?revoked=yes`` listed the revoked ones on a guess."""
    walked = _boolean_query_parameters(api.client.get("/openapi.json").json())
    for method, template, name in walked:
        for sent in ("yes", "no", "on", "off", "1", "0", "", "t", "true", "True", "FALSE"):
            r = api.client.request(method, _url(template), params={name: sent}, headers=api.headers("admin"))
            if sent.lower() in ("true", "false"):
                assert r.status_code != 422, (method, template, name, sent, r.text[:300])
                continue
            assert r.status_code == 422, (method, template, name, sent, r.status_code, r.text[:300])
            assert r.json()["detail"] == f"field {name!r}: Input should be true or false", r.text[:300]
    assert len(walked) >= 2  # a golden record's overrides' removed, the subscriptions' revoked


def test_a_yes_no_query_parameter_is_read_as_sent(api):  # type: ignore[no-untyped-def]
    """``revoked=true`` lists a revoked subscription and ``revoked=false`` (or none) does not."""
    admin = api.headers("admin")
    made = api.client.post("/subscriptions", json={"name": "gone", "url": "https://example.com/hook"},
                           headers=admin).json()
    assert api.client.delete(f"/subscriptions/{made['subscription_id']}", headers=admin).status_code == 204
    listed = {sent: [s["subscription_id"] for s in api.client.get(
        "/subscriptions", params={"revoked": sent} if sent else {}, headers=admin).json()["data"]]
        for sent in ("true", "TRUE", "false", None)}
    assert made["subscription_id"] in listed["true"] and listed["true"] == listed["TRUE"]
    assert made["subscription_id"] not in listed["false"] and listed["false"] == listed[None]


def test_a_method_a_path_does_not_take_is_a_405_allowing_all_it_does(api):  # type: ignore[no-untyped-def]
    """Allow names every method the path takes, as the document lists them (those of every
    template it matches: GET /golden-records/merge is a lookup of the id "merge")."""
    paths = api.client.get("/openapi.json").json()["paths"]
    for template in paths:
        url = _url(template)
        allowed = {m.upper() for t, operations in paths.items()
                   if re.fullmatch(re.sub(r"{\w+}", "[^/]+", t), url) for m in operations}
        r = api.client.request("PATCH", url, headers=api.headers("admin"))
        assert r.status_code == 405, (url, r.status_code)
        assert r.json()["error"] == "method_not_allowed"
        assert set(r.headers["allow"].split(", ")) == allowed, (url, r.headers["allow"])


def test_a_path_with_a_trailing_slash_is_a_404_never_a_redirect(api):  # type: ignore[no-untyped-def]
    """A client generated from the document never sends one, but builds ``/golden-records/{id}``
    with an empty id as ``/golden-records/``: Starlette answered 307 to the listing, whose 200 (a
    page of search hits) such a client takes for the golden record or fails to read, and whose
    Location names the scheme the server sees. Now, for every path, the 404 of a path no operation
    has (a 405 where one is: ``/sources/{source}/records/`` is the lookup of an empty id)."""
    doc = api.client.get("/openapi.json").json()
    walked = 0
    for template, operations in doc["paths"].items():
        for method in operations:
            for url in {_url(template) + "/", _url(re.sub(r"{\w+}$", "", template))} - {_url(template)}:
                r = api.client.request(method, url, headers=api.headers("admin"), follow_redirects=False)
                assert r.status_code in (404, 405), (method, url, r.status_code, r.headers.get("location"))
                assert r.json()["error"] in ("not_found", "method_not_allowed"), (method, url, r.text[:300])
                walked += 1
    assert walked > 50
    r = api.get("/golden-records/", follow_redirects=False)
    assert (r.status_code, r.json()) == (404, {"error": "not_found", "detail": "no operation at"
                                               " '/golden-records/'; the API's paths end without '/'"})
    r = api.client.get("/steward/", follow_redirects=False)  # typed by a steward: the queue, still
    assert (r.status_code, r.headers["location"]) == (308, "/steward")


def _takes(detail: str, name: str) -> set[str]:
    """The query parameters a 422 for ``name`` says the operation takes."""
    said = re.search(rf"field {name!r}: not a query parameter of this operation \(it takes ([^)]*)\)", detail)
    assert said, (name, detail)
    return set() if said.group(1) == "none" else set(said.group(1).split(", "))


def test_a_query_parameter_an_operation_does_not_take_is_a_422_naming_it(api):  # type: ignore[no-untyped-def]
    """A misspelt search criterion (``?nmae=``) was ignored, and every golden record listed: now a
    422 naming it and listing the query parameters the operation takes, as the document lists them
    (so each of those is taken); one it takes sent with it ("limit") is not named."""
    doc = api.client.get("/openapi.json").json()
    for template, operations in doc["paths"].items():
        for method, operation in operations.items():
            r = api.client.request(method, _url(template), params={"limit": "5", "nmae": "x"},
                                   headers=api.headers("admin"))
            assert r.status_code == 422, (method, template, r.status_code, r.text[:300])
            assert r.json()["error"] == "invalid_request"
            documented = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
            assert _takes(r.json()["detail"], "nmae") == documented, (method, template, r.text[:500])
            assert ("field 'limit'" in r.json()["detail"]) is ("limit" not in documented), (method, template)
            assert "422" in operation["responses"], (method, template)


def test_a_query_parameter_is_named_as_sent(api):  # type: ignore[no-untyped-def]
    """Those named as where a parameter is sent, and one with no name, are named as they came."""
    r = api.get("/golden-records", params=[("query", "Lan"), ("path", "x"), ("", "y"), ("name", "Lan")])
    assert r.status_code == 422, r.text
    for name in ("query", "path", ""):
        assert "name" in _takes(r.json()["detail"], name)


def test_the_docs_pages_take_any_query_parameter(api):  # type: ignore[no-untyped-def]
    """They are no operations: /docs's OAuth redirect is sent a code and a state, say."""
    for path in ("/docs", "/redoc", "/openapi.json", "/docs/oauth2-redirect"):
        assert api.client.get(path, params={"code": "c", "state": "s"}).status_code == 200, path

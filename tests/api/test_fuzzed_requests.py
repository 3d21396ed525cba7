"""Whatever a client sends, the service answers 2xx or 4xx, never a 500 (hypothesis-made bodies,
paths and query strings against the real app)."""

from __future__ import annotations

from urllib.parse import quote

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

FUZZ = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])

scalars = (st.none() | st.booleans() | st.integers(min_value=-(2**70), max_value=2**70)
           | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=40))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=8)
SALES = ("crm_id", "first_name", "last_name", "email", "mobile", "city", "last_modified")


def records(columns: tuple[str, ...]) -> st.SearchStrategy[dict]:
    """A record of some of the source's columns, each any JSON value or text, and other keys."""
    known = st.dictionaries(st.sampled_from(columns), values | st.text(max_size=60), max_size=len(columns))
    others = st.dictionaries(st.text(max_size=12), values, max_size=2)
    return st.builds(lambda a, b: {**b, **a}, known, others)


def bodies(fields: dict[str, st.SearchStrategy]) -> st.SearchStrategy:
    """A body with some of ``fields`` (each as given or any JSON value), or any JSON value at all."""
    shaped = st.fixed_dictionaries({}, optional={k: s | values for k, s in fields.items()})
    return shaped | values


def _answered(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.text
    if response.status_code >= 400:
        assert response.json()["detail"], response.text


@FUZZ
@given(record=records(SALES) | values)
def test_posted_and_previewed_records(api, record):  # type: ignore[no-untyped-def]
    _answered(api.post("/sources/sales/records", json=record))
    _answered(api.post("/sources/sales/records:match", who="reader", json=record))


@FUZZ
@given(body=bodies({"records": st.lists(records(SALES), max_size=3),
                    "source_ids": st.lists(st.text(max_size=20), max_size=3)}))
def test_batches(api, body):  # type: ignore[no-untyped-def]
    _answered(api.post("/sources/sales/records:batch", json=body))
    _answered(api.post("/sources/sales/records:delete", json=body))


@FUZZ
@given(source=st.text(min_size=1, max_size=12), source_id=st.text(min_size=1, max_size=30))
def test_keys_in_paths(api, source, source_id):  # type: ignore[no-untyped-def]
    source, source_id = quote(source, safe=""), quote(source_id, safe="")
    for path in (f"/sources/{source}/records/{source_id}", f"/xref/{source}/{source_id}",
                 f"/sources/sales/records/{source_id}", f"/golden-records/{source_id}"):
        _answered(api.get(path, who="reader_pii"))
    _answered(api.client.delete(f"/sources/sales/records/{source_id}", headers=api.headers("writer")))


@FUZZ
@given(query=st.dictionaries(st.sampled_from(["name", "email", "phone", "city", "national_id", "tax_id",
                                              "address", "postcode", "limit", "offset", "after"])
                             | st.text(max_size=8), st.text(max_size=40), max_size=4))
def test_search(api, query):  # type: ignore[no-untyped-def]
    _answered(api.get("/golden-records", params=query))


@FUZZ
@given(body=bodies({"keys": st.lists(st.fixed_dictionaries({"source": st.text(max_size=10),
                                                             "source_id": st.text(max_size=20)}), max_size=3),
                    "include_records": st.booleans()}))
def test_xref_lookup(api, body):  # type: ignore[no-untyped-def]
    _answered(api.post("/xref:lookup", json=body))


@FUZZ
@given(attribute=st.sampled_from(["phone", "email", "date_of_birth", "full_name", "national_id", "city"])
       | st.text(min_size=1, max_size=15),
       body=bodies({"value": st.text(max_size=40), "reason": st.text(max_size=20),
                    "region": st.text(max_size=4)}))
def test_overrides(api, attribute, body):  # type: ignore[no-untyped-def]
    attribute = quote(attribute, safe="")
    gid = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    _answered(api.client.put(f"/golden-records/{gid}/overrides/{attribute}", json=body,
                             headers=api.headers("steward")))


@FUZZ
@given(body=bodies({"golden_ids": st.lists(st.text(max_size=16), max_size=3),
                    "item_ids": st.lists(st.text(max_size=16), max_size=3),
                    "decision": st.sampled_from(["match", "not_a_match"]) | st.text(max_size=10),
                    "comment": st.text(max_size=30), "source": st.text(max_size=10),
                    "source_id": st.text(max_size=10)}))
def test_steward_requests(api, body):  # type: ignore[no-untyped-def]
    gid = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    for path in ("/golden-records/merge:preview", "/review-queue:decide", f"/golden-records/{gid}/split"):
        _answered(api.post(path, who="steward", json=body))


@FUZZ
@given(body=bodies({"name": st.text(max_size=20), "url": st.text(max_size=40), "pii": st.booleans(),
                    "after": st.text(max_size=10)}))
def test_subscriptions(api, body):  # type: ignore[no-untyped-def]
    _answered(api.post("/subscriptions", who="admin", json=body))

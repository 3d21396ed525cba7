"""GET /metrics: requests per route template and status, real-time outcomes, and the state."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api.main import create_app
from api.settings import ApiSettings
from mdm.cancel import Cancellation
from mdm.errors import RunCancelledError
from mdm.pipeline import reconcile
from mdm.service import STOPPED
from tests.api.conftest import Api
from tests.api.test_records import VY, VY_MARKETING
from tests.conftest import TODAY


def _samples(api) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:  # type: ignore[no-untyped-def]
    r = api.get("/metrics")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/plain")
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(r.text) for s in family.samples}


def _value(samples, name, **labels):  # type: ignore[no-untyped-def]
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_requests_are_counted_by_route_template_and_status(api):  # type: ignore[no-untyped-def]
    gid = api.get("/golden-records", params={"limit": 1}).json()["data"][0]["golden_record"]["golden_id"]
    for _ in range(3):
        assert api.get(f"/golden-records/{gid}").status_code == 200
    assert api.get("/golden-records/GNOPE").status_code == 404
    assert api.client.get(f"/golden-records/{gid}").status_code == 401  # no key
    assert api.get("/no/such/path").status_code == 404
    samples = _samples(api)
    route = "/golden-records/{golden_id}"
    assert _value(samples, "mdm_http_requests_total", method="GET", route=route, status="200") == 3
    assert _value(samples, "mdm_http_requests_total", method="GET", route=route, status="404") == 1
    assert _value(samples, "mdm_http_requests_total", method="GET", route=route, status="401") == 1
    assert _value(samples, "mdm_http_requests_total", method="GET", route="unmatched", status="404") == 1
    assert _value(samples, "mdm_http_request_duration_seconds_count", method="GET", route=route) == 5
    assert not [k for k in samples if gid in str(k)]  # one series per route, not per golden id


def test_realtime_outcomes_and_the_state_are_exported(api):  # type: ignore[no-untyped-def]
    before = _samples(api)
    active = api.get("/golden-records", params={"limit": 1}).json()["count"]
    assert _value(before, "mdm_golden_records", status="active") == active
    assert _value(before, "mdm_ready") == 1
    queue = api.get("/review-queue", who="steward", params={"limit": 1}).json()["count"]
    assert _value(before, "mdm_review_items_open") == queue
    assert _value(before, "mdm_run_last_finished_timestamp_seconds", status="succeeded") > 0
    records = _value(before, "mdm_live_source_records")

    assert api.post("/sources/sales/records", json=VY).json()["outcome"] == "new"
    batch = api.post("/sources/marketing/records:batch", json={"records": [VY_MARKETING, {}]})
    assert batch.status_code == 200
    after = _samples(api)
    assert _value(after, "mdm_realtime_posts_total", source="sales", outcome="new") == 1
    assert _value(after, "mdm_realtime_posts_total", source="marketing", outcome="matched") == 1
    assert _value(after, "mdm_golden_records", status="active") == active + 1
    assert _value(after, "mdm_live_source_records") == records + 2


def test_metrics_need_a_key(api):  # type: ignore[no-untyped-def]
    assert api.client.get("/metrics").status_code == 401


def test_a_cancelled_run_is_not_counted_as_failed(served_db, small_sample):  # type: ignore[no-untyped-def]
    """A run the service's stop cancelled was recorded as failed: an alert on failed runs fired at
    every deploy. It is cancelled, in the metrics and in GET /runs alike."""
    db, made = served_db
    cancellation = Cancellation()

    def stop(stage: str, message: str) -> None:
        cancellation.cancel(STOPPED)

    with pytest.raises(RunCancelledError):
        reconcile(small_sample / "sources.yaml", db, today=TODAY, progress=stop, cancellation=cancellation)
    with TestClient(create_app(ApiSettings(db_path=db))) as client:
        api = Api(client, db, made)
        samples = _samples(api)
        assert _value(samples, "mdm_run_last_finished_timestamp_seconds", status="cancelled") > 0
        assert ("mdm_run_last_finished_timestamp_seconds", (("status", "failed"),)) not in samples
        latest = api.get("/runs", params={"limit": 1}).json()["data"][0]
        assert (latest["status"], latest["error"]) == ("cancelled", STOPPED)

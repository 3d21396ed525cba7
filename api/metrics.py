"""Prometheus metrics at ``GET /metrics``: what an operator watches and alerts on.

Requests and their latency per route (the route's template, so a million golden ids stay one
series) and status; real-time posts per source and outcome; and, read from the database when
scraped, golden records by status, open review items, the records the live matcher holds,
whether it is ready, and when runs last succeeded, failed and were cancelled (data going stale
shows there; a run stopped on purpose is not a failure to alert on).
Each app has its own registry: two apps in one process (the tests) count apart.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.deps import Reader
from mdm.service import Service
from mdm.store import serving

# Lookups take about a millisecond, a page of the change feed tens, a bulk lookup a hundred.
_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

router = APIRouter(tags=["operations"])


class Metrics:
    def __init__(self, service_of: Any) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("mdm_http_requests", "HTTP requests answered, by route and status",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("mdm_http_request_duration_seconds", "Time to answer, by route",
                                 ["method", "route"], buckets=_BUCKETS, registry=self.registry)
        self.posts = Counter("mdm_realtime_posts", "Records posted through the API, by source and outcome",
                             ["source", "outcome"], registry=self.registry)
        self.registry.register(_StateCollector(service_of))


class _StateCollector(Collector):
    """The service's state, read when scraped (a few counts: milliseconds at a million records)."""

    def __init__(self, service_of: Any) -> None:
        self.service_of = service_of  # () -> the app's Service, or None before it has started

    def collect(self) -> Iterator[GaugeMetricFamily]:
        service: Service | None = self.service_of()
        if service is None:
            return
        yield GaugeMetricFamily("mdm_ready", "1 when real-time matching is ready", value=float(service.ready))
        matcher = service.matcher
        if matcher is not None:
            yield GaugeMetricFamily("mdm_live_source_records", "Source records the real-time matcher holds",
                                    value=len(matcher.index))
        state = serving.operational_state(service.reader())
        golden = GaugeMetricFamily("mdm_golden_records", "Golden records, by status", labels=["status"])
        for status in ("active", "retired"):
            golden.add_metric([status], state["golden"].get(status, 0))
        yield golden
        yield GaugeMetricFamily("mdm_review_items_open", "Review items waiting for a steward",
                                value=state["open_items"])
        yield GaugeMetricFamily("mdm_runs_running", "Batch runs going", value=state["running"])
        last = GaugeMetricFamily("mdm_run_last_finished_timestamp_seconds",
                                 "When a run last finished, by its status (Unix time)", labels=["status"])
        for status, at in sorted(state["last_finished"].items()):
            last.add_metric([status], at.timestamp())
        yield last
        lag = GaugeMetricFamily("mdm_subscription_lag", "Changes committed that a subscription's URL has not"
                                " acknowledged", labels=["subscription", "name"])
        failures = GaugeMetricFamily("mdm_subscription_failures", "Failed deliveries to a subscription's URL"
                                     " since its last delivery", labels=["subscription", "name"])
        for sub in service.subscriptions(revoked=False):
            lag.add_metric([sub["subscription_id"], sub["name"]], sub["lag"])
            failures.add_metric([sub["subscription_id"], sub["name"]], sub["failures"])
        yield lag
        yield failures


class MetricsMiddleware:
    """Counts and times every HTTP request (a pure ASGI middleware: a few microseconds each)."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            self.metrics.requests.labels(scope["method"], route, str(status)).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


@router.get("/metrics", response_class=PlainTextResponse)
def metrics(request: Request, principal: Reader) -> Response:
    """Prometheus text format; any key may read it (Prometheus sends it as a bearer token)."""
    return Response(generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST)

"""Prometheus metrics at /metrics: requests per route template, jobs, backups, database pool, and what
packages add (`<package>/observability.py` with `collect(session) -> list[Sample]`).

The endpoint is off until QORGAU_METRICS_TOKEN is set; then it asks for `Authorization: Bearer <token>`.
The anonymous reporting routes are not counted or timed at all: even an aggregate counter, scraped
every few seconds, would date a worker's report.
"""

from __future__ import annotations

import hmac
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime

from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily

from qorgau.core import backup, delivery, jobs
from qorgau.core.plugins import modules

ANONYMOUS_PATHS = ("/speak/", "/api/v1/speaks/public")
BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


@dataclass
class Sample:
    """One gauge value a package reports at scrape time."""

    name: str
    help: str
    value: float
    labels: dict[str, str] = field(default_factory=dict)


class Metrics:
    """The series of one application (a registry per app, so tests and replicas never share counters)."""

    def __init__(self, settings, sessionmaker):
        self.settings = settings
        self.sessionmaker = sessionmaker
        self.registry = CollectorRegistry()
        self.requests = Counter("qorgau_http_requests", "HTTP requests by method, route template and status.",
                                ["method", "route", "status"], registry=self.registry)
        self.latency = Histogram("qorgau_http_request_duration_seconds", "Time to answer, by route template.",
                                 ["method", "route"], buckets=BUCKETS, registry=self.registry)
        self.registry.register(_StateCollector(self))
        self._cache: tuple[float, list] = (0.0, [])
        self._lock = threading.Lock()

    def state_families(self) -> list:
        """Database-derived gauges, computed at most every 10 s however often Prometheus scrapes."""
        with self._lock:
            at, families = self._cache
            if time.monotonic() - at < 10 and families:
                return families
            families = _state_families(self)
            self._cache = (time.monotonic(), families)
            return families


class _StateCollector:
    def __init__(self, metrics: Metrics):
        self.metrics = metrics

    def collect(self):
        yield from self.metrics.state_families()

    def describe(self):
        return []


def _gauge(name: str, help_text: str, rows: list[tuple[dict[str, str], float]]) -> GaugeMetricFamily:
    labels = sorted({key for labels, _value in rows for key in labels})
    family = GaugeMetricFamily(name, help_text, labels=labels)
    for values, value in rows:
        family.add_metric([values.get(key, "") for key in labels], value)
    return family


def _state_families(metrics: Metrics) -> list:
    families = []
    engine = metrics.sessionmaker.kw["bind"]
    pool = engine.pool
    families.append(_gauge("qorgau_db_pool_connections", "Database connections by state (in use, idle, overflow).",
                           [({"state": "in_use"}, float(getattr(pool, "checkedout", lambda: 0)())),
                            ({"state": "idle"}, float(getattr(pool, "checkedin", lambda: 0)())),
                            ({"state": "overflow"}, float(max(0, getattr(pool, "overflow", lambda: 0)())))]))
    families.append(_gauge("qorgau_db_pool_size", "Configured size of the database pool.",
                           [({}, float(getattr(pool, "size", lambda: 0)()))]))
    depth = jobs.queue_depth(metrics.settings)
    families.append(_gauge("qorgau_jobs_queue_depth", "Jobs waiting on the queue (-1: queue unreachable).",
                           [({}, float(-1 if depth is None else depth))]))
    last = backup.last_good_backup(metrics.settings)
    families.append(_gauge("qorgau_backup_last_success_timestamp_seconds",
                           "When the newest finished backup was made (0: none).",
                           [({}, last.timestamp() if last else 0.0)]))
    samples: list[Sample] = []
    with metrics.sessionmaker() as session:
        for state, count in jobs.counts_by_state(session).items():
            samples.append(Sample("qorgau_jobs", "Jobs in the job log by state (failed ones stay 90 days).",
                                  float(count), {"state": state}))
        for state, count in delivery.counts_by_state(session).items():
            samples.append(Sample("qorgau_deliveries", "Notifications on their way out by e-mail, SMS, webhook or "
                                  "messenger, by state (dead: given up, waiting for the administrator).",
                                  float(count), {"state": state}))
        for _package, module in modules("observability"):
            samples.extend(module.collect(session))
    by_name: dict[str, list[Sample]] = {}
    for sample in samples:
        by_name.setdefault(sample.name, []).append(sample)
    for name, group in by_name.items():
        families.append(_gauge(name, group[0].help, [(s.labels, s.value) for s in group]))
    families.append(_gauge("qorgau_metrics_collected_timestamp_seconds", "When these gauges were computed.",
                           [({}, datetime.now(UTC).timestamp())]))
    return families


def _route_template(scope) -> str:
    route = scope.get("route")
    if route is not None and getattr(route, "path", None):
        return route.path
    path = scope["path"]
    if path.startswith("/static"):
        return "/static/*"
    return "<unmatched>"  # 404s and scans: one series, not one per address tried


class MetricsMiddleware:
    def __init__(self, app, metrics: Metrics):
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["path"] == "/metrics":
            # Answered here, before the app's sign-in: its bearer token is not an API token.
            return await _scrape(self.metrics, scope)(scope, receive, send)
        if scope["type"] != "http" or scope["path"].startswith(ANONYMOUS_PATHS):
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            route = _route_template(scope)
            self.metrics.requests.labels(scope["method"], route, str(status["code"])).inc()
            self.metrics.latency.labels(scope["method"], route).observe(time.perf_counter() - started)


def _scrape(metrics: Metrics, scope) -> Response:
    token = metrics.settings.metrics_token
    if not token:
        return PlainTextResponse("metrics are off: set QORGAU_METRICS_TOKEN\n", status_code=404)
    supplied = Request(scope).headers.get("authorization", "").removeprefix("Bearer ").strip()
    if not hmac.compare_digest(supplied.encode(), token.encode()):
        return PlainTextResponse("unauthorized\n", status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


def install(app: FastAPI) -> None:
    """Count requests and serve /metrics (one line in qorgau.app.web)."""
    app.state.metrics = Metrics(app.state.settings, app.state.sessionmaker)
    app.add_middleware(MetricsMiddleware, metrics=app.state.metrics)

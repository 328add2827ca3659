"""/metrics scraped as Prometheus would; request ids and JSON logs, never for the anonymous routes."""

from __future__ import annotations

import json
import logging

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from qorgau.app.web import create_app
from qorgau.core.config import Settings
from qorgau.core.logs import JsonFormatter
from tests.conftest import do_sign_in

TOKEN = "scrape-token-for-tests"


@pytest.fixture
def ops_client(demo_url, tmp_path):
    settings = Settings(database_url=demo_url, data_dir=tmp_path / "var", secret_key="test-secret-key",
                        data_key="test-data-key", metrics_token=TOKEN)
    with TestClient(create_app(settings)) as client:
        yield client


def _scrape(client) -> dict[str, list]:
    response = client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 200, response.text
    samples: dict[str, list] = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples.setdefault(sample.name, []).append(sample)
    return samples


def test_metrics_need_the_token_and_carry_the_series(ops_client):
    assert ops_client.get("/metrics").status_code == 401
    assert ops_client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
    do_sign_in(ops_client, "officer")
    for _ in range(3):
        assert ops_client.get("/deviations/").status_code in (200, 404)
    ops_client.get("/notifications")
    ops_client.get("/no/such/page/123")
    ops_client.get("/speak/")
    samples = _scrape(ops_client)
    routes = {(s.labels["route"], s.labels["status"]): s.value for s in samples["qorgau_http_requests_total"]}
    assert routes[("/notifications", "200")] == 1
    assert ("<unmatched>", "404") in routes  # one series for every unknown address
    assert not any(route.startswith(("/speak", "/api/v1/speaks/public")) for route, _status in routes)
    assert any(s.labels["route"] == "/notifications" for s in samples["qorgau_http_request_duration_seconds_bucket"])
    names = set(samples)
    for series in ("qorgau_jobs_queue_depth", "qorgau_jobs", "qorgau_db_pool_connections", "qorgau_db_pool_size",
                   "qorgau_backup_last_success_timestamp_seconds", "qorgau_ingest_readings_per_second",
                   "qorgau_ingest_lag_seconds", "qorgau_ingest_dead_letters", "qorgau_alarms"):
        assert series in names, series
    assert {s.labels["state"] for s in samples["qorgau_jobs"]} == {"queued", "running", "done", "failed"}
    assert sum(s.value for s in samples["qorgau_alarms"]) > 0  # the demo raises alarms


def test_metrics_are_off_without_a_token(client):
    assert client.get("/metrics").status_code == 404


def test_request_ids_and_json_lines_never_for_the_anonymous_routes(ops_client):
    records: list[logging.LogRecord] = []
    lines: list[str] = []
    formatter = JsonFormatter()

    class Keep(logging.Handler):
        def emit(self, record):
            records.append(record)
            lines.append(formatter.format(record))

    handler = Keep(level=logging.DEBUG)
    logger = logging.getLogger("qorgau")
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.INFO)
    try:
        do_sign_in(ops_client, "officer")
        signed_in = ops_client.get("/notifications", headers={"X-Request-ID": "proxy-given-0001"})
        anonymous = ops_client.get("/speak/")
        public_api = ops_client.get("/api/v1/speaks/public/enterprises?q=a", headers={"X-Request-ID": "proxy-given-0002"})
    finally:
        logger.removeHandler(handler)
        logger.setLevel(previous)
    assert signed_in.headers["x-request-id"] == "proxy-given-0001"
    assert "x-request-id" not in anonymous.headers and "x-request-id" not in public_api.headers
    parsed = [json.loads(line) for line in lines]
    access = [p for p in parsed if p["logger"] == "qorgau.access"]
    assert any(p["path"] == "/notifications" and p["request_id"] == "proxy-given-0001" and p["status"] == 200
               for p in access)
    assert not any("/speak" in line or "proxy-given-0002" in line for line in lines)

"""The production layout on one machine: scripts/layout starts deploy/Procfile's processes (web with two
workers, the job worker, the ingest worker) against PostgreSQL, Redis and Mosquitto; the web answers
/readyz, a job put on the Redis queue by another process runs on the job worker, and SIGTERM stops every
process cleanly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.availability import free_port
from tests.mosquitto import PrivateBroker, find_mosquitto

ROOT = Path(__file__).resolve().parents[2]
REDIS_URL = "redis://127.0.0.1:6379/0"


def _ready(port: int) -> tuple[int, bytes] | None:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/readyz", timeout=30) as response:
            return response.status, response.read()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return None


def test_layout_brings_up_web_jobs_and_ingest_and_stops_them(db_url, tmp_path):
    if not db_url.startswith("postgresql"):
        pytest.skip("the production layout runs on PostgreSQL")
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("Redis is not running on 127.0.0.1:6379")
    if find_mosquitto() is None:
        pytest.skip("mosquitto is not installed")
    port = free_port()
    env = os.environ | {"QORGAU_DATABASE_URL": db_url, "QORGAU_DATA_DIR": str(tmp_path / "var"),
                        "QORGAU_JOBS_URL": REDIS_URL, "QORGAU_SECRET_KEY": "test-secret-key",
                        "QORGAU_DATA_KEY": "test-data-key", "QORGAU_WEB_PORT": str(port),
                        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = (tmp_path / "layout.log").open("w+")
    with PrivateBroker() as broker:
        env["QORGAU_MQTT_PORT"] = str(broker.port)
        layout = subprocess.Popen([sys.executable, str(ROOT / "scripts" / "layout"), "--stop-timeout", "90"],
                                  cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT)
        try:
            answer = None
            deadline = time.monotonic() + 600  # a bound for a stuck start on a busy host, not a timing assertion
            while answer is None and time.monotonic() < deadline and layout.poll() is None:
                answer = _ready(port)
                if answer is None:
                    time.sleep(0.5)  # polling for the web to listen
            log.seek(0)
            assert answer is not None and answer[0] == 200, log.read()[-4000:]
            queued = subprocess.run([sys.executable, "-m", "qorgau.cli", "jobs", "run", "core.export_prune", "--queue"],
                                    cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
            assert queued.returncode == 0, queued.stdout + queued.stderr
            from sqlalchemy import select

            from qorgau.core.db import session_factory
            from qorgau.core.models import Job

            state = None
            deadline = time.monotonic() + 300
            while state not in ("done", "failed") and time.monotonic() < deadline and layout.poll() is None:
                time.sleep(0.5)  # polling for the job worker
                with session_factory(db_url)() as session:
                    row = session.execute(select(Job).where(Job.kind == "core.export_prune")
                                          .order_by(Job.id.desc()).limit(1)).scalar()
                    state, result = (row.state, row.result) if row is not None else (None, None)
            log.seek(0)
            output = log.read()
            assert state == "done" and result == {"deleted": 0}, output[-4000:]
            assert layout.poll() is None, output[-4000:]  # every process still up
            for name in ("web", "jobs", "ingest"):
                assert f"{name} " in output
            assert "2 workers" in output
        finally:
            if layout.poll() is None:
                layout.send_signal(signal.SIGTERM)
            code = layout.wait(timeout=180)
            log.seek(0)
            output = log.read()
            log.close()
    assert code == 0, output[-4000:]
    stopped = output.rsplit("stopped: ", 1)[-1]
    assert "web (" in stopped and "jobs (" in stopped and "ingest (" in stopped, output[-2000:]
    assert "killed" not in output  # each stopped on SIGTERM within its time

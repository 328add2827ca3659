"""`qorgau serve --workers 2` starts (migrations once, then two worker processes) and answers /healthz."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.availability import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_serve_with_two_workers_answers_health(db_url, tmp_path):
    port = free_port()
    env = os.environ | {"QORGAU_DATABASE_URL": db_url, "QORGAU_DATA_DIR": str(tmp_path / "var"),
                        "QORGAU_SECRET_KEY": "test-secret-key", "QORGAU_DATA_KEY": "test-data-key",
                        "PYTHONPATH": str(ROOT / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    log = (tmp_path / "serve.log").open("w+")
    server = subprocess.Popen([sys.executable, "-m", "qorgau.cli", "serve", "--port", str(port), "--workers", "2"],
                              cwd=tmp_path, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        answer = None
        deadline = time.monotonic() + 600  # a bound for a stuck server, not a timing assertion
        while answer is None and time.monotonic() < deadline and server.poll() is None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=30) as response:
                    answer = (response.status, response.read())
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.5)  # polling for the server to listen
        log.seek(0)
        output = log.read()
        assert answer is not None, output[-3000:]
        assert answer[0] == 200 and b"ok" in answer[1]
        assert "2 workers" in output
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=120)
        log.close()

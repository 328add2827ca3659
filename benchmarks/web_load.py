"""The web tier under 50 concurrent clients, on SQLite (the embedded default) and on PostgreSQL.

    python benchmarks/web_load.py [--backends sqlite,postgresql] [--clients 50] [--seconds 60]
                                  [--enterprises 40]

For each backend: a fresh database with the demo data (`qorgau demo`), the app served by `qorgau serve`
in its own process (one worker, as shipped), then from this process:
1. /healthz alone, `--clients` clients for `--healthz-seconds`: the baseline requests/s of this machine;
2. the mixed workload for `--seconds`: each client loops over the anonymous report form (GET /speak/,
   POST /speak/new, which hashes a receipt with Argon2id), the officer's inbox, the violations list and
   the officer's home page (dashboard), signed in as the demo officer where needed.
Counts errors (5xx, connection failures, timeouts; a 4xx where 200/303 is expected counts too), p50/p99
latency, requests/s and its ratio to /healthz of the same run. JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway_db import throwaway_database  # noqa: E402

OFFICER = ("officer", "officer-demo-2026")


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_server(url: str, folder: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "QORGAU_DATABASE_URL": url, "QORGAU_DATA_DIR": folder,
           "QORGAU_SECRET_KEY": "bench-secret", "QORGAU_DATA_KEY": "bench-data-key"}
    process = subprocess.Popen([sys.executable, "-m", "qorgau.cli", "serve", "--port", str(port)], env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            if httpx.get(base + "/healthz", timeout=10).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start: " + (process.stderr.read() or b"").decode()[-2000:])


def new_client(base: str, signed_in: bool) -> httpx.Client:
    http = httpx.Client(base_url=base, timeout=60, headers={"Accept-Language": "en"})
    http.get("/login")
    http.headers["X-CSRF-Token"] = http.cookies.get("qorgau_csrf") or ""
    if signed_in:
        answer = http.post("/login", data={"username": OFFICER[0], "password": OFFICER[1],
                                           "csrf_token": http.headers["X-CSRF-Token"]})
        assert answer.status_code == 303, answer.text[:300]
    return http


def run_clients(clients: list[httpx.Client], seconds: float, steps) -> dict:
    """Every client runs `steps(client, i)` (a list of (name, callable -> response, ok statuses)) in a
    loop until the time is up; returns latencies and errors."""
    latencies: list[float] = []
    errors: dict[str, int] = {}
    lock = threading.Lock()
    end = time.monotonic() + seconds

    def loop(http, index):
        i = 0
        while time.monotonic() < end:
            for name, call, ok in steps(http, index + i):
                started = time.perf_counter()
                try:
                    status = call().status_code
                except httpx.HTTPError as error:
                    status = type(error).__name__
                spent = time.perf_counter() - started
                with lock:
                    latencies.append(spent)
                    if status not in ok:
                        errors[f"{name} {status}"] = errors.get(f"{name} {status}", 0) + 1
                if time.monotonic() >= end:
                    break
            i += 1

    started = time.perf_counter()
    threads = [threading.Thread(target=loop, args=(http, n)) for n, http in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    values = np.array(latencies) if latencies else np.zeros(1)
    return {"requests": len(latencies), "errors": sum(errors.values()), "error_kinds": errors,
            "rps": round(len(latencies) / elapsed, 1), "p50_ms": round(float(np.percentile(values, 50)) * 1000, 1),
            "p99_ms": round(float(np.percentile(values, 99)) * 1000, 1)}


def mixed_steps(region: str):
    def steps(http: httpx.Client, i: int):
        csrf = http.headers["X-CSRF-Token"]
        if i % 2 == 0:  # an anonymous worker files a report (the officer's cookie is not sent)
            return [("speak form", lambda: http.get("/speak/", cookies={}), (200,)),
                    ("speak submit", lambda: http.post("/speak/new", data={
                        "kind": "hazard", "category": "not_sure", "region_kato": region, "csrf_token": csrf,
                        "description": f"Load test report {i}: a blocked emergency exit"}), (200,))]
        return [("inbox", lambda: http.get("/speaks/inbox"), (200,)),
                ("violations", lambda: http.get("/deviations/violations"), (200,)),
                ("dashboard", lambda: http.get("/"), (200,))]

    return steps


def first_region(url: str) -> str:
    from sqlalchemy import select

    from qorgau.core.db import session_factory
    from qorgau.registry.models import Region

    with session_factory(url)() as session:
        return session.execute(select(Region.kato).order_by(Region.kato)).scalars().first()


def one_backend(backend: str, args) -> dict:
    from qorgau.app.demo import run_demo
    from qorgau.core.migrate import upgrade

    with throwaway_database(backend) as url, tempfile.TemporaryDirectory() as folder:
        upgrade(url)
        run_demo(url, seed=7, enterprises=args.enterprises)
        process, base = start_server(url, folder)
        try:
            region = first_region(url)
            clients = [new_client(base, signed_in=True) for _ in range(args.clients)]
            healthz = run_clients(clients, args.healthz_seconds,
                                  lambda http, i: [("healthz", lambda: http.get("/healthz"), (200,))])
            mixed = run_clients(clients, args.seconds, mixed_steps(region))
        finally:
            process.terminate()
            process.wait(30)
    return {"backend": backend, "healthz": healthz, "mixed": mixed,
            "rps_ratio_to_healthz": round(mixed["rps"] / max(healthz["rps"], 1e-9), 4)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--healthz-seconds", type=float, default=10)
    parser.add_argument("--enterprises", type=int, default=40)
    args = parser.parse_args()
    results = [one_backend(b.strip(), args) for b in args.backends.split(",") if b.strip()]
    load = os.getloadavg()
    print(json.dumps({"clients": args.clients, "seconds": args.seconds, "cpus": os.cpu_count(),
                      "load_avg_1m_at_end": round(load[0], 2), "errors": sum(r["mixed"]["errors"] for r in results),
                      "results": results}))


if __name__ == "__main__":
    main()

"""Every main page's time at two sizes of the national demo, and the mixed read workload against /healthz.

    python benchmarks/web_scale.py [--sizes 300,3000] [--backend sqlite|postgresql] [--repeat 10]
                                   [--clients 8] [--seconds 30] [--healthz-seconds 10]
                                   [--database SIZE=URL ...]

The target sizes of a national installation are 3,000 and 30,000 enterprises (about a million violations at
the larger); the defaults are ten times smaller so that a run fits a small shared machine. For each size: a
fresh database filled by `qorgau demo --enterprises N` (synthetic data, labelled so), the app served by
`qorgau serve` with one worker in its own process, then from this process:

1. p50/p95 of `--repeat` requests of each page, one at a time, after one warm-up request: the officer's home,
   the to-do list, the violations list, violation statistics by enterprise, the Worker Speaks inbox, the
   accidents dashboard and list, incident trends, a Safety Index run, the public index period and its JSON
   API twin, the API's violations list;
2. `/healthz` alone with `--clients` concurrent clients for `--healthz-seconds`: this machine's ceiling;
3. the mixed read workload (the officer's pages above, round robin) with `--clients` clients for `--seconds`:
   requests/s, p50/p99, errors and the ratio to /healthz of the same run.

`--database 30000=postgresql+psycopg://…/db` measures a database already filled by `qorgau demo --enterprises
30000` (its demo time is then not measured here) instead of filling a throwaway one: the national demo is
long, and the same database serves the export benchmark (`export_job.py --url`).

Per-size JSON goes to stderr as it is measured; the whole result is the last line of stdout.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from datetime import date
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway_db import throwaway_database  # noqa: E402
from web_load import free_port, new_client, run_clients  # noqa: E402


def start_server(url: str, folder: str, wait: float = 900) -> tuple[subprocess.Popen, str]:
    """`qorgau serve` (one worker) on a free port; waits up to `wait` seconds for /healthz (a busy host)."""
    port = free_port()
    env = {**os.environ, "QORGAU_DATABASE_URL": url, "QORGAU_DATA_DIR": folder,
           "QORGAU_SECRET_KEY": "bench-secret", "QORGAU_DATA_KEY": "bench-data-key"}
    process = subprocess.Popen([sys.executable, "-m", "qorgau.cli", "serve", "--port", str(port), "--workers", "1"],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if httpx.get(base + "/healthz", timeout=30).status_code == 200:
                return process, base
        except httpx.HTTPError:
            time.sleep(0.5)
    process.kill()
    raise RuntimeError("the server did not start: " + (process.stderr.read() or b"").decode()[-2000:])


def pages(url: str) -> dict[str, str]:
    """Name -> path of the measured pages on this database (the demo officer's, and the public ones)."""
    from sqlalchemy import func, select

    from qorgau.core.db import session_factory
    from qorgau.index.models import Publication, Run

    with session_factory(url)() as session:
        run_id = session.execute(select(func.max(Run.id))).scalar_one()
        period = session.execute(select(func.max(Publication.period))
                                 .where(Publication.withdrawn_at.is_(None))).scalar_one()
    found = {"officer_home": "/", "officer_todo": "/deviations/", "violations_list": "/deviations/violations",
             "violations_stats_by_enterprise": f"/deviations/stats?by=enterprise&year={date.today().year}",
             "speaks_inbox": "/speaks/inbox", "accidents_dashboard": "/incidents/",
             "accidents_list": "/incidents/accidents", "incident_trends": "/incidents/trends",
             "api_violations": "/api/v1/deviations/violations"}
    if run_id is not None:
        found["index_run"] = f"/index/runs/{run_id}"
    if period is not None:
        found["index_public_period"] = f"/index/periods/{period}"
    return found


def timed(http: httpx.Client, path: str, repeat: int) -> dict:
    first = http.get(path)  # warm-up: caches, first imports of the worker
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        http.get(path)
        times.append(time.perf_counter() - started)
    times.sort()
    return {"status": first.status_code, "bytes": len(first.content),
            "p50_ms": round(1000 * times[len(times) // 2], 1),
            "p95_ms": round(1000 * times[min(len(times) - 1, math.ceil(0.95 * len(times)) - 1)], 1)}


def one_size(backend: str, enterprises: int, args, existing: str | None = None) -> dict:
    from sqlalchemy import func, select

    from qorgau.app.demo import run_demo
    from qorgau.core.db import session_factory
    from qorgau.core.migrate import upgrade
    from qorgau.deviations.models import Violation

    with ExitStack() as stack:
        url = existing or stack.enter_context(throwaway_database(backend))
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        demo_seconds = None
        if existing is None:
            upgrade(url)
            started = time.perf_counter()
            run_demo(url, seed=7, enterprises=enterprises)
            demo_seconds = round(time.perf_counter() - started, 1)
        with session_factory(url)() as session:
            violations = session.execute(select(func.count()).select_from(Violation)).scalar_one()
        paths = pages(url)
        process, base = start_server(url, folder)
        try:
            officer = new_client(base, signed_in=True)
            public = httpx.Client(base_url=base, timeout=120, headers={"Accept-Language": "en"})
            results = {name: timed(public if name == "index_public_period" else officer, path, args.repeat)
                       for name, path in paths.items()}
            clients = [new_client(base, signed_in=True) for _ in range(args.clients)]
            healthz = run_clients(clients, args.healthz_seconds,
                                  lambda http, i: [("healthz", lambda: http.get("/healthz"), (200,))])
            reads = [p for n, p in paths.items() if n != "index_public_period"]

            def steps(http: httpx.Client, i: int):
                path = reads[i % len(reads)]
                return [(path, lambda: http.get(path), (200,))]

            mixed = run_clients(clients, args.seconds, steps)
        finally:
            process.terminate()
            process.wait(60)
    return {"enterprises": enterprises, "violations": violations, "demo_seconds": demo_seconds, "pages": results,
            "healthz": healthz, "mixed_read": mixed,
            "rps_ratio_to_healthz": round(mixed["rps"] / max(healthz["rps"], 1e-9), 4),
            "load_avg_1m": round(os.getloadavg()[0], 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="300,3000", help="enterprises of the demo, smaller first "
                                                           "(national targets: 3000,30000)")
    parser.add_argument("--backend", default="sqlite", choices=("sqlite", "postgresql"))
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--healthz-seconds", type=float, default=10)
    parser.add_argument("--database", action="append", default=[], metavar="SIZE=URL",
                        help="measure this already filled demo database for this size")
    args = parser.parse_args()
    existing = dict(item.split("=", 1) for item in args.database)
    sizes = sorted(int(s) for s in args.sizes.split(","))
    out: dict = {"material": "synthetic national demo (qorgau demo, seed 7)", "backend": args.backend,
                 "workers": 1, "clients": args.clients, "cpus": os.cpu_count(), "sizes": {}}
    for size in sizes:
        out["sizes"][str(size)] = one_size(args.backend, size, args, existing.get(str(size)))
        print(size, json.dumps(out["sizes"][str(size)]), file=sys.stderr)
    low, high = str(sizes[0]), str(sizes[-1])
    if high != low:  # time ∝ enterprises^k between the two sizes
        out["growth_k"] = {name: round(math.log(max(out["sizes"][high]["pages"][name]["p50_ms"], 0.1)
                                                / max(out["sizes"][low]["pages"][name]["p50_ms"], 0.1))
                                       / math.log(int(high) / int(low)), 2)
                           for name in out["sizes"][low]["pages"] if name in out["sizes"][high]["pages"]}
    out["load_avg_1m_at_end"] = round(os.getloadavg()[0], 2)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

"""The violations export of a national database as a background job: time, peak memory, progress, rows.

    python benchmarks/export_job.py --url postgresql+psycopg://…/db [--fmt csv|xlsx] [--page-repeat 0]
    python benchmarks/export_job.py --enterprises 3000 [--backend postgresql]

With `--url`, a database already filled by `qorgau demo` (synthetic data) is used as it is; otherwise a
throwaway one is filled with `--enterprises`. The export is asked for as the demo administrator (national
scope, every violation) the way the page asks for it: `core.exports` counts the rows and queues a
`core.export` job. The job runs in a separate process (`jobs.execute`, what the job worker calls), whose
peak resident memory is read from the operating system when it ends; this process polls the job's row
every half second for its progress. The file's data rows are counted afterwards and compared with the
count the page showed: an export is never cut. The job process's CPU seconds are reported beside the wall
time: on a shared machine they say what the export costs whatever else runs. Targets of a national installation: a million rows in at
most 2 minutes and 300 MB. With `--page-repeat N`, the violations page is timed N times while the job
runs and N times before it (the same-run baseline). JSON on the last line.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway_db import throwaway_database  # noqa: E402

CHILD = """
import sys
from qorgau.core import jobs
job = jobs.execute(sys.argv[1], int(sys.argv[2]))
print(job.state, job.error[:500] if job.error else "")
"""


def quantile(times: list[float], q: float) -> float | None:
    if not times:
        return None
    times = sorted(times)
    return round(1000 * times[min(len(times) - 1, max(0, math.ceil(q * len(times)) - 1))], 1)


def queue_export(url: str, fmt: str) -> tuple[int, int]:
    """(job id, rows counted) of the violations export asked for by the demo administrator."""
    from sqlalchemy import select

    from qorgau.core import exports, jobs
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User

    jobs.discover()
    with unit_of_work(url, actor="user:admin") as session:
        admin = session.execute(select(User).where(User.username == "admin")).scalar_one()
        table = exports._find("deviations.violations")(session, admin, {})
        row = jobs.Job(kind="core.export", state=jobs.JobState.QUEUED, requested_by="user:admin",
                       params={"export": "deviations.violations", "params": {}, "fmt": fmt, "user_id": admin.id,
                               "locale": "ru", "rows": table.count})
        session.add(row)
        session.flush()
        return row.id, table.count


def page_times(base: str | None, repeat: int) -> list[float]:
    if not base or repeat <= 0:
        return []
    from web_load import new_client

    http = new_client(base, signed_in=True)
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        http.get("/deviations/violations")
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--url", help="an existing demo database (else a throwaway one)")
    parser.add_argument("--enterprises", type=int, default=300)
    parser.add_argument("--backend", default="postgresql", choices=("sqlite", "postgresql"))
    parser.add_argument("--fmt", default="csv", choices=("csv", "xlsx"))
    parser.add_argument("--page-repeat", type=int, default=0, help="time the violations page while it runs")
    args = parser.parse_args()
    from sqlalchemy import select

    from qorgau.core.db import session_factory
    from qorgau.core.jobs import Job

    with ExitStack() as stack:
        url = args.url or stack.enter_context(throwaway_database(args.backend))
        folder = stack.enter_context(tempfile.TemporaryDirectory())
        if not args.url:
            from qorgau.app.demo import run_demo
            from qorgau.core.migrate import upgrade

            upgrade(url)
            run_demo(url, seed=7, enterprises=args.enterprises)
        env = {**os.environ, "QORGAU_DATABASE_URL": url, "QORGAU_DATA_DIR": folder,
               "QORGAU_SECRET_KEY": os.environ.get("QORGAU_SECRET_KEY", "bench-secret"),
               "QORGAU_DATA_KEY": os.environ.get("QORGAU_DATA_KEY", "bench-data-key")}
        server, base = None, None
        if args.page_repeat > 0:
            from web_scale import start_server

            server, base = start_server(url, folder)
        try:
            before = page_times(base, args.page_repeat)
            job_id, counted = queue_export(url, args.fmt)
            started = time.perf_counter()
            child = subprocess.Popen([sys.executable, "-c", CHILD, url, str(job_id)], env=env,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            progress: list[tuple[float, int]] = []
            during: list[float] = []
            with session_factory(url)() as session:
                while child.poll() is None:
                    session.expire_all()
                    value = session.execute(select(Job.progress).where(Job.id == job_id)).scalar_one()
                    if not progress or progress[-1][1] != value:
                        progress.append((round(time.perf_counter() - started, 1), value))
                    if base and len(during) < args.page_repeat:
                        during += page_times(base, 1)
                    else:
                        time.sleep(0.5)
            seconds = round(time.perf_counter() - started, 1)
            out, err = child.communicate()
            usage = resource.getrusage(resource.RUSAGE_CHILDREN)
            peak_mb = round(usage.ru_maxrss / 1024, 1)
            cpu_seconds = round(usage.ru_utime + usage.ru_stime, 1)  # the job's own work, whatever else runs
            with session_factory(url)() as session:
                job = session.get(Job, job_id)
                state, result = job.state, dict(job.result or {})
            path = Path(folder) / "exports" / str(result.get("file", ""))
            rows_in_file = None
            if path.is_file() and args.fmt == "csv":
                with path.open(encoding="utf-8-sig", newline="") as handle:
                    rows_in_file = sum(1 for _ in csv.reader(handle)) - 1  # less the header
        finally:
            if server is not None:
                server.terminate()
                server.wait(60)
    report = {"material": "synthetic national demo (qorgau demo, seed 7)", "export": "deviations.violations",
              "fmt": args.fmt, "state": str(state), "rows_counted": counted, "rows_written": result.get("rows"),
              "rows_in_file": rows_in_file, "never_cut": rows_in_file in (None, counted) and result.get("rows") == counted,
              "seconds": seconds, "rows_per_s": round(counted / max(seconds, 1e-9)),
              "cpu_seconds_job_process": cpu_seconds, "peak_rss_mb_job_process": peak_mb, "file_mb": round(result.get("bytes", 0) / 2**20, 1),
              "progress_samples": len(progress), "progress": progress[:: max(1, len(progress) // 12)],
              "targets": {"seconds": 120, "peak_rss_mb": 300},
              "page_p50_ms_before": quantile(before, 0.5), "page_p95_ms_before": quantile(before, 0.95),
              "page_p50_ms_during": quantile(during, 0.5), "page_p95_ms_during": quantile(during, 0.95),
              "child": (out.strip() + " " + err.strip()[-500:]).strip(), "cpus": os.cpu_count(),
              "load_avg_1m_at_end": round(os.getloadavg()[0], 2)}
    print(json.dumps(report))


if __name__ == "__main__":
    main()

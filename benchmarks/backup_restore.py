"""Benchmark: backup, verify and restore of a demo installation, and a /metrics scrape, on SQLite or PostgreSQL.

Builds the demo (`--enterprises`, default 100) in a throwaway database, then times `create_backup`,
`verify` and `restore` into a second throwaway database, beside a baseline in the same run: a plain
copy of the database (SQLite: copying the file; PostgreSQL: `pg_dump` in plain format to /dev/null).
Also times a Prometheus scrape of /metrics (the database-derived gauges recomputed).

    python benchmarks/backup_restore.py --backend sqlite --enterprises 100

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from throwaway_db import throwaway_database  # noqa: E402

from qorgau.core import backup  # noqa: E402
from qorgau.core.config import Settings  # noqa: E402


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def _baseline(url: str, folder: Path) -> float:
    started = time.perf_counter()
    if url.startswith("sqlite"):
        shutil.copyfile(url.removeprefix("sqlite:///"), folder / "plain-copy.db")
    else:
        args, env = backup._pg_args(url)
        subprocess.run(["pg_dump", "-Fp", *args], env=env, stdout=subprocess.DEVNULL, check=True)
    return time.perf_counter() - started


def _scrape_seconds(settings: Settings) -> float:
    from fastapi.testclient import TestClient

    from qorgau.app.web import create_app

    with TestClient(create_app(settings)) as client:
        started = time.perf_counter()
        response = client.get("/metrics", headers={"Authorization": "Bearer bench"})
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, response.text
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--backend", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--enterprises", type=int, default=100)
    options = parser.parse_args()
    os.environ.setdefault("QORGAU_DATA_KEY", "bench-data-key")
    os.environ.setdefault("QORGAU_SECRET_KEY", "bench-secret-key")
    from qorgau.app.demo import run_demo
    from qorgau.core.migrate import upgrade

    with tempfile.TemporaryDirectory() as tmp, throwaway_database(options.backend) as source_url, \
            throwaway_database(options.backend) as target_url:
        root = Path(tmp)
        settings = Settings(database_url=source_url, data_dir=root / "var", metrics_token="bench")
        started = time.perf_counter()
        upgrade(source_url)
        run_demo(source_url, seed=7, enterprises=options.enterprises)
        demo_s = time.perf_counter() - started
        baseline_s = _baseline(source_url, root)
        started = time.perf_counter()
        folder = backup.create_backup(settings, root / "backups")
        backup_s = time.perf_counter() - started
        started = time.perf_counter()
        problems = backup.verify(folder)
        verify_s = time.perf_counter() - started
        if options.backend == "sqlite":
            target_url = f"sqlite:///{(root / 'restored' / 'qorgau.db').as_posix()}"
        target = Settings(database_url=target_url, data_dir=root / "restored")
        started = time.perf_counter()
        report = backup.restore(folder, target, backup.key_material(settings))
        restore_s = time.perf_counter() - started
        scrape_s = _scrape_seconds(settings)
        result = {"benchmark": "backup_restore", "backend": options.backend, "enterprises": options.enterprises,
                  "tables": report.tables, "rows": report.rows, "restored_equal": report.ok and not problems,
                  "demo_s": round(demo_s, 1), "baseline_plain_copy_s": round(baseline_s, 3),
                  "backup_s": round(backup_s, 3), "verify_s": round(verify_s, 3), "restore_s": round(restore_s, 3),
                  "backup_vs_baseline": round(backup_s / baseline_s, 2) if baseline_s else None,
                  "backup_bytes": _size(folder), "metrics_scrape_s": round(scrape_s, 3),
                  "python": platform.python_version(), "cpus": os.cpu_count()}
        from qorgau.core.db import engine_for

        engine_for(target_url).dispose()
        engine_for(source_url).dispose()
    print(f"backup {backup_s:.2f} s (plain copy {baseline_s:.2f} s), verify {verify_s:.2f} s, "
          f"restore {restore_s:.2f} s, {report.rows:,} rows equal: {report.ok}")
    print(json.dumps(result))


if __name__ == "__main__":
    main()

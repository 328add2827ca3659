"""Benchmark: an employment table on the platform, on SQLite (or the database in QORGAU_BENCH_URL).

Times, for the synthetic national table the demo loads (and a larger one): validation and storing
(`service.store_table`, COPY on PostgreSQL, batched INSERT on SQLite), reading it back
(`service.table_frame`) and computing every figure of the dashboard (`service.dashboard`), cold and
with the rows already in the in-memory cache.

    python benchmarks/aiwork_platform.py [--sample 30000] [--large 300000]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time

from qorgau.aiwork import employment, service, synthetic
from qorgau.aiwork.schemas import TableMeta


def _timed(fn):
    start = time.perf_counter()
    value = fn()
    return value, time.perf_counter() - start


def run(url: str, sample: int) -> dict:
    from qorgau.core.db import unit_of_work
    from qorgau.core.models import User

    frame = synthetic.generate(synthetic.SyntheticSpec(employed=sample, seed=7, by_sex=True))
    frame["employed"] = frame["employed"] * (9_000_000 // sample)
    dims = ["region", "sector", "sex"]
    table, t_validate = _timed(lambda: employment.validate(frame, dims=dims))
    parsed = service.ParsedTable(table, dims, [], frame.index.to_numpy() + 2, synthetic_rows=len(frame))
    with unit_of_work(url) as session:
        admin = User(username=f"bench{sample}", role="admin", password_hash="x", scope_kind="national")
        session.add(admin)
        session.flush()
        stored, t_store = _timed(lambda: service.store_table(
            session=session, actor=admin, parsed=parsed, meta=TableMeta(title="bench", source="synthetic bench",
                                                                        synthetic=True)))
        session.flush()
        _frame, t_read = _timed(lambda: service.table_frame(session=session, table=stored))
        service._FRAMES.clear()  # cold: read the rows again, then every figure
        _d, t_dashboard = _timed(lambda: service.dashboard(session=session, actor=admin, table_id=stored.id))
        _d, t_warm = _timed(lambda: service.dashboard(session=session, actor=admin, table_id=stored.id))
        session.rollback()
    return {"sample": sample, "rows": len(table), "validate_s": round(t_validate, 3), "store_s": round(t_store, 3),
            "read_s": round(t_read, 3), "dashboard_s": round(t_dashboard, 3),
            "dashboard_cached_rows_s": round(t_warm, 3)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sample", type=int, default=30_000)
    parser.add_argument("--large", type=int, default=300_000)
    args = parser.parse_args()
    url = os.environ.get("QORGAU_BENCH_URL")
    if not url:
        from qorgau.core.migrate import upgrade

        url = f"sqlite:///{tempfile.mkdtemp()}/bench.db"
        upgrade(url)
    results = []
    for sample in (args.sample, args.large):
        result = run(url, sample)
        results.append(result)
        print(f"{result['rows']:>7} rows: validate {result['validate_s']:.3f} s, store {result['store_s']:.3f} s, "
              f"read {result['read_s']:.3f} s, dashboard {result['dashboard_s']:.3f} s "
              f"({result['dashboard_cached_rows_s']:.3f} s with the rows cached)")
    backend = url.split(":", 1)[0]
    print(json.dumps({"backend": backend, "results": results}))


if __name__ == "__main__":
    main()

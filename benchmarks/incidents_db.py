"""Benchmark: every slice of injury rates for 10 years x 100,000 enterprises read from SQLite and PostgreSQL.

Each backend gets a fresh migrated database (PostgreSQL: a throwaway database at QORGAU_TEST_PG_URL's server)
loaded with synthetic rows: 100,000 enterprises (20 regions, 21 OKED sections, union or not), one denominator
row per enterprise-year (1,000,000 rows: workers, hours), and accidents with their victims drawn around sector
and union effects. Slices: every non-empty combination of region, sector, size band, union and year (31) plus
the enterprise over all years; every group gets the rate per 1,000,000 hours and its exact Poisson 95% interval.

Three ways, timed in the same run on the same database (reading included):
- service: `service.exposure_frame` + `service.cases_frame` (what the pages use: one row per enterprise-year
  and one per victim, read with SQL and joined in pandas), then the engine's cube and all slices;
- SQL roll-up: GROUP BY in the database straight to the finest cube (region x sector x size x union x year,
  size band by CASE) and to the enterprise totals, then the engine's vectorised slices of the cube;
- baseline (plain pandas): read the raw tables with `pandas.read_sql`, merge them, and for each slice
  `groupby().sum()` with scipy's chi-square quantiles for the intervals.
The three results are compared (largest absolute difference of rate and interval bounds).

    python benchmarks/incidents_db.py [--quick] [--enterprises N] [--years Y] [--backends sqlite,postgresql]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time
from datetime import date

import numpy as np
import pandas as pd
from scipy import stats
from sqlalchemy import insert, select, text
from throwaway_db import throwaway_database

from qorgau.incidents.engine import rates
from qorgau.incidents.engine.exposure import SIZE_BOUNDS

DIMENSIONS = ["region", "sector", "size_band", "union", "year"]
BASE = "per_1m_hours"
FIRST_YEAR = 2015


def slices() -> list[list[str]]:
    return [list(c) for r in range(1, len(DIMENSIONS) + 1) for c in itertools.combinations(DIMENSIONS, r)]


def synthetic(enterprises: int, years: int, seed: int, regions: list[str], sectors: list[str]) -> dict:
    """Enterprises, enterprise-year denominators, and accidents (one victim each; 5% with two)."""
    rng = np.random.default_rng(seed)
    region = rng.choice(regions, enterprises)
    weights = np.linspace(2, 1, len(sectors))
    sector = rng.choice(sectors, enterprises, p=weights / weights.sum())
    headcount = np.maximum(1, np.round(rng.lognormal(3.2, 1.3, enterprises))).astype(int)
    union = rng.random(enterprises) < 0.35
    ids = np.arange(1, enterprises + 1)
    ent = pd.DataFrame({"id": ids, "bin": [f"{i:012d}" for i in ids], "region_kato": region, "sector_code": sector,
                        "headcount": headcount, "has_union": union})
    year = np.tile(np.arange(FIRST_YEAR, FIRST_YEAR + years), enterprises)
    workers = np.round(np.repeat(headcount, years) * rng.uniform(0.9, 1.1, enterprises * years), 1)
    denominators = pd.DataFrame({"enterprise_id": np.repeat(ids, years), "year": year, "workers": workers,
                                 "hours": np.round(workers * rng.uniform(1650, 1950, len(workers)))})
    risk = 0.0006 * (1 + 2 * (sector == "B") + (sector == "F")) * np.where(union, 0.7, 1.2)
    lam = workers * np.repeat(risk, years) * 0.97 ** (year - FIRST_YEAR)
    counts = rng.poisson(lam)
    rows = np.repeat(np.arange(len(counts)), counts)
    accidents = pd.DataFrame({"id": np.arange(1, len(rows) + 1),
                              "enterprise_id": denominators["enterprise_id"].to_numpy()[rows],
                              "year": year[rows], "day": rng.integers(0, 365, len(rows))})
    outcome = rng.choice(["fatal", "serious", "light"], len(rows), p=[0.17, 0.3, 0.53])
    extra = rng.random(len(rows)) < 0.05
    victims = pd.DataFrame({"accident_id": np.concatenate([accidents["id"], accidents["id"][extra]]),
                            "outcome": np.concatenate([outcome, np.full(int(extra.sum()), "light")])})
    return {"enterprises": ent, "denominators": denominators, "accidents": accidents, "victims": victims}


def load(url: str, data: dict) -> float:
    """Bulk-insert the synthetic rows (COPY on PostgreSQL); returns the seconds."""
    from qorgau.core.db import engine_for, session_factory
    from qorgau.core.models import User
    from qorgau.incidents.models import Accident, Denominator, Victim
    from qorgau.registry.models import Enterprise

    started = time.perf_counter()
    now = pd.Timestamp.now(tz="UTC").to_pydatetime()
    ent = data["enterprises"].assign(name_ru=lambda f: "Предприятие " + f["id"].astype(str), name_en="", name_kk="",
                                     town="", collective_agreement=False, safety_committee=False,
                                     created_at=now, updated_at=now)
    acc = data["accidents"]
    occurred = [date(int(y), 1, 1) + pd.Timedelta(days=int(d)) for y, d in zip(acc["year"], acc["day"], strict=True)]
    acc = pd.DataFrame({"id": acc["id"], "enterprise_id": acc["enterprise_id"], "occurred_on": occurred,
                        "category": "light", "commission": "employer", "description": "", "cause": "unknown",
                        "union_present": False, "source": "employer", "source_reference": "",
                        "investigation_due": occurred, "act_on": occurred, "dissent": "", "created_at": now})
    den = data["denominators"].assign(id=lambda f: np.arange(1, len(f) + 1), hours_estimated=False, source="import")
    vic = data["victims"].assign(id=lambda f: np.arange(1, len(f) + 1), days_lost=0, employment_status="employee")
    tables = [(Enterprise.__table__, ent), (Denominator.__table__, den), (Accident.__table__, acc),
              (Victim.__table__, vic)]
    engine = engine_for(url)
    if url.startswith("postgresql"):
        raw = engine.raw_connection()
        try:
            cursor = raw.cursor()
            for table, frame in tables:
                columns = list(frame.columns)
                with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
                    for row in frame.itertuples(index=False, name=None):
                        copy.write_row(row)
            raw.commit()
        finally:
            raw.close()
    else:
        with engine.begin() as conn:
            for table, frame in tables:
                records = frame.to_dict("records")
                for start in range(0, len(records), 50_000):
                    conn.execute(insert(table), records[start:start + 50_000])
    session = session_factory(url)()
    session.add(User(username="bench", role="admin", password_hash="x", scope_kind="national"))
    session.commit()
    session.close()
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("ANALYZE"))
    return time.perf_counter() - started


def via_service(url: str, years: list[int]) -> dict[str, pd.DataFrame]:
    from qorgau.core.db import session_factory
    from qorgau.core.models import User
    from qorgau.incidents import service

    session = session_factory(url)()
    try:
        actor = session.execute(select(User).where(User.username == "bench")).scalar_one()
        expo = service.exposure_frame(session=session, actor=actor, years=years)
        cases = service.cases_frame(session=session, actor=actor, years=years)
    finally:
        session.close()
    cube = rates.build_cube(expo, cases, DIMENSIONS)
    out = {"+".join(keys): rates.grouped_rates(cube, keys, BASE) for keys in slices()}
    per_enterprise = rates.build_cube(expo, cases, ["enterprise_id"])
    out["enterprise_id"] = rates.grouped_rates(per_enterprise, "enterprise_id", BASE)
    return out


def _size_case(column: str) -> str:
    parts = " ".join(f"WHEN {column} <= {bound} THEN '{name}'" for bound, name in SIZE_BOUNDS)
    return f"CASE {parts} ELSE 'large' END"


def via_sql(url: str, years: list[int]) -> dict[str, pd.DataFrame]:
    from qorgau.core.db import engine_for

    engine = engine_for(url)
    year_of = "CAST(EXTRACT(YEAR FROM a.occurred_on) AS INTEGER)" if url.startswith("postgresql") \
        else "CAST(strftime('%Y', a.occurred_on) AS INTEGER)"
    span = f"d.year BETWEEN {min(years)} AND {max(years)}"
    dims = ("e.region_kato AS region, e.sector_code AS sector, {size} AS size_band, "
            "CASE WHEN e.has_union THEN 'union' ELSE 'no_union' END AS \"union\", d.year AS year")
    exposure_sql = (f"SELECT {dims.format(size=_size_case('d.workers'))}, SUM(d.hours) AS hours, "
                    f"SUM(d.workers) AS workers FROM incidents_denominator d "
                    f"JOIN registry_enterprise e ON e.id = d.enterprise_id WHERE {span} GROUP BY 1, 2, 3, 4, 5")
    cases_sql = (f"SELECT {dims.format(size=_size_case('d.workers'))}, COUNT(*) AS cases "
                 f"FROM incidents_victim v JOIN incidents_accident a ON a.id = v.accident_id "
                 f"JOIN registry_enterprise e ON e.id = a.enterprise_id "
                 f"JOIN incidents_denominator d ON d.enterprise_id = a.enterprise_id AND d.year = {year_of} "
                 f"WHERE {span} GROUP BY 1, 2, 3, 4, 5")
    by_enterprise = ("SELECT d.enterprise_id, SUM(d.hours) AS hours, SUM(d.workers) AS workers, "
                     "COALESCE(MAX(c.cases), 0) AS cases FROM incidents_denominator d LEFT JOIN "
                     "(SELECT a.enterprise_id, COUNT(*) AS cases FROM incidents_victim v JOIN incidents_accident a "
                     "ON a.id = v.accident_id GROUP BY a.enterprise_id) c ON c.enterprise_id = d.enterprise_id "
                     f"WHERE {span} GROUP BY d.enterprise_id")
    with engine.connect() as conn:
        expo = pd.DataFrame(conn.execute(text(exposure_sql)).all(),
                            columns=[*DIMENSIONS, "hours", "workers"])
        cases = pd.DataFrame(conn.execute(text(cases_sql)).all(), columns=[*DIMENSIONS, "cases"])
        enterprise = pd.DataFrame(conn.execute(text(by_enterprise)).all(),
                                  columns=["enterprise_id", "hours", "workers", "cases"])
    cube = expo.merge(cases, on=DIMENSIONS, how="left").fillna({"cases": 0})
    out = {"+".join(keys): rates.grouped_rates(cube, keys, BASE) for keys in slices()}
    out["enterprise_id"] = rates.grouped_rates(enterprise, "enterprise_id", BASE)
    return out


def via_pandas(url: str, years: list[int]) -> dict[str, pd.DataFrame]:
    """Plain pandas: raw tables in, merges, groupby-sum per slice, scipy intervals."""
    from qorgau.core.db import engine_for

    engine = engine_for(url)
    with engine.connect() as conn:
        ent = pd.read_sql("SELECT id AS enterprise_id, region_kato AS region, sector_code AS sector, has_union "
                          "FROM registry_enterprise", conn)
        den = pd.read_sql("SELECT enterprise_id, year, workers, hours FROM incidents_denominator", conn)
        acc = pd.read_sql("SELECT id AS accident_id, enterprise_id, occurred_on FROM incidents_accident", conn)
        vic = pd.read_sql("SELECT accident_id FROM incidents_victim", conn)
    den = den[den["year"].between(min(years), max(years))]
    acc["year"] = pd.to_datetime(acc["occurred_on"]).dt.year
    counts = vic.merge(acc, on="accident_id").groupby(["enterprise_id", "year"]).size().rename("cases")
    frame = den.merge(ent, on="enterprise_id").merge(counts.reset_index(), on=["enterprise_id", "year"], how="left")
    frame["cases"] = frame["cases"].fillna(0)
    frame["union"] = np.where(frame["has_union"].astype(bool), "union", "no_union")
    bounds = [b for b, _ in SIZE_BOUNDS]
    frame["size_band"] = pd.cut(frame["workers"], [-np.inf, *bounds, np.inf],
                                labels=[n for _, n in SIZE_BOUNDS] + ["large"]).astype(str)
    out = {}
    for keys in [*slices(), ["enterprise_id"]]:
        table = frame.groupby(keys)[["cases", "hours"]].sum().reset_index()
        k = table["cases"].to_numpy()
        scale = 1_000_000 / table["hours"].to_numpy()
        low = np.where(k > 0, stats.chi2.ppf(0.025, 2 * k) / 2, 0.0)
        table["rate"], table["ci_low"] = k * scale, low * scale
        table["ci_high"] = stats.chi2.ppf(0.975, 2 * k + 2) / 2 * scale
        out["+".join(keys)] = table
    return out


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> float:
    worst = 0.0
    for name, left in a.items():
        keys = name.split("+")
        right = b[name].copy()
        left = left.copy()
        for key in keys:
            left[key], right[key] = left[key].astype(str), right[key].astype(str)
        merged = left.merge(right, on=keys, suffixes=("", "_b"), how="outer")
        if len(merged) != len(left) or len(merged) != len(right):
            return float("inf")
        for column in ("rate", "ci_low", "ci_high"):
            worst = max(worst, float(np.nanmax(np.abs(merged[column].astype(float) - merged[f"{column}_b"].astype(float)))))
    return worst


def timed(function, *args) -> tuple[object, float, float]:
    """Result, wall seconds, and CPU seconds of this process (the database server's work is not in the latter)."""
    started, cpu = time.perf_counter(), time.process_time()
    result = function(*args)
    return result, time.perf_counter() - started, time.process_time() - cpu


def run_backend(backend: str, enterprises: int, years: int, seed: int) -> dict:
    from qorgau.core.db import engine_for
    from qorgau.core.migrate import upgrade

    with throwaway_database(backend) as url:
        upgrade(url)
        with engine_for(url).connect() as conn:
            regions = [r for (r,) in conn.execute(text("SELECT kato FROM registry_region ORDER BY kato"))]
            sectors = [s for (s,) in conn.execute(text("SELECT code FROM registry_sector ORDER BY code"))]
        data = synthetic(enterprises, years, seed, regions, sectors)
        load_seconds = load(url, data)
        span = list(range(FIRST_YEAR, FIRST_YEAR + years))
        via_sql(url, span[:1])  # warm-up: connections, imports and statement caches, not timed
        service_out, service_s, service_cpu = timed(via_service, url, span)
        sql_out, sql_s, sql_cpu = timed(via_sql, url, span)
        pandas_out, pandas_s, pandas_cpu = timed(via_pandas, url, span)
        groups = sum(len(t) for t in sql_out.values())
        figures = {
            "backend": backend, "load_s": round(load_seconds, 2), "victims": len(data["victims"]),
            "service_s": round(service_s, 2), "sql_rollup_s": round(sql_s, 2), "pandas_baseline_s": round(pandas_s, 2),
            "service_cpu_s": round(service_cpu, 2), "sql_rollup_cpu_s": round(sql_cpu, 2),
            "pandas_baseline_cpu_s": round(pandas_cpu, 2), "groups": groups, "slices": len(sql_out),
            "max_abs_diff": max(compare(sql_out, pandas_out), compare(service_out, pandas_out)),
            "speedup_sql_vs_pandas": round(pandas_s / sql_s, 1),
            "speedup_service_vs_pandas": round(pandas_s / service_s, 2),
        }
        engine_for(url).dispose()
        return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 enterprises instead of 100,000")
    parser.add_argument("--enterprises", type=int, default=None)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--backends", default="sqlite,postgresql")
    args = parser.parse_args()
    enterprises = args.enterprises or (2_000 if args.quick else 100_000)
    results = []
    for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
        figures = run_backend(backend, enterprises, args.years, args.seed)
        results.append(figures)
        print(f"{backend}: {enterprises:,} enterprises x {args.years} years, {figures['victims']:,} cases loaded in "
              f"{figures['load_s']} s; {figures['slices']} slices, {figures['groups']:,} groups: service "
              f"{figures['service_s']} s, SQL roll-up {figures['sql_rollup_s']} s, plain pandas "
              f"{figures['pandas_baseline_s']} s (CPU of this process: {figures['service_cpu_s']}, "
              f"{figures['sql_rollup_cpu_s']}, {figures['pandas_baseline_cpu_s']} s); "
              f"largest difference {figures['max_abs_diff']:.2e}")
    print(json.dumps({"benchmark": "incidents_db", "enterprises": enterprises, "years": args.years,
                      "enterprise_years": enterprises * args.years, "base": BASE, "backends": results,
                      "cpus": os.cpu_count(), "python": platform.python_version(), "pandas": pd.__version__}))


if __name__ == "__main__":
    main()

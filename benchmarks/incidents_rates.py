"""Benchmark: every slice of injury rates for 10 years x 100,000 enterprises (1,000,000 enterprise-years).

Input: synthetic aggregated counts, one row per enterprise-year (cases, hours, workers) with the enterprise's
region (20), OKED section (21), size band (4), union presence (2) and the year (10). Slices: every non-empty
combination of those five columns (31 slices, 76,229 groups) plus the enterprise itself over all years
(100,000 groups). Every group gets the rate per 1,000,000 hours and its exact Poisson 95% interval.

- engine: `qorgau.incidents.engine.rates` - the enterprise-years are rolled up once into the finest cube
  (region x sector x size x union x year), every slice is a vectorised group-by of that cube with the
  interval computed for all groups at once; the enterprise slice is a group-by of the rows.
- engine without the cube (for reference): the same vectorised group-by, straight on the enterprise-years.
- baseline, in the same run on the same rows: for each slice, `DataFrame.groupby(...).apply(...)` on the
  enterprise-year rows, computing each group's rate and its interval with scipy, group by group.

The results of the two are compared (largest absolute difference of rate, ci_low, ci_high).

    python benchmarks/incidents_rates.py [--quick] [--enterprises N] [--years Y] [--seed S]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import time

import numpy as np
import pandas as pd
from scipy import stats

from qorgau.incidents.engine import rates
from qorgau.incidents.engine.exposure import size_bands

DIMENSIONS = ["region", "sector", "size_band", "union", "year"]
BASE = "per_1m_hours"


def build(enterprises: int, years: int, seed: int) -> pd.DataFrame:
    """Enterprise-years with cases drawn around sector and union effects (about 0.6 per 1,000 workers)."""
    rng = np.random.default_rng(seed)
    regions = np.array([f"KZ-{i:02d}" for i in range(1, 21)])
    sectors = np.array(list("ABCDEFGHIJKLMNOPQRSTU"))
    region = rng.choice(regions, enterprises)
    sector = rng.choice(sectors, enterprises, p=np.linspace(2, 1, 21) / np.linspace(2, 1, 21).sum())
    workers = np.maximum(1, np.round(rng.lognormal(3.2, 1.3, enterprises)))
    union = rng.random(enterprises) < 0.35
    risk = 0.0006 * (1 + 2 * (sector == "B") + (sector == "F")) * np.where(union, 0.7, 1.2)
    years_index = np.arange(2016, 2016 + years)
    frame = pd.DataFrame({
        "enterprise_id": np.repeat(np.arange(enterprises), years),
        "year": np.tile(years_index, enterprises),
        "region": np.repeat(region, years),
        "sector": np.repeat(sector, years),
        "union": np.repeat(union, years),
    })
    w = np.repeat(workers, years) * rng.uniform(0.9, 1.1, len(frame))
    frame["workers"] = np.round(w, 1)
    frame["hours"] = np.round(w * rng.uniform(1650, 1950, len(frame)))
    frame["size_band"] = size_bands(frame["workers"].to_numpy())
    trend = 0.97 ** (frame["year"].to_numpy() - 2016)
    frame["cases"] = rng.poisson(frame["workers"].to_numpy() * np.repeat(risk, years) * trend).astype(float)
    for column in ("region", "sector", "size_band"):
        frame[column] = frame[column].astype("category")
    return frame


def slices() -> list[list[str]]:
    return [list(c) for r in range(1, len(DIMENSIONS) + 1) for c in itertools.combinations(DIMENSIONS, r)]


def engine(frame: pd.DataFrame) -> tuple[dict[str, pd.DataFrame], float]:
    """All slices with the engine; returns the tables and the seconds spent building the cube."""
    started = time.perf_counter()
    cube = frame.groupby(DIMENSIONS, observed=True, sort=False)[["cases", "hours", "workers"]].sum().reset_index()
    cube_seconds = time.perf_counter() - started
    out = {}
    for keys in slices():
        out["+".join(keys)] = rates.grouped_rates(cube, keys, BASE)
    out["enterprise_id"] = rates.grouped_rates(frame[["enterprise_id", "cases", "hours"]], "enterprise_id", BASE)
    return out, cube_seconds


def engine_direct(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """All slices with the engine's vectorised group-by on the enterprise-year rows, no cube."""
    return {"+".join(keys): rates.grouped_rates(frame, keys, BASE) for keys in [*slices(), ["enterprise_id"]]}


def _one_group(group: pd.DataFrame) -> pd.Series:
    cases, hours = group["cases"].sum(), group["hours"].sum()
    low = stats.chi2.ppf(0.025, 2 * cases) / 2 if cases > 0 else 0.0
    high = stats.chi2.ppf(0.975, 2 * cases + 2) / 2
    scale = 1_000_000 / hours if hours > 0 else np.nan
    return pd.Series({"cases": cases, "exposure": hours, "rate": cases * scale, "ci_low": low * scale,
                      "ci_high": high * scale})


def baseline(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The straightforward way: groupby + apply per slice, scipy per group."""
    out = {}
    for keys in [*slices(), ["enterprise_id"]]:
        table = frame.groupby(keys, observed=True)[["cases", "hours"]].apply(_one_group)
        out["+".join(keys)] = table.reset_index()
    return out


def compare(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> float:
    worst = 0.0
    for name, left in a.items():
        keys = name.split("+")
        right = b[name]
        merged = left.merge(right, on=keys, suffixes=("", "_b"), how="outer")
        if len(merged) != len(left) or len(merged) != len(right):
            return float("inf")
        for column in ("rate", "ci_low", "ci_high"):
            worst = max(worst, float(np.nanmax(np.abs(merged[column] - merged[f"{column}_b"]))))
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="2,000 enterprises instead of 100,000")
    parser.add_argument("--enterprises", type=int, default=None)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--seed", type=int, default=5)
    args = parser.parse_args()
    enterprises = args.enterprises or (2_000 if args.quick else 100_000)

    started = time.perf_counter()
    frame = build(enterprises, args.years, args.seed)
    build_seconds = time.perf_counter() - started
    print(f"data: {enterprises:,} enterprises x {args.years} years = {len(frame):,} enterprise-years, "
          f"{int(frame['cases'].sum()):,} cases ({build_seconds:.1f} s to generate)")

    started = time.perf_counter()
    ours, cube_seconds = engine(frame)
    engine_seconds = time.perf_counter() - started
    groups = sum(len(t) for t in ours.values())
    print(f"engine:   {len(ours)} slices, {groups:,} groups in {engine_seconds:.3f} s "
          f"(cube {cube_seconds:.3f} s)")

    started = time.perf_counter()
    direct = engine_direct(frame)
    direct_seconds = time.perf_counter() - started
    print(f"engine without the cube: {direct_seconds:.3f} s")

    started = time.perf_counter()
    theirs = baseline(frame)
    baseline_seconds = time.perf_counter() - started
    print(f"baseline: {len(theirs)} slices with groupby + apply + scipy per group in {baseline_seconds:.1f} s")

    difference = max(compare(ours, theirs), compare(direct, theirs))
    speedup = baseline_seconds / engine_seconds
    print(f"speed-up: {speedup:.0f}x; largest difference between the two: {difference:.2e}")
    print(json.dumps({
        "benchmark": "incidents_rates", "enterprises": enterprises, "years": args.years, "rows": len(frame),
        "cases": int(frame["cases"].sum()), "slices": len(ours), "groups": groups, "base": BASE,
        "engine_s": round(engine_seconds, 4), "engine_cube_s": round(cube_seconds, 4),
        "engine_direct_s": round(direct_seconds, 4),
        "baseline_s": round(baseline_seconds, 3), "speedup": round(speedup, 1), "max_abs_diff": difference,
        "cpus": os.cpu_count(), "python": platform.python_version(), "pandas": pd.__version__,
    }))


if __name__ == "__main__":
    main()

"""Benchmark: Monte Carlo rank intervals for 10,000 enterprises x 20 indicators x 1,000 replications.

The vectorised engine (`qorgau.index.uncertainty.monte_carlo`) against a straightforward pandas
implementation run in the same process on the same table and the same draws: a loop over replications
that imputes, normalises, aggregates pillars and the index, and ranks with DataFrame operations. The
pandas loop runs on fewer replications and its time is extrapolated linearly (the output says so);
the ranks of those replications are compared with the vectorised ones.

Choices varied: weights (uniform factor 0.75-1.25 on every indicator and pillar weight), normalisation
(nominal min-max, z-score, percentile rank), aggregation (arithmetic, geometric) and imputation
(leave out, mean); 5% of the values are missing.

    python benchmarks/index_montecarlo.py [--quick] [--entities N] [--runs R] [--pandas-runs M]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time

import numpy as np
import pandas as pd

from qorgau.index import engine, uncertainty
from qorgau.index.methodology import Methodology, from_dict


def build(entities: int, indicators: int, seed: int) -> tuple[pd.DataFrame, Methodology]:
    """A skewed table with 5% missing values and a methodology of 4 pillars."""
    rng = np.random.default_rng(seed)
    values = rng.gamma(2.0, 1.0, (entities, indicators)) * rng.uniform(0.5, 20, indicators)
    values[rng.random(values.shape) < 0.05] = np.nan
    table = pd.DataFrame(values, columns=[f"i{j:02d}" for j in range(indicators)])
    table.insert(0, "entity_id", [f"E{i:05d}" for i in range(entities)])
    method = from_dict({
        "version": "bench", "min_coverage": 0.5,
        "pillars": [{"id": f"p{p}", "weight": p + 1} for p in range(4)],
        "indicators": [{"id": f"i{j:02d}", "pillar": f"p{j % 4}", "weight": 1 + j % 3,
                        "direction": "lower_is_better" if j % 2 else "higher_is_better"} for j in range(indicators)],
        "uncertainty": {"weights": {"method": "uniform", "spread": 0.25},
                        "normalisation": ["nominal", "zscore", "rank"],
                        "aggregation": ["arithmetic", "geometric"], "imputation": ["nominal", "mean"]}})
    return table, method


def pandas_monte_carlo(table: pd.DataFrame, method: Methodology, draws: uncertainty.Draws,
                       runs: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The straightforward way: one replication at a time with DataFrame operations."""
    x = table.set_index("entity_id")[method.indicator_ids]
    sign = pd.Series([1.0 if i.higher_is_better else -1.0 for i in method.indicators], index=x.columns)
    pillars = {p.id: [i.id for i in method.indicators if i.pillar == p.id] for p in method.pillars}
    pillar_ids = list(pillars)
    all_ranks, all_scores = {}, {}
    for r in range(runs):
        choice = {name: draws.alternatives[name][draws.levels[name][r]] for name in uncertainty.DISCRETE}
        data = x.fillna(x.mean()) if choice["imputation"] == "mean" else x
        good = data.mul(sign, axis=1)
        if choice["normalisation"] in ("nominal", "minmax"):
            y = (good - good.min()) / (good.max() - good.min()) * 100
        elif choice["normalisation"] == "zscore":
            y = (50 + 15 * (good - good.mean()) / good.std()).clip(0, 100)
        else:
            y = (good.rank(method="average") - 1) / (good.count() - 1) * 100
        if choice["aggregation"] == "geometric":
            y = np.log(1 + y * 0.99)
        weights = pd.Series(draws.indicator_weights[r], index=x.columns)
        pillar_scores = pd.DataFrame(index=x.index)
        for p, columns in pillars.items():
            w = weights[columns]
            numerator = y[columns].mul(w, axis=1).sum(axis=1)
            denominator = y[columns].notna().mul(w, axis=1).sum(axis=1)
            pillar_scores[p] = numerator / denominator.where(denominator > 0)
        pw = pd.Series(draws.pillar_weights[r], index=pillar_ids)
        score = pillar_scores.fillna(0).mul(pw, axis=1).sum(axis=1) / pillar_scores.notna().mul(pw, axis=1).sum(axis=1)
        if choice["aggregation"] == "geometric":
            score = np.exp(score)
        all_scores[r] = score
        all_ranks[r] = score.round(9).rank(ascending=False, method="min")
    ranks, scores = pd.DataFrame(all_ranks), pd.DataFrame(all_scores)
    summary = pd.DataFrame({"rank_median": ranks.quantile(0.5, axis=1, interpolation="lower"),
                            "rank_p05": ranks.quantile(0.05, axis=1, interpolation="lower"),
                            "rank_p95": ranks.quantile(0.95, axis=1, interpolation="higher"),
                            "score_p05": scores.quantile(0.05, axis=1), "score_p95": scores.quantile(0.95, axis=1)})
    return ranks, summary


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="2,000 enterprises, 200 replications")
    parser.add_argument("--entities", type=int, default=10_000)
    parser.add_argument("--indicators", type=int, default=20)
    parser.add_argument("--runs", type=int, default=1_000)
    parser.add_argument("--pandas-runs", type=int, default=100, help="replications for the pandas baseline")
    parser.add_argument("--seed", type=int, default=2026)
    args = parser.parse_args()
    if args.quick:
        args.entities, args.runs, args.pandas_runs = 2_000, 200, 40
    table, method = build(args.entities, args.indicators, args.seed)

    start = time.perf_counter()
    prepared = engine.prepare(table, method)
    prepare_s = time.perf_counter() - start
    start = time.perf_counter()
    result = uncertainty.monte_carlo(prepared, runs=args.runs, seed=args.seed, sensitivity=False)
    vector_s = time.perf_counter() - start
    start = time.perf_counter()
    with_sensitivity = uncertainty.monte_carlo(prepared, runs=args.runs, seed=args.seed, sensitivity=True)
    sensitivity_s = time.perf_counter() - start
    assert np.array_equal(with_sensitivity.rank_p95, result.rank_p95)

    # The same replications for both: draws from the same seed, as monte_carlo makes them.
    draws = uncertainty.draw(method.uncertainty, method, args.runs, np.random.default_rng(args.seed))
    pandas_runs = min(args.pandas_runs, args.runs)
    start = time.perf_counter()
    pandas_ranks, _summary = pandas_monte_carlo(table, method, draws, pandas_runs)
    pandas_measured_s = time.perf_counter() - start
    pandas_s = pandas_measured_s * args.runs / pandas_runs
    extrapolated = pandas_runs < args.runs
    shared = uncertainty.Draws(draws.alternatives, {k: v[:pandas_runs] for k, v in draws.levels.items()},
                               draws.indicator_weights[:pandas_runs], draws.pillar_weights[:pandas_runs])
    _scores, vector_ranks = uncertainty.replicate(prepared, shared)
    mismatch = int((vector_ranks != pandas_ranks.to_numpy().T).sum())

    width = result.rank_p95 - result.rank_p05
    print(f"Monte Carlo of {args.entities:,} enterprises x {args.indicators} indicators x {args.runs:,} replications")
    print(f"  choices: weights ±25%, normalisation {method.uncertainty.normalisation}, aggregation "
          f"{method.uncertainty.aggregation}, imputation {method.uncertainty.imputation}; 5% values missing")
    print(f"  validate table:                 {prepare_s:8.2f} s")
    print(f"  vectorised (numpy):             {vector_s:8.2f} s")
    print(f"  vectorised + sensitivity:       {sensitivity_s:8.2f} s  {with_sensitivity.sensitivity}")
    note = f"extrapolated from {pandas_runs} replications ({pandas_measured_s:.1f} s)" if extrapolated else "measured"
    print(f"  straightforward pandas:         {pandas_s:8.2f} s  ({note})")
    print(f"  speed-up:                       {pandas_s / vector_s:8.1f} x")
    print(f"  ranks differing from pandas on the {pandas_runs} shared replications: {mismatch}")
    print(f"  median width of the 5-95% rank interval: {np.median(width):.0f} places")
    print(json.dumps({
        "benchmark": "index_montecarlo", "entities": args.entities, "indicators": args.indicators, "runs": args.runs,
        "vectorised_s": round(vector_s, 3), "vectorised_with_sensitivity_s": round(sensitivity_s, 3),
        "prepare_s": round(prepare_s, 3), "pandas_s": round(pandas_s, 3), "pandas_extrapolated": extrapolated,
        "pandas_runs_measured": pandas_runs, "speedup": round(pandas_s / vector_s, 1),
        "rank_mismatches": mismatch, "median_rank_interval_width": float(np.median(width)),
        "sensitivity": with_sensitivity.sensitivity, "cpus": os.cpu_count(), "python": platform.python_version(),
        "numpy": np.__version__, "pandas": pd.__version__}))


if __name__ == "__main__":
    main()

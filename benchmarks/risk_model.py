"""Benchmark: train and score the risk model on 100,000 enterprises × 36 months.

Steps, each timed: generate the synthetic panel, validate it, build the model frame (case-history
features), fit on every row whose outcome is known before the last period (≈ 100,000 × 34 rows, with
the held-out Poisson recalibration and the refit), score the next month for 100,000 enterprises
(λ, then per-feature contributions for all of them), rank them, and make an inspection plan for 1,000
inspections (which explains only its picks and reserve). The baseline in the same run is the SST-style
last-period rate: its ranking time on the same enterprises, and capture@10% of the model, last rate
and headcount on the held-out month, for reference.

    python benchmarks/risk_model.py [--quick] [--enterprises N] [--months M] [--trees T] [--threads K]

Prints the figures; the last line is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import time

import numpy as np

from qorgau.risk import features, forecaster, metrics, synthetic
from qorgau.risk.panel import validate
from qorgau.risk.plan import Capacity, make_plan


def timed(label: str, timings: dict, fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    timings[label] = round(time.perf_counter() - start, 3)
    print(f"{label:<28} {timings[label]:>9.3f} s", flush=True)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10,000 enterprises × 24 months")
    parser.add_argument("--enterprises", type=int, default=None)
    parser.add_argument("--months", type=int, default=None)
    parser.add_argument("--trees", type=int, default=200)
    parser.add_argument("--threads", type=int, default=0, help="LightGBM threads (0: all cores)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    n = args.enterprises or (10_000 if args.quick else 100_000)
    months = args.months or (24 if args.quick else 36)
    timings: dict[str, float] = {}
    table = timed("generate panel", timings, synthetic.generate_panel, n, months, seed=args.seed)
    panel = timed("validate panel", timings, validate, table)
    del table  # the validated copy is all we need from here on
    frame = timed("model frame (features)", timings, features.model_frame, panel)
    names = features.feature_columns(panel, frame)
    last = len(panel.periods) - 1
    train = frame[frame["period_index"] <= last - 2]  # outcomes up to the month before the held-out one
    test = frame[(frame["period_index"] == last - 1) & frame["target"].notna()]
    fitted = timed("fit (calibrate + refit)", timings, forecaster.fit, train, names, period_labels=panel.periods,
                   params={"num_threads": args.threads, "seed": args.seed}, rounds=args.trees)
    lam = timed("score λ", timings, fitted.predict, test)
    timed("explain all (pred_contrib)", timings, fitted.explain, test)
    timed("rank by model", timings, np.argsort, -lam, kind="stable")
    scored = test.assign(expected_cases=lam)
    capacity = Capacity(100, 20) if n >= 20_000 else Capacity(10, 20)
    plan = timed(f"plan {capacity.inspections} inspections", timings, make_plan, scored, capacity, fitted.explain)
    workers = test["workers"].to_numpy(float)
    cases = test["cases"].to_numpy(float)
    timed("rank by last rate (SST)", timings, lambda: np.argsort(-(cases / workers), kind="stable"))
    y = test["target"].to_numpy(float)
    capture = {name: round(metrics.capture_and_hits(y, score, 0.1)[0] / y.sum(), 4)
               for name, score in (("model", lam), ("baseline_last_rate", cases / workers), ("baseline_size", workers))}
    print(f"held-out month {panel.periods[last]}: {int(y.sum())} cases; capture@10%: "
          + ", ".join(f"{k} {v:.3f}" for k, v in capture.items()))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"train rows {len(train):,} × {len(names)} features, {args.trees} trees; peak memory {peak_mb:,.0f} MB; "
          f"plan: {len(plan.picks)} picks, {plan.to_dict()['expected_prevented']:.2f} cases prevented expected")
    print(json.dumps({"benchmark": "risk_model", "enterprises": n, "months": months, "train_rows": int(len(train)),
                      "score_rows": int(len(test)), "features": len(names), "trees": args.trees,
                      "threads": args.threads or os.cpu_count(), "cpu_count": os.cpu_count(),
                      "python": platform.python_version(), "seconds": timings, "capture_at_10pct": capture,
                      "model_version": fitted.version, "peak_rss_mb": round(peak_mb)}))


if __name__ == "__main__":
    main()

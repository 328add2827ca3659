"""What inspection visits add as training labels: the risk model's rolling-origin backtest with and without
the visit rows (see `qorgau.risk.visit_labels`), on the SYNTHETIC panel of `qorgau.risk.synthetic`.

    python benchmarks/risk_visit_labels.py [--enterprises 2000] [--months 36] [--visit-share 0.03]
                                           [--seeds 0,1,2] [--rounds 60] [--test-periods 6]

Visits: each month a random `--visit-share` of the enterprises is visited (as by the random audit slots of
the plans); a visit finds gross violations ~ Poisson(0.09·W^0.7·e^(0.5z)·logistic(−2 + 0.7z)), the
simulator's own process for an inspected month (z: the latent safety-management deficit that no feature
shows directly). Capture at top k is measured on accidents only, the same tested months with and without.
The data are synthetic: the figures say what the method can do where visits observe the hazard, not what
it does on the platform's real visits. JSON on the last line.
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np
import pandas as pd

from qorgau.risk import synthetic
from qorgau.risk.backtest import BacktestConfig, run_backtest
from qorgau.risk.panel import validate


def visits(enterprises: pd.DataFrame, panel_frame: pd.DataFrame, share: float, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, 25])
    periods = sorted(panel_frame["period"].unique())
    z = enterprises.set_index("entity_id")["culture"]
    workers = panel_frame.groupby("entity_id")["workers"].mean()
    rows = []
    for period in periods[1:]:
        chosen = rng.choice(enterprises["entity_id"].to_numpy(), size=max(1, int(share * len(enterprises))),
                            replace=False)
        zc, wc = z.loc[chosen].to_numpy(), workers.loc[chosen].to_numpy()
        rate = 0.03 * 3.0 * wc**0.7 * np.exp(0.5 * zc) / (1 + np.exp(-(-2.0 + 0.7 * zc)))
        gross = rng.poisson(rate)
        rows += [{"enterprise_id": e, "period": period, "visits": 1, "serious": int(g)}
                 for e, g in zip(chosen, gross, strict=True)]
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--enterprises", type=int, default=2000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--visit-share", type=float, default=0.03)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--rounds", type=int, default=60)
    parser.add_argument("--test-periods", type=int, default=6)
    args = parser.parse_args()
    out = {"material": "synthetic panel (qorgau.risk.synthetic) with simulated visits", "runs": []}
    for seed in (int(s) for s in args.seeds.split(",")):
        started = time.perf_counter()
        enterprises = synthetic.draw_enterprises(args.enterprises, seed=seed)
        frame = synthetic.simulate(enterprises, args.months, seed=seed)
        panel = validate(frame)
        labels = visits(enterprises, frame, args.visit_share, seed)
        labels["enterprise_id"] = labels["enterprise_id"].astype(str)
        config = BacktestConfig(test_periods=args.test_periods, rounds=args.rounds, seed=seed,
                                params={"num_threads": 1})
        alone = run_backtest(panel, config).methods["model"]
        both = run_backtest(panel, config, visit_labels=labels).methods["model"]
        run = {"seed": seed, "visits": int(labels["visits"].sum()), "serious_found": int(labels["serious"].sum()),
               "capture_without": alone["capture"], "capture_with": both["capture"],
               "auc_pr_without": alone["auc_pr"], "auc_pr_with": both["auc_pr"],
               "seconds": round(time.perf_counter() - started, 1)}
        out["runs"].append(run)
        print(json.dumps(run))
    ks = out["runs"][0]["capture_with"].keys()
    out["mean_capture_change"] = {k: round(float(np.mean([r["capture_with"][k] - r["capture_without"][k]
                                                          for r in out["runs"]])), 4) for k in ks}
    out["mean_auc_pr_change"] = round(float(np.mean([r["auc_pr_with"] - r["auc_pr_without"] for r in out["runs"]])), 4)
    print(json.dumps(out))


if __name__ == "__main__":
    main()

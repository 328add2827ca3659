"""Visit outcomes as training labels, next to the accident labels.

The model's label is the next month's serious or fatal cases of an enterprise (one row per enterprise and
month t, label = cases in t+1). A planned visit in month t+1 that records its outcome is a second, direct
observation of the same enterprise's hazard in that month. It enters training as one extra row: the
features of (enterprise, t), as for the accident row, with the label

    visit label = κ · serious (gross) violations found at the visit,

where κ converts violations to the accident scale. κ is fitted from the visits themselves so that, summed
over the visits, the visit labels equal the cases that the visited enterprises' headcounts alone would
predict (Σ w·r0, r0 = the training rate per worker-month):

    κ = Σ_visits w·r0 / Σ_visits gross found.

So the visits add no cases overall (the model's calibration on accidents is kept); what they add is their
*relative* information: an enterprise whose visit found twice the typical number of gross violations
counts as one enterprise-month with twice its size-expected cases; a visit that found nothing counts as a
month without a case. No gross violation at any visit: κ is undefined, no visit row is added, and the
run says so. Visit rows train the model only: the backtest tests on accident rows alone, so capture keeps
its meaning (share of serious cases caught), and both rolling origins and the final fit see only visits
made before the month they predict (a row's period index is the month before the visit).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

VISIT_ROW = "visit_row"  # 1.0 on the extra rows made from visits; never a model feature


def accident_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """The panel's own rows (what is scored and tested)."""
    return frame[frame[VISIT_ROW] == 0] if VISIT_ROW in frame.columns else frame


def add_visit_rows(frame: pd.DataFrame, labels: pd.DataFrame | None, periods: list[str]) -> tuple[pd.DataFrame, dict]:
    """`frame` (from `model_frame`) with one row per (enterprise, month) visited; `labels` has enterprise_id,
    period (YYYY-MM of the visit), visits and serious. Returns the frame and what was added."""
    info = {"visits": 0, "rows": 0, "serious": 0, "kappa": None, "used": False}
    out = frame.copy()
    out[VISIT_ROW] = 0.0
    if labels is None or labels.empty:
        return out, info
    # The row of month t predicts t+1: a visit in month p teaches the row of p-1.
    index = {p: i - 1 for i, p in enumerate(periods)}
    index[_next(periods[-1])] = len(periods) - 1
    labels = labels.assign(t=labels["period"].map(lambda p: index.get(p, -1)))
    labels = labels[labels["t"] >= 0]
    info["visits"], info["serious"] = int(labels["visits"].sum()), int(labels["serious"].sum())
    if labels.empty:
        return out, info
    key = out["entity_id"].astype(str) + "|" + out["period_index"].astype(int).astype(str)
    position = pd.Series(np.arange(len(out)), index=key.to_numpy())
    wanted = labels["enterprise_id"].astype(str) + "|" + labels["t"].astype(int).astype(str)
    found = wanted.isin(position.index)
    labels, wanted = labels[found.to_numpy()], wanted[found]
    if labels.empty or labels["serious"].sum() <= 0:
        info["visits"], info["serious"] = int(labels["visits"].sum()), int(labels["serious"].sum())
        return out, info
    rows = out.iloc[position.loc[wanted.to_numpy()].to_numpy()].copy()
    accidents = accident_rows(frame)
    known = accidents["target"].notna()
    rate = max(float(accidents.loc[known, "target"].sum()), 0.5) / float(accidents.loc[known, "workers"].sum())
    expected = rows["workers"].to_numpy(float) * rate * labels["visits"].to_numpy(float)
    kappa = float(expected.sum() / labels["serious"].sum())
    # A month with several visits of one enterprise: their labels add up, as do their expected cases.
    rows["target"] = kappa * labels["serious"].to_numpy(float)
    rows[VISIT_ROW] = 1.0
    info.update(visits=int(labels["visits"].sum()), rows=int(len(rows)), serious=int(labels["serious"].sum()),
                kappa=kappa, used=True)
    return pd.concat([out, rows], ignore_index=True), info


def _next(period: str) -> str:
    return str(pd.Period(period, freq="M") + 1)

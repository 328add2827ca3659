"""Targeting metrics: capture@k and precision@k (ties shared fairly), AUC-PR, Brier, calibration bins.

Ties. Ranking rules such as "last month's rate" tie most enterprises at zero. Breaking ties by row
order would reward or punish a rule by accident, so an enterprise tied at the cut-off counts with its
probability of selection under random tie-breaking: with m slots, a enterprises strictly above the
cut-off score and g tied at it, each tied one is selected with probability (m − a)/g. The metrics are
the expected values under that lottery.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd


def slots(n: int, k: float) -> int:
    """How many of n entities are in the top k share (rounded half up, at least one)."""
    return max(1, min(n, int(math.floor(k * n + 0.5)))) if n else 0


def selection_weights(scores: np.ndarray, m: int) -> np.ndarray:
    """Probability that each entity is among the top m under random tie-breaking (NaN ranks last)."""
    scores = np.where(np.isnan(scores), -np.inf, np.asarray(scores, dtype=float))
    n = len(scores)
    if m <= 0 or n == 0:
        return np.zeros(n)
    if m >= n:
        return np.ones(n)
    cutoff = np.partition(scores, n - m)[n - m]  # the m-th largest score
    above = scores > cutoff
    tied = scores == cutoff
    weights = above.astype(float)
    weights[tied] = (m - above.sum()) / tied.sum()
    return weights


def capture_and_hits(y: np.ndarray, scores: np.ndarray, k: float) -> tuple[float, float, int]:
    """Expected cases captured, expected entities with ≥1 case selected, and slots, for one period."""
    m = slots(len(y), k)
    w = selection_weights(scores, m)
    return float(np.dot(w, y)), float(np.dot(w, y > 0)), m


def ranking_metrics(frame: pd.DataFrame, score: str, ks: tuple[float, ...], target: str = "y",
                    period: str = "period") -> dict:
    """Pooled capture@k (captured / all cases) and precision@k over periods ranked separately."""
    captured = {k: 0.0 for k in ks}
    hits = {k: 0.0 for k in ks}
    chosen = {k: 0 for k in ks}
    for _, group in frame.groupby(period, sort=False):
        y, s = group[target].to_numpy(float), group[score].to_numpy(float)
        for k in ks:
            c, h, m = capture_and_hits(y, s, k)
            captured[k] += c
            hits[k] += h
            chosen[k] += m
    total = float(frame[target].sum())
    return {"capture": {k: (captured[k] / total if total else float("nan")) for k in ks},
            "precision": {k: (hits[k] / chosen[k] if chosen[k] else float("nan")) for k in ks}}


def auc_pr(y: np.ndarray, scores: np.ndarray) -> float:
    """Average precision for "at least one case"."""
    positive = np.asarray(y) > 0
    if not positive.any():
        return float("nan")
    from sklearn.metrics import average_precision_score  # imported when used: the web app starts without it

    return float(average_precision_score(positive, np.nan_to_num(np.asarray(scores, float), nan=-np.inf)))


def brier(y: np.ndarray, probability: np.ndarray) -> float:
    """Mean squared error of P(at least one case)."""
    return float(np.mean((np.asarray(probability, float) - (np.asarray(y) > 0)) ** 2))


def calibration_bins(y: np.ndarray, probability: np.ndarray, expected: np.ndarray | None = None,
                     bins: int = 10) -> list[dict]:
    """Quantile bins of P: count, mean predicted P, observed share with ≥1 case, expected and observed cases."""
    y, probability = np.asarray(y, float), np.asarray(probability, float)
    expected = -np.log1p(-np.minimum(probability, 1 - 1e-12)) if expected is None else np.asarray(expected, float)
    order = np.argsort(probability, kind="stable")
    out = []
    for index, part in enumerate(np.array_split(order, bins)):
        if not len(part):
            continue
        out.append({"bin": index + 1, "n": int(len(part)), "p_low": float(probability[part].min()),
                    "p_high": float(probability[part].max()), "predicted": float(probability[part].mean()),
                    "observed": float((y[part] > 0).mean()), "expected_cases": float(expected[part].sum()),
                    "observed_cases": float(y[part].sum())})
    return out

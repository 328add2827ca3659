"""Confidence intervals for counts, proportions and weighted sums of counts (vectorised over numpy arrays).

- `poisson_ci`: exact (Garwood 1936) interval for a Poisson count, from chi-square quantiles:
  lower = chi2(alpha/2; 2k) / 2, upper = chi2(1 - alpha/2; 2k + 2) / 2, lower = 0 when k = 0.
- `binomial_ci`: Clopper-Pearson (exact, from beta quantiles) or Wilson score interval for k of n.
- `gamma_ci`: Fay & Feuer (1997, Stat Med 16:791-801) gamma interval for a directly standardised rate,
  a weighted sum of independent Poisson counts y = sum w_i x_i; with one stratum it equals Garwood.
"""

from __future__ import annotations

import numpy as np

ALPHA = 0.05


def poisson_ci(counts, alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Exact (Garwood) interval for Poisson counts: arrays (low, high) of the expected count."""
    from scipy import stats  # imported when used: the web app starts without scipy
    k = np.asarray(counts, dtype=float)
    if np.any(k < 0) or np.any(np.isnan(k)):
        raise ValueError("counts must be non-negative numbers")
    with np.errstate(invalid="ignore"):
        low = np.where(k > 0, stats.chi2.ppf(alpha / 2, 2 * k) / 2, 0.0)
    high = stats.chi2.ppf(1 - alpha / 2, 2 * k + 2) / 2
    return np.asarray(low, dtype=float), np.asarray(high, dtype=float)


def binomial_ci(successes, trials, method: str = "clopper-pearson",
                alpha: float = ALPHA) -> tuple[np.ndarray, np.ndarray]:
    """Interval for a proportion k/n: 'clopper-pearson' (exact) or 'wilson' (score)."""
    from scipy import stats  # imported when used: the web app starts without scipy
    k = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    if np.any(k < 0) or np.any(k > n):
        raise ValueError("successes must lie between 0 and the number of trials")
    if method == "clopper-pearson":
        with np.errstate(invalid="ignore", divide="ignore"):
            low = np.where(k > 0, stats.beta.ppf(alpha / 2, k, n - k + 1), 0.0)
            high = np.where(k < n, stats.beta.ppf(1 - alpha / 2, k + 1, n - k), 1.0)
    elif method == "wilson":
        z = stats.norm.ppf(1 - alpha / 2)
        with np.errstate(invalid="ignore", divide="ignore"):
            p = k / n
            centre = (p + z * z / (2 * n)) / (1 + z * z / n)
            half = z / (1 + z * z / n) * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
            low, high = np.clip(centre - half, 0, 1), np.clip(centre + half, 0, 1)
    else:
        raise ValueError(f"unknown interval method {method!r}: use 'clopper-pearson' or 'wilson'")
    empty = n <= 0
    return np.where(empty, np.nan, low).astype(float), np.where(empty, np.nan, high).astype(float)


def gamma_ci(counts, weights, alpha: float = ALPHA) -> tuple[float, float, float]:
    """Fay-Feuer gamma interval for y = sum(w * x) with x Poisson: (y, low, high)."""
    from scipy import stats  # imported when used: the web app starts without scipy
    x = np.asarray(counts, dtype=float)
    w = np.asarray(weights, dtype=float)
    if x.shape != w.shape:
        raise ValueError("counts and weights must have the same length")
    if np.any(x < 0) or np.any(w < 0):
        raise ValueError("counts and weights must be non-negative")
    y = float(np.sum(w * x))
    v = float(np.sum(w * w * x))
    w_max = float(np.max(w)) if w.size else 0.0
    if w_max == 0:
        return 0.0, 0.0, 0.0
    if y > 0 and v > 0:
        low = v / (2 * y) * stats.chi2.ppf(alpha / 2, 2 * y * y / v)
    else:
        low = 0.0
    v_up, y_up = v + w_max * w_max, y + w_max
    high = v_up / (2 * y_up) * stats.chi2.ppf(1 - alpha / 2, 2 * y_up * y_up / v_up)
    return y, float(low), float(high)

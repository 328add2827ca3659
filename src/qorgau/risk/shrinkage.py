"""Empirical-Bayes gamma-Poisson shrinkage of enterprise accident rates towards their sector's rate.

Model: an enterprise's true rate per worker-period θ ~ Gamma(shape α, rate α/μ), where μ is the
sector's rate (so E θ = μ and Var θ = μ²/α); given θ its count over exposure E worker-periods is
y ~ Poisson(θ·E). The posterior mean is

    θ̂ = (α + y) / (α/μ + E) = w·(y/E) + (1 − w)·μ,   w = E / (E + α/μ),

so an enterprise with little exposure (few workers, short history) gets w ≈ 0, its sector's rate,
and a large one keeps its own rate. α is estimated by the method of moments from the same period's
enterprises: with m_i = μ_i·E_i, E[(y − m)² − y] = m²/α, so 1/α̂ = max(0, Σ((y − m)² − y)) / Σ m².
No overdispersion (1/α̂ = 0) means every enterprise gets its sector's rate.
"""

from __future__ import annotations

import numpy as np

ALPHA_RANGE = (1e-2, 1e6)


def moment_alpha(cases: np.ndarray, expected: np.ndarray) -> float:
    """Method-of-moments gamma shape α from counts and their prior expected counts (μ·E)."""
    cases = np.asarray(cases, dtype=float)
    expected = np.asarray(expected, dtype=float)
    keep = expected > 0
    denominator = float(np.sum(expected[keep] ** 2))
    if denominator <= 0:
        return ALPHA_RANGE[1]
    excess = float(np.sum((cases[keep] - expected[keep]) ** 2 - cases[keep]))
    if excess <= 0:
        return ALPHA_RANGE[1]
    return float(np.clip(denominator / excess, *ALPHA_RANGE))


def posterior_rate(cases: np.ndarray, exposure: np.ndarray, prior_rate: np.ndarray, alpha: float) -> np.ndarray:
    """Posterior mean rate per unit exposure: (α + y) / (α/μ + E)."""
    cases = np.asarray(cases, dtype=float)
    exposure = np.asarray(exposure, dtype=float)
    prior_rate = np.asarray(prior_rate, dtype=float)
    safe = np.where(prior_rate > 0, prior_rate, np.nan)
    rate = (alpha + cases) / (alpha / safe + exposure)
    return np.where(prior_rate > 0, rate, 0.0)


def weight(exposure: np.ndarray, prior_rate: np.ndarray, alpha: float) -> np.ndarray:
    """Credibility weight w = E / (E + α/μ) of the enterprise's own rate."""
    exposure = np.asarray(exposure, dtype=float)
    prior_rate = np.asarray(prior_rate, dtype=float)
    with np.errstate(divide="ignore"):
        return exposure / (exposure + alpha / prior_rate)

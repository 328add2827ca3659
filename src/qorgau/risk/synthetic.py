"""A SYNTHETIC enterprise-month panel whose accidents follow leading indicators, for demos and tests.

Not real data: the frame's attrs carry `synthetic=True` and SYNTHETIC_LABEL. Deterministic per seed.

Data-generating process (all public functions take per-enterprise characteristics as arrays, so the
platform's demo generator can run the same process over its own enterprises):

Characteristics (`draw_enterprises`): sector (OKED section, weights and relative accident rates in
SECTORS), region (KATO; a region factor ρ = exp(N(0, 0.15²)) fixed by the seed), headcount
W ~ lognormal (median 60, ×3 in mining and energy, 5..20,000), union presence with
P = logistic(−2.2 + 0.8·log10 W), equipment age A = 5 + 25·Beta(2, 2) years, technical inspectors
≈ W/250 where there is a union, and a latent safety-management deficit z ~ N(0, 1) that no feature
shows directly (a model can only find it through the indicators it drives).

Each month (`step`): an inspection happens with probability 1/36; violations found
~ Poisson(0.03·W^0.7·e^(0.5z + 0.02(A−17))·1.6^union·3^inspected); gross ones ~ Binomial(found,
logistic(−2 + 0.7z)); each gross one becomes overdue with probability logistic(−0.8 + 0.8z − 0.6·union)
and the overdue stock is fixed at 25% a month (80% in a month with an inspection); worker reports
~ Poisson(0.01·W^0.7·e^(0.3z)·1.8^union), imminent-danger ones ~ Poisson(0.002·W^0.7·e^(0.6z +
0.3·log(1 + overdue))·1.8^union); exposure-limit exceedances ~ Poisson(0.02·hazard·W^0.5·e^(0.4z +
0.03(A−17))).

Serious or fatal cases next month (`accident_rate`) ~ Poisson(λ) with

    λ = rate/12000 · 100·(W/100)^0.9 · sector · ρ · exp(0.45z + 0.25(A−17)/10 − 0.3·union
        + 0.35·log(1 + overdue gross) + 0.25·log(1 + imminent reports) + 0.15·log(1 + exceedances)
        − 0.3·[inspected in the last 6 months]),

with `rate` = 1.0 per 1,000 workers a year by default (Coefficients). That is higher than Kazakhstan's
reported 0.2 per 1,000 for all injuries in 2024, so that a demo of a few hundred enterprises has enough
cases to learn from; scale it with `rate_per_1000_year`. Union presence raises detection and reporting
(more violations and reports recorded) but lowers accidents, so recorded counts are not simply "bad".
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from qorgau.core.i18n_markers import N_

SYNTHETIC_LABEL = N_("Synthetic data for demonstration: not real enterprises or accidents.")
# OKED section: (share of enterprises, relative serious-accident rate, exposure hazard, headcount factor).
SECTORS = {
    "A": (0.08, 1.3, 0.6, 1.0), "B": (0.05, 3.0, 1.5, 3.0), "C": (0.15, 1.6, 1.0, 1.5), "D": (0.04, 1.4, 0.8, 3.0),
    "F": (0.12, 2.5, 0.7, 1.0), "G": (0.22, 0.6, 0.2, 0.7), "H": (0.08, 1.5, 0.5, 1.2), "O": (0.04, 0.4, 0.1, 1.2),
    "P": (0.12, 0.3, 0.1, 1.0), "Q": (0.10, 0.7, 0.4, 1.0),
}
REGIONS = ("100000000", "110000000", "150000000", "190000000", "230000000", "270000000", "310000000",
           "330000000", "350000000", "390000000", "430000000", "470000000", "550000000", "590000000",
           "610000000", "620000000", "630000000", "710000000", "750000000", "790000000")
PANEL_FEATURES = ("union", "equipment_age", "inspectors_per_100", "violations_3m", "violations_12m",
                  "gross_violations_3m", "overdue_gross", "imminent_reports_3m", "reports_12m", "exceedances_3m",
                  "months_since_inspection")


@dataclass(frozen=True)
class Coefficients:
    """The accident process's parameters (log-rate effects unless named otherwise)."""

    rate_per_1000_year: float = 1.0
    size_elasticity: float = 0.9
    culture: float = 0.45
    equipment_per_decade: float = 0.25
    union: float = -0.3
    overdue_gross: float = 0.35
    imminent: float = 0.25
    exceedances: float = 0.15
    recent_inspection: float = -0.3
    inspection_probability: float = 1 / 36


def _logistic(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def region_factors(seed: int) -> dict[str, float]:
    """ρ per region: exp(N(0, 0.15²)), fixed by the seed."""
    rng = np.random.default_rng([seed, 7])
    return dict(zip(REGIONS, np.exp(rng.normal(0.0, 0.15, len(REGIONS))), strict=True))


def draw_enterprises(n: int, *, seed: int = 0) -> pd.DataFrame:
    """Characteristics of n synthetic enterprises, including the latent `culture` (z)."""
    rng = np.random.default_rng([seed, 1])
    codes = list(SECTORS)
    weights = np.array([SECTORS[c][0] for c in codes])
    sector = rng.choice(codes, size=n, p=weights / weights.sum())
    size_factor = np.array([SECTORS[s][3] for s in sector])
    workers = np.clip(np.round(np.exp(rng.normal(np.log(60), 1.2, n)) * size_factor), 5, 20000)
    union = rng.random(n) < _logistic(-2.2 + 0.8 * np.log10(workers))
    inspectors = np.where(union, np.maximum(1, np.round(workers / 250)), 0)
    return pd.DataFrame({
        "entity_id": [f"E{i:06d}" for i in range(1, n + 1)], "sector": sector,
        "region": rng.choice(REGIONS, size=n), "workers": workers, "union": union.astype(int),
        "equipment_age": np.round(5 + 25 * rng.beta(2, 2, n), 1), "technical_inspectors": inspectors,
        "culture": rng.normal(0.0, 1.0, n),
    })


def accident_rate(enterprises: pd.DataFrame, state: dict[str, np.ndarray], *, region_factor: np.ndarray,
                  coefficients: Coefficients = Coefficients()) -> np.ndarray:
    """Expected serious or fatal cases next month given characteristics and this month's indicators."""
    c = coefficients
    workers = state.get("workers", enterprises["workers"].to_numpy(float))
    sector = np.array([SECTORS[s][1] for s in enterprises["sector"]])
    size = 100.0 * (workers / 100.0) ** c.size_elasticity
    log_effect = (c.culture * enterprises["culture"].to_numpy(float)
                  + c.equipment_per_decade * (enterprises["equipment_age"].to_numpy(float) - 17) / 10
                  + c.union * enterprises["union"].to_numpy(float)
                  + c.overdue_gross * np.log1p(state["overdue_gross"])
                  + c.imminent * np.log1p(state["imminent"])
                  + c.exceedances * np.log1p(state["exceedances"])
                  + c.recent_inspection * (state["months_since_inspection"] <= 6))
    return c.rate_per_1000_year / 12000.0 * size * sector * region_factor * np.exp(log_effect)


def step(enterprises: pd.DataFrame, state: dict[str, np.ndarray], rng: np.random.Generator,
         coefficients: Coefficients = Coefficients()) -> dict[str, np.ndarray]:
    """One month of indicators: inspections, violations, overdue stock, reports, exceedances."""
    n = len(enterprises)
    workers = state.get("workers", enterprises["workers"].to_numpy(float))
    z = enterprises["culture"].to_numpy(float)
    age = enterprises["equipment_age"].to_numpy(float) - 17
    union = enterprises["union"].to_numpy(float)
    hazard = np.array([SECTORS[s][2] for s in enterprises["sector"]])
    inspected = rng.random(n) < coefficients.inspection_probability
    violations = rng.poisson(0.03 * workers**0.7 * np.exp(0.5 * z + 0.02 * age) * 1.6**union * 3.0**inspected)
    gross = rng.binomial(violations, _logistic(-2.0 + 0.7 * z))
    kept = rng.binomial(state["overdue_gross"].astype(np.int64), np.where(inspected, 0.2, 0.75))
    overdue = kept + rng.binomial(gross, _logistic(-0.8 + 0.8 * z - 0.6 * union))
    reports = rng.poisson(0.01 * workers**0.7 * np.exp(0.3 * z) * 1.8**union)
    imminent = rng.poisson(0.002 * workers**0.7 * np.exp(0.6 * z + 0.3 * np.log1p(overdue)) * 1.8**union)
    exceedances = rng.poisson(0.02 * hazard * workers**0.5 * np.exp(0.4 * z + 0.03 * age))
    since = np.where(inspected, 0, state["months_since_inspection"] + 1)
    return {"workers": workers, "inspected": inspected, "violations": violations, "gross": gross,
            "overdue_gross": overdue, "reports": reports + imminent, "imminent": imminent,
            "exceedances": exceedances, "months_since_inspection": since}


def simulate(enterprises: pd.DataFrame, months: int, *, seed: int = 0, start: str = "2023-01",
             coefficients: Coefficients = Coefficients(), burn_in: int = 12) -> pd.DataFrame:
    """The panel (entity_id, period, workers, cases, sector, region, features) for `months` months."""
    rng = np.random.default_rng([seed, 2])
    n, total = len(enterprises), months + burn_in
    factors = region_factors(seed)
    rho = np.array([factors.get(r, 1.0) for r in enterprises["region"]])
    base = enterprises["workers"].to_numpy(float)
    state = {"overdue_gross": np.zeros(n), "imminent": np.zeros(n), "exceedances": np.zeros(n),
             "months_since_inspection": rng.integers(0, 36, n).astype(float), "workers": base}
    names = ("workers", "cases", "violations", "gross", "overdue_gross", "reports", "imminent", "exceedances",
             "months_since_inspection")
    history = {k: np.zeros((n, total)) for k in names}
    drift = np.zeros(n)
    for month in range(total):
        cases = rng.poisson(accident_rate(enterprises, state, region_factor=rho, coefficients=coefficients))
        drift += rng.normal(0.0, 0.01, n)
        state = step(enterprises, {**state, "workers": np.maximum(1.0, np.round(base * np.exp(drift)))}, rng,
                     coefficients)
        state["cases"] = cases
        for k in names:
            history[k][:, month] = state[k]
    keep = slice(burn_in, total)

    def window(matrix: np.ndarray, k: int) -> np.ndarray:
        total_ = np.concatenate([np.zeros((n, 1)), np.cumsum(matrix, axis=1)], axis=1)
        right = np.arange(1, matrix.shape[1] + 1)
        return (total_[:, right] - total_[:, np.maximum(right - k, 0)])[:, keep].ravel()

    periods = pd.period_range(start, periods=months, freq="M").strftime("%Y-%m").to_numpy()
    workers = history["workers"][:, keep].ravel()
    frame = pd.DataFrame({
        "entity_id": np.repeat(enterprises["entity_id"].to_numpy(), months), "period": np.tile(periods, n),
        "workers": workers, "cases": history["cases"][:, keep].ravel().astype(np.int64),
        "sector": np.repeat(enterprises["sector"].to_numpy(), months),
        "region": np.repeat(enterprises["region"].to_numpy(), months),
        "union": np.repeat(enterprises["union"].to_numpy(), months),
        "equipment_age": np.repeat(enterprises["equipment_age"].to_numpy(), months),
        "inspectors_per_100": np.round(100 * np.repeat(enterprises["technical_inspectors"].to_numpy(float), months)
                                       / workers, 3),
        "violations_3m": window(history["violations"], 3), "violations_12m": window(history["violations"], 12),
        "gross_violations_3m": window(history["gross"], 3),
        "overdue_gross": history["overdue_gross"][:, keep].ravel(),
        "imminent_reports_3m": window(history["imminent"], 3), "reports_12m": window(history["reports"], 12),
        "exceedances_3m": window(history["exceedances"], 3),
        "months_since_inspection": np.minimum(history["months_since_inspection"][:, keep].ravel(), 60),
    })
    frame.attrs.update(synthetic=True, label=SYNTHETIC_LABEL)
    return frame


def generate_panel(n_enterprises: int = 500, months: int = 36, *, seed: int = 0, start: str = "2023-01",
                   coefficients: Coefficients = Coefficients()) -> pd.DataFrame:
    """Draw enterprises and simulate their panel (see the module docstring for the process)."""
    return simulate(draw_enterprises(n_enterprises, seed=seed), months, seed=seed, start=start,
                    coefficients=coefficients)

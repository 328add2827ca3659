"""Is a trend in injury rates real? Poisson GLM with an exposure offset, negative binomial when overdispersed.

Model: log E[cases_t] = log(exposure_t) + a + b (year_t - mean year). The annual change is
100 (exp(b) - 1) % with a Wald interval from exp(b +/- z se). Overdispersion is tested with the Cameron &
Trivedi (1990) auxiliary regression ((y - mu)^2 - y) / mu = c mu + e (one-sided t-test of c > 0); when it is
significant at 5% the slope is refitted by a negative-binomial (NB2) model with the same offset.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd

MODELS = ("auto", "poisson", "negative_binomial")


class TrendError(ValueError):
    """A trend cannot be estimated from this input; says why."""


@dataclass
class TrendResult:
    """Annual % change of the rate with its interval and a test of whether the trend is real."""

    model: str  # "poisson" or "negative_binomial"
    years: int
    slope: float
    se: float
    annual_pct_change: float
    ci_low: float
    ci_high: float
    p_value: float
    significant: bool
    dispersion: float | None  # Pearson chi-square / residual df of the Poisson fit
    overdispersion_p: float | None
    nb_alpha: float | None = None

    def as_dict(self) -> dict:
        return asdict(self)


def _overdispersion_p(y: np.ndarray, mu: np.ndarray) -> float | None:
    from scipy import stats  # imported when used: the web app starts without it
    if len(y) < 3:
        return None
    z = ((y - mu) ** 2 - y) / mu
    c = float(np.sum(mu * z) / np.sum(mu * mu))
    resid = z - c * mu
    dof = len(y) - 1
    s2 = float(np.sum(resid ** 2) / dof)
    if s2 <= 0:
        return 0.0 if c > 0 else 1.0
    t = c / np.sqrt(s2 / float(np.sum(mu * mu)))
    return float(stats.t.sf(t, dof))


def poisson_trend(frame: pd.DataFrame, year_col: str = "year", cases_col: str = "cases",
                  exposure_col: str = "hours", model: str = "auto", alpha: float = 0.05) -> TrendResult:
    """Fit the trend of cases per exposure over years; rows are summed per year first."""
    import statsmodels.api as sm
    from scipy import stats  # imported when used: the web app starts without it

    if model not in MODELS:
        raise TrendError(f"unknown trend model {model!r}; use one of: {', '.join(MODELS)}")
    for column in (year_col, cases_col, exposure_col):
        if column not in frame.columns:
            raise TrendError(f"the table has no column {column!r}")
    by_year = frame.groupby(year_col, sort=True)[[cases_col, exposure_col]].sum()
    bad = by_year[(by_year[exposure_col] <= 0) & (by_year[cases_col] > 0)]
    if len(bad):
        raise TrendError(f"year(s) {', '.join(map(str, bad.index))} have cases but no exposure")
    by_year = by_year[by_year[exposure_col] > 0]
    if len(by_year) < 2:
        raise TrendError("a trend needs at least two years with exposure")
    if by_year[cases_col].sum() == 0:
        raise TrendError("a trend needs at least one case")
    years = by_year.index.to_numpy(dtype=float)
    y = by_year[cases_col].to_numpy(dtype=float)
    offset = np.log(by_year[exposure_col].to_numpy(dtype=float))
    X = sm.add_constant(years - years.mean())
    with warnings.catch_warnings():
        # Two years fit exactly (no residual df): statsmodels warns, the slope is still the exact answer.
        warnings.simplefilter("ignore")
        fit = sm.GLM(y, X, family=sm.families.Poisson(), offset=offset).fit()
    dof = int(fit.df_resid)
    dispersion = float(fit.pearson_chi2 / dof) if dof > 0 else None
    over_p = _overdispersion_p(y, np.asarray(fit.mu))
    slope, se, p_value, used, nb_alpha = float(fit.params[1]), float(fit.bse[1]), float(fit.pvalues[1]), "poisson", None
    want_nb = model == "negative_binomial" or (model == "auto" and over_p is not None and over_p < 0.05)
    if want_nb and len(y) >= 3:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                nb = sm.NegativeBinomial(y, X, offset=offset, loglike_method="nb2").fit(disp=0, maxiter=500)
                converged = bool(nb.mle_retvals.get("converged", True)) and np.all(np.isfinite(nb.bse))
            except (np.linalg.LinAlgError, ValueError):
                converged = False
        if converged:
            slope, se, p_value = float(nb.params[1]), float(nb.bse[1]), float(nb.pvalues[1])
            used, nb_alpha = "negative_binomial", float(nb.params[-1])
        elif model == "negative_binomial":
            raise TrendError("the negative-binomial model did not converge on these data")
    z = stats.norm.ppf(1 - alpha / 2)
    return TrendResult(model=used, years=len(y), slope=slope, se=se,
                       annual_pct_change=float(100 * np.expm1(slope)),
                       ci_low=float(100 * np.expm1(slope - z * se)), ci_high=float(100 * np.expm1(slope + z * se)),
                       p_value=p_value, significant=bool(p_value < alpha), dispersion=dispersion,
                       overdispersion_p=over_p, nb_alpha=nb_alpha)


def trend_table(frame: pd.DataFrame, by: str, year_col: str = "year", cases_col: str = "cases",
                exposure_col: str = "hours", model: str = "auto", alpha: float = 0.05) -> list[dict]:
    """One trend per slice (e.g. per region); slices where no trend can be fitted carry the reason."""
    rows = []
    for group, part in frame.groupby(by, sort=True, observed=True):
        key = group[0] if isinstance(group, tuple) else group
        key = key.item() if isinstance(key, np.generic) else key
        try:
            rows.append({"group": key, **poisson_trend(part, year_col, cases_col, exposure_col, model, alpha).as_dict()})
        except TrendError as error:
            rows.append({"group": key, "error": str(error)})
    return rows

"""How many accidents really happened? Capture-recapture across overlapping sources.

Two sources: the Chapman (1951) estimator N = (n1 + 1)(n2 + 1) / (m + 1) - 1 with the Seber (1970)
variance (n1 + 1)(n2 + 1)(n1 - m)(n2 - m) / ((m + 1)^2 (m + 2)). Its default interval is Chao's (1987)
log-normal interval for the unseen part f0 = N - observed, [observed + f0 / C, observed + f0 C] with
C = exp(z sqrt(log(1 + var / f0^2))), which never falls below the number observed; the Wald interval
N +/- z se is reported too.

Three or more sources: log-linear models (Fienberg 1972; IWGDMF 1995) fitted as a Poisson GLM to the 2^k - 1
observed cells of the incomplete contingency table, with main effects and chosen two-way interactions;
the unobserved cell is exp(intercept). The standard error is sqrt(f0 + f0^2 var(intercept)) and the interval
is the multinomial profile likelihood (Cormack 1992), as in Rcapture (Baillargeon & Rivest 2007). Models
are compared by AIC among the models that can be tested, i.e. that leave at least one degree of freedom
(the saturated model fits every cell exactly, so its fit says nothing; IWGDMF 1995, Hook & Regal 1997).
Following Hook & Regal (1997), the estimates of every plausible model (AIC within 2 of the best, Burnham &
Anderson 2002) are shown with their spread, and a warning is given when they disagree by more than a
stated factor (default 1.5). Estimates rest on the model: a wrong dependence structure can badly mislead
(Cormack, Chang & Smith 2000, "a cautionary tale", which is one of the tests).
"""

from __future__ import annotations

import itertools
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd

from qorgau.incidents.engine.linkage import LinkageRules, link_records, pattern_counts  # noqa: F401 - re-exported

ALPHA = 0.05
MAX_EXHAUSTIVE_SOURCES = 5  # 2^(k choose 2) candidate models: 1,024 at k = 5


class CaptureRecaptureError(ValueError):
    """Input that capture-recapture cannot use; says what is wrong."""


@dataclass
class Estimate:
    """Estimated true number of cases with its interval and how it was obtained."""

    method: str  # "chapman" or "loglinear"
    observed: int  # distinct cases seen by at least one source
    estimate: float
    se: float | None
    ci_low: float
    ci_high: float
    interval: str  # how the interval was computed
    model: str = ""
    deviance: float | None = None
    df: int | None = None
    aic: float | None = None
    extra: dict = field(default_factory=dict)

    @property
    def unobserved(self) -> float:
        return self.estimate - self.observed

    def as_dict(self) -> dict:
        return {**asdict(self), "unobserved": self.unobserved}


def chapman(n1: int, n2: int, m: int, alpha: float = ALPHA) -> Estimate:
    """Chapman's two-source estimate with Seber variance, Chao log-normal interval (and the Wald one in extra)."""
    from scipy import stats  # imported where used: scipy is slow to load and most callers never need it

    for name, value in (("n1", n1), ("n2", n2), ("m", m)):
        if value < 0 or int(value) != value:
            raise CaptureRecaptureError(f"{name} must be a non-negative whole number, got {value}")
    if m > min(n1, n2):
        raise CaptureRecaptureError(f"the overlap m={m} cannot exceed either source (n1={n1}, n2={n2})")
    observed = n1 + n2 - m
    n_hat = (n1 + 1) * (n2 + 1) / (m + 1) - 1
    var = (n1 + 1) * (n2 + 1) * (n1 - m) * (n2 - m) / ((m + 1) ** 2 * (m + 2))
    se = float(np.sqrt(var))
    z = stats.norm.ppf(1 - alpha / 2)
    f0 = n_hat - observed
    if f0 > 0 and var > 0:
        c = np.exp(z * np.sqrt(np.log(1 + var / f0 ** 2)))
        low, high = observed + f0 / c, observed + f0 * c
    else:
        low, high = float(observed), float(max(n_hat, observed))
    wald = (max(n_hat - z * se, observed), n_hat + z * se)
    return Estimate("chapman", int(observed), float(n_hat), se, float(low), float(high),
                    "Chao (1987) log-normal interval, Seber variance", model="two sources",
                    extra={"wald_ci": [float(wald[0]), float(wald[1])], "lincoln_petersen": n1 * n2 / m if m else None})


# --- log-linear models ---------------------------------------------------------------------------------------


def _table(patterns: pd.DataFrame | Mapping, sources: Sequence[str] | None) -> tuple[list[str], np.ndarray, np.ndarray]:
    """Source names, the 2^k - 1 observed patterns (0/1 matrix) and their counts (absent patterns count 0)."""
    if isinstance(patterns, Mapping):
        if sources is None:
            raise CaptureRecaptureError("give the source names when the table is a mapping of patterns")
        frame = pd.DataFrame([(*key, value) for key, value in patterns.items()], columns=[*sources, "count"])
    else:
        frame = patterns
    if sources is None:
        sources = [c for c in frame.columns if c != "count"]
    sources = list(sources)
    if "count" not in frame.columns:
        raise CaptureRecaptureError("the pattern table needs a 'count' column")
    if len(sources) < 2:
        raise CaptureRecaptureError("capture-recapture needs at least two sources")
    values = frame[sources].to_numpy()
    if not np.isin(values, [0, 1]).all():
        raise CaptureRecaptureError("source columns must hold 0 or 1")
    counts = pd.to_numeric(frame["count"], errors="coerce").to_numpy(dtype=float)
    if np.any(np.isnan(counts)) or np.any(counts < 0):
        raise CaptureRecaptureError("counts must be non-negative numbers")
    k = len(sources)
    full = np.array(list(itertools.product([1, 0], repeat=k))[:-1], dtype=float)
    index = {tuple(row): i for i, row in enumerate(full.astype(int))}
    y = np.zeros(len(full))
    for row, count in zip(values.astype(int), counts, strict=True):
        key = tuple(row)
        if not any(key):
            if count:
                raise CaptureRecaptureError("a case seen by no source cannot be counted")
            continue
        y[index[key]] += count
    return sources, full, y


def _design(full: np.ndarray, interactions: Sequence[tuple[int, int]]) -> np.ndarray:
    columns = [np.ones(len(full)), *full.T]
    columns += [full[:, i] * full[:, j] for i, j in interactions]
    return np.column_stack(columns)


def _fit(y: np.ndarray, X: np.ndarray):
    import statsmodels.api as sm

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return sm.GLM(y, X, family=sm.families.Poisson()).fit()


def _profile_loglik(y: np.ndarray, X: np.ndarray, n0: float) -> float:
    """Multinomial profile log-likelihood of N = n + n0 (Cormack 1992), up to a constant."""
    from scipy.special import gammaln, xlogy

    y_full = np.append(y, n0)
    X_full = np.vstack([X, np.eye(1, X.shape[1])])
    fit = _fit(y_full, X_full)
    mu = np.asarray(fit.mu)
    deviance = 2 * np.sum(xlogy(y_full, y_full) - xlogy(y_full, mu) - (y_full - mu))
    n_total = y.sum() + n0
    correction = xlogy(n0, n0) + gammaln(n_total + 1) - xlogy(n_total, n_total) - gammaln(n0 + 1)
    return float(-deviance / 2 + correction)


def _profile_interval(y: np.ndarray, X: np.ndarray, f0: float, se: float, alpha: float) -> tuple[float, float, float]:
    """Profile-likelihood interval for N, and the multinomial maximum: (mle, low, high)."""
    from scipy import optimize, stats

    n = float(y.sum())
    cut = stats.chi2.ppf(1 - alpha, 1) / 2
    top = max(f0 + 4 * se, 2 * f0, 10.0)
    best = optimize.minimize_scalar(lambda t: -_profile_loglik(y, X, t), bounds=(0.0, top), method="bounded",
                                    options={"xatol": 1e-3})
    n0_hat, l_max = float(best.x), -float(best.fun)
    target = l_max - cut

    def gap(t: float) -> float:
        return _profile_loglik(y, X, t) - target

    low = n if gap(0.0) > 0 else n + optimize.brentq(gap, 0.0, n0_hat, xtol=1e-4)
    upper = max(top, n0_hat * 2, 10.0)
    while gap(upper) > 0:
        upper *= 2
        if upper > 1e12:
            return n + n0_hat, low, float("inf")
    high = n + optimize.brentq(gap, n0_hat, upper, xtol=1e-4)
    return n + n0_hat, float(low), float(high)


def _model_name(sources: Sequence[str], interactions: Sequence[tuple[int, int]]) -> str:
    terms = list(sources) + [f"{sources[i]}:{sources[j]}" for i, j in interactions]
    return " + ".join(terms)


def _pairs(sources: Sequence[str], interactions: Sequence[Sequence[str]]) -> list[tuple[int, int]]:
    index = {s: i for i, s in enumerate(sources)}
    pairs = []
    for pair in interactions:
        if len(pair) != 2 or pair[0] not in index or pair[1] not in index or pair[0] == pair[1]:
            raise CaptureRecaptureError(f"an interaction must name two different sources of {list(sources)}, got {pair}")
        i, j = sorted((index[pair[0]], index[pair[1]]))
        pairs.append((i, j))
    return sorted(set(pairs))


def loglinear(patterns: pd.DataFrame | Mapping, sources: Sequence[str] | None = None,
              interactions: Sequence[Sequence[str]] = (), alpha: float = ALPHA, profile: bool = True) -> Estimate:
    """Fit one log-linear model (main effects plus the given two-way interactions) and estimate N."""
    sources, full, y = _table(patterns, sources)
    pairs = _pairs(sources, interactions)
    return _estimate(sources, full, y, pairs, alpha, profile)


def _estimate(sources: list[str], full: np.ndarray, y: np.ndarray, pairs: list[tuple[int, int]], alpha: float,
              profile: bool) -> Estimate:
    """Fit main effects plus `pairs`; the unseen cell, its SE and (optionally) the profile interval."""
    from scipy import stats

    X = _design(full, pairs)
    if X.shape[1] > len(y):
        raise CaptureRecaptureError(f"the model has {X.shape[1]} parameters but the table only {len(y)} cells")
    fit = _fit(y, X)
    n = int(round(y.sum()))
    f0 = float(np.exp(fit.params[0]))
    var0 = float(fit.cov_params()[0, 0])
    se = float(np.sqrt(f0 + f0 * f0 * var0))
    stable = bool(np.all(np.isfinite(fit.bse))) and f0 < 1e9
    estimate = n + f0
    extra: dict = {"stable": stable, "interactions": [[sources[i], sources[j]] for i, j in pairs]}
    if profile and stable:
        mle, low, high = _profile_interval(y, X, f0, se, alpha)
        extra["profile_mle"] = mle
        interval = "multinomial profile likelihood (Cormack 1992)"
    else:
        z = stats.norm.ppf(1 - alpha / 2)
        low, high = max(estimate - z * se, n), estimate + z * se
        interval = "Wald (delta method)"
    return Estimate("loglinear", n, estimate, se, float(low), float(high), interval,
                    model=_model_name(sources, pairs), deviance=max(float(fit.deviance), 0.0), df=int(round(fit.df_resid)),
                    aic=float(fit.aic), extra=extra)


def candidate_interactions(k: int) -> list[list[tuple[int, int]]]:
    """Every subset of two-way interactions for k sources (forward search is used above 5 sources)."""
    pairs = list(itertools.combinations(range(k), 2))
    return [list(c) for r in range(len(pairs) + 1) for c in itertools.combinations(pairs, r)]


def select_loglinear(patterns: pd.DataFrame | Mapping, sources: Sequence[str] | None = None,
                     alpha: float = ALPHA) -> tuple[Estimate, list[Estimate]]:
    """The AIC-best stable log-linear model (with its profile interval) and every model tried (no intervals)."""
    sources, full, y = _table(patterns, sources)
    k = len(sources)
    if k == 2:
        fits = [_estimate(sources, full, y, [], alpha, profile=False)]
        return _estimate(sources, full, y, [], alpha, profile=True), fits
    if k <= MAX_EXHAUSTIVE_SOURCES:
        candidates = [c for c in candidate_interactions(k) if 1 + k + len(c) <= len(y)]
        fits = [_estimate(sources, full, y, pairs, alpha, profile=False) for pairs in candidates]
    else:
        fits = _forward(sources, full, y, alpha)
    stable = [f for f in fits if f.extra.get("stable")]
    if not stable:
        raise CaptureRecaptureError("no log-linear model could be fitted to this table")
    testable = [f for f in stable if (f.df or 0) >= 1]
    best = min(testable or stable, key=aic_of)
    pairs = _pairs(sources, best.extra["interactions"])
    return _estimate(sources, full, y, pairs, alpha, profile=True), fits


def _forward(sources: list[str], full: np.ndarray, y: np.ndarray, alpha: float) -> list[Estimate]:
    """Forward selection of two-way interactions by AIC for many sources."""
    chosen: list[tuple[int, int]] = []
    fits = [_estimate(sources, full, y, chosen, alpha, profile=False)]
    remaining = list(itertools.combinations(range(len(sources)), 2))
    current = aic_of(fits[0])
    while remaining:
        trials = [(_estimate(sources, full, y, sorted([*chosen, p]), alpha, profile=False), p) for p in remaining]
        fits.extend(t for t, _ in trials)
        good = [(t, p) for t, p in trials if t.extra.get("stable")]
        if not good:
            break
        fit, pair = min(good, key=lambda tp: aic_of(tp[0]))
        if aic_of(fit) >= current:
            break
        chosen.append(pair)
        remaining.remove(pair)
        current = aic_of(fit)
    return fits


PLAUSIBLE_DELTA_AIC = 2.0
DISAGREEMENT_FACTOR = 1.5


FIT_P = 0.05


def model_spread(fits: Sequence[Estimate], best: Estimate, factor: float = DISAGREEMENT_FACTOR,
                 delta_aic: float = PLAUSIBLE_DELTA_AIC) -> dict:
    """How far the estimate depends on the model (after Hook & Regal 1997).

    Plausible models are the testable ones (df >= 1) within `delta_aic` of the best AIC or with an adequate
    fit (deviance goodness-of-fit p >= 0.05); the saturated model (df 0) cannot be tested and is shown
    beside them. A warning is given when no testable model fits, and when the plausible and saturated
    estimates differ by more than `factor` (largest / smallest); the Akaike-weighted average is reported.
    """
    from scipy import stats

    stable = [f for f in fits if f.extra.get("stable") and f.aic is not None]
    testable = [f for f in stable if (f.df or 0) >= 1]
    untestable = [f for f in stable if (f.df or 0) < 1]

    def fit_p(f: Estimate) -> float:
        return float(stats.chi2.sf(f.deviance or 0.0, f.df)) if f.df else float("nan")

    plausible = sorted((f for f in testable if aic_of(f) - aic_of(best) <= delta_aic or fit_p(f) >= FIT_P),
                       key=aic_of)
    out: dict = {"rule": f"testable models (df >= 1) within {delta_aic:g} AIC of the best or fitting at p >= {FIT_P:g}; "
                         "the saturated model (df 0) beside them (Hook & Regal 1997; Burnham & Anderson 2002)",
                 "factor": factor, "warnings": [],
                 "plausible": [{"model": f.model, "estimate": f.estimate, "df": f.df, "aic": f.aic,
                                "fit_p": fit_p(f)} for f in plausible],
                 "untestable": [{"model": f.model, "estimate": f.estimate, "df": f.df} for f in untestable],
                 "testable_range": [min(f.estimate for f in testable), max(f.estimate for f in testable)]
                 if testable else None}
    if not testable:
        out["warnings"].append("no model leaves a degree of freedom to test it: the estimate rests on an untested "
                               "model")
        return out
    if all(fit_p(f) < FIT_P for f in testable):
        out["warnings"].append(f"no testable model fits the data (best goodness-of-fit p = "
                               f"{max(fit_p(f) for f in testable):.2g}): the sources depend on each other in ways "
                               "these models do not capture, so every estimate is doubtful")
    estimates = [f.estimate for f in plausible] + [f.estimate for f in untestable]
    weights = np.exp(-0.5 * (np.array([aic_of(f) for f in plausible]) - aic_of(best)))
    out.update(low=min(estimates), high=max(estimates), ratio=max(estimates) / min(estimates),
               model_averaged=float(np.dot(weights, [f.estimate for f in plausible]) / weights.sum()))
    if out["ratio"] > factor:
        out["warnings"].append(f"plausible models disagree by a factor of {out['ratio']:.2f} (more than {factor:g}): "
                               f"{out['low']:.0f} to {out['high']:.0f}; the choice of model matters more than the "
                               "interval")
    return out


def aic_of(fit: Estimate) -> float:
    """AIC of a fitted model; infinite when it has none (Chapman)."""
    return fit.aic if fit.aic is not None else float("inf")


def concealment(estimate: Estimate, registered: int, target: float | None = None) -> dict:
    """Concealment ratio = estimated true cases / registered cases, with its interval and the target check."""
    if registered <= 0:
        raise CaptureRecaptureError("the number of registered cases must be positive")
    ratio = estimate.estimate / registered
    low, high = estimate.ci_low / registered, estimate.ci_high / registered
    result = {"estimated_true": estimate.estimate, "registered": int(registered), "ratio": ratio,
              "ci_low": low, "ci_high": high, "unregistered_share": 1 - registered / estimate.estimate,
              "target": target, "meets_target": None, "significantly_above_target": None}
    if target is not None:
        result["meets_target"] = bool(ratio <= target)
        result["significantly_above_target"] = bool(low > target)
    return result

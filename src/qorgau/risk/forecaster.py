"""The forecasting model: LightGBM with a Poisson objective, an exposure offset and a calibrated output.

What it predicts. For an enterprise with features x at period t and headcount w, the expected number
of serious or fatal cases in period t+1, λ, and the probability of at least one, P = 1 − exp(−λ)
(cases as a Poisson count).

Exposure. log(w · r0) is the `init_score` (an offset), where r0 is the training rate per worker-period:
the trees learn the log *rate ratio* against "an average enterprise of this size", so a large enterprise
is not ranked high merely for being large unless its rate is too. `workers` is also a feature, so the
trees can learn that rates are not exactly proportional to size.

Small enterprises and rare events. The enterprise's own past rate enters only through `own_rate_eb`,
its 12-month rate shrunk towards the sector rate by empirical-Bayes gamma-Poisson (see `shrinkage`):
a 10-worker firm with one case is not mistaken for a 10-times-riskier one. Trees need at least
`min_data_in_leaf` rows per leaf and carry an L2 penalty, so no leaf fits a handful of enterprises.

Calibration (Poisson recalibration). The last `calibration_share` of the training periods is held out;
a model fitted on the earlier periods gives tree scores f on it, and (a, b) are fitted by Poisson
maximum likelihood in log λ = offset + a + b·f. The final model is refitted on all training periods
with the same settings and (a, b) applied to it (fewer than `min_calibration_cases` held-out cases:
a = 0, b = 1, and `calibration["method"]` says so).

Explanations. `pred_contrib=True` gives per-feature contributions c_j and a base value c_0 with
c_0 + Σ c_j = f exactly (the raw score without the offset). After calibration

    log λ = offset + (a + b·c_0) + Σ b·c_j,

so `explain` returns `exposure` = offset, `base` = a + b·c_0 and contributions b·c_j that add up to
log λ for every row; exp(b·c_j) is the factor by which feature j multiplies the expected count.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import lightgbm as lgb

DEFAULT_PARAMS: dict = {
    "objective": "poisson", "learning_rate": 0.05, "num_leaves": 15, "min_data_in_leaf": 100,
    "lambda_l2": 1.0, "feature_fraction": 0.9, "bagging_fraction": 0.8, "bagging_freq": 1, "max_bin": 63,
    "num_threads": 0, "seed": 0, "deterministic": True, "force_row_wise": True, "verbose": -1,
}
DEFAULT_ROUNDS = 200


@dataclass
class Explanation:
    """Per-row additive decomposition of log λ: exposure + base + Σ contributions."""

    contributions: pd.DataFrame  # rows × features, in log-λ units
    base: float
    exposure: np.ndarray
    log_lambda: np.ndarray

    def factors(self) -> pd.DataFrame:
        """exp(contribution): how much each feature multiplies the expected count."""
        return np.exp(self.contributions)


@dataclass
class RiskModel:
    """A fitted, calibrated risk model with its metadata."""

    booster: lgb.Booster
    features: list[str]
    base_rate: float  # r0, cases per worker-period in the training data
    calibration: dict  # {"a", "b", "method", "holdout_periods", "holdout_cases"}
    params: dict
    rounds: int
    trained_on: dict  # {"first", "last", "rows", "cases"}
    version: str = ""
    extra: dict = field(default_factory=dict)

    def offset(self, workers: np.ndarray) -> np.ndarray:
        return np.log(np.asarray(workers, dtype=float) * self.base_rate)

    def _matrix(self, frame: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features if f not in frame.columns]
        if missing:
            raise ValueError(f"the frame lacks the model's features: {', '.join(missing)}")
        return frame[self.features].to_numpy(np.float64)

    def raw_score(self, frame: pd.DataFrame) -> np.ndarray:
        """Tree score f (no offset, no calibration)."""
        return self.booster.predict(self._matrix(frame), raw_score=True, num_threads=self.params.get("num_threads", 0))

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        """Calibrated expected cases λ next period for each row (needs `workers` and the features)."""
        a, b = self.calibration["a"], self.calibration["b"]
        return np.exp(self.offset(frame["workers"]) + a + b * self.raw_score(frame))

    def probability(self, frame: pd.DataFrame) -> np.ndarray:
        """P(at least one case next period) = 1 − exp(−λ)."""
        return -np.expm1(-self.predict(frame))

    def explain(self, frame: pd.DataFrame) -> Explanation:
        """Contributions that add up, with the base and the exposure offset, to log λ exactly."""
        a, b = self.calibration["a"], self.calibration["b"]
        contrib = self.booster.predict(self._matrix(frame), pred_contrib=True,
                                       num_threads=self.params.get("num_threads", 0))
        bias = float(contrib[0, -1]) if len(contrib) else 0.0
        scaled = pd.DataFrame(b * contrib[:, :-1], columns=self.features, index=frame.index)
        exposure = self.offset(frame["workers"])
        base = a + b * bias
        return Explanation(scaled, base, exposure, exposure + base + scaled.to_numpy().sum(axis=1))

    def to_dict(self) -> dict:
        import lightgbm as lgb  # imported when used: the web app starts without it
        return {"format": "qorgau-risk-model/1", "version": self.version, "features": self.features,
                "base_rate": self.base_rate, "calibration": self.calibration, "params": self.params,
                "rounds": self.rounds, "trained_on": self.trained_on, "extra": self.extra,
                "lightgbm": lgb.__version__, "booster": self.booster.model_to_string()}

    def save(self, path: Path | str) -> Path:
        """Write the model and its metadata as one JSON file."""
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), ensure_ascii=False), encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: Path | str) -> RiskModel:
        return cls.from_json(Path(path).read_text(encoding="utf-8"), source=str(path))

    @classmethod
    def from_json(cls, text: str, *, source: str = "model") -> RiskModel:
        """A model from the JSON text `save` writes (also what the database keeps for a run)."""
        import lightgbm as lgb  # imported when used: the web app starts without it
        data = json.loads(text)
        if data.get("format") != "qorgau-risk-model/1":
            raise ValueError(f"{source}: not a Qorgau risk model file")
        booster = lgb.Booster(model_str=data["booster"])
        return cls(booster=booster, features=data["features"], base_rate=data["base_rate"],
                   calibration=data["calibration"], params=data["params"], rounds=data["rounds"],
                   trained_on=data["trained_on"], version=data["version"], extra=data.get("extra", {}))


def poisson_recalibration(y: np.ndarray, offset: np.ndarray, score: np.ndarray,
                          iterations: int = 50) -> tuple[float, float]:
    """Maximum-likelihood (a, b) of y ~ Poisson(exp(offset + a + b·score)), by damped Newton steps."""
    y, offset, score = (np.asarray(v, dtype=float) for v in (y, offset, score))
    a, b = float(np.log(y.sum() / np.exp(offset + score).sum())), 1.0

    def loss(a_: float, b_: float) -> float:
        eta = offset + a_ + b_ * score
        return float(np.sum(np.exp(eta) - y * eta))

    current = loss(a, b)
    for _ in range(iterations):
        mu = np.exp(offset + a + b * score)
        gradient = np.array([np.sum(mu - y), np.sum((mu - y) * score)])
        hessian = np.array([[mu.sum(), np.sum(mu * score)], [np.sum(mu * score), np.sum(mu * score**2)]])
        try:
            step = np.linalg.solve(hessian + 1e-12 * np.eye(2), gradient)
        except np.linalg.LinAlgError:
            break
        scale, trial = 1.0, np.inf
        while scale > 1e-6:
            trial = loss(a - scale * step[0], b - scale * step[1])
            if trial <= current:
                break
            scale /= 2
        if trial > current:  # no step downhill: at the optimum up to rounding
            break
        a, b = a - scale * step[0], b - scale * step[1]
        improvement, current = current - trial, trial
        if improvement < 1e-10 * (1 + abs(current)):
            break
    return float(a), float(b)


def _train(x: np.ndarray, y: np.ndarray, offset: np.ndarray, features: list[str], params: dict,
           rounds: int) -> lgb.Booster:
    import lightgbm as lgb  # imported when used: the web app starts without it
    if not y.sum() > 0:
        raise ValueError("no serious or fatal case in the periods trained on: a Poisson model cannot be fitted "
                         "(give more periods or enterprises)")
    data = lgb.Dataset(x, label=y, init_score=offset, feature_name=features, free_raw_data=True,
                       params={"max_bin": params.get("max_bin", 255), "verbose": -1})
    return lgb.train(params, data, num_boost_round=rounds)


def _digest(x: np.ndarray, y: np.ndarray) -> str:
    hasher = hashlib.sha256()
    hasher.update(np.ascontiguousarray(np.nan_to_num(x, nan=-1.2345e300)).tobytes())
    hasher.update(np.ascontiguousarray(y).tobytes())
    return hasher.hexdigest()


def model_version(*, features: list[str], params: dict, rounds: int, trained_on: dict, data_digest: str) -> str:
    """A reproducible version: data period plus a hash of parameters, features and training data."""
    import lightgbm as lgb  # imported when used: the web app starts without it
    payload = json.dumps({"features": features, "params": params, "rounds": rounds, "trained_on": trained_on,
                          "data": data_digest, "lightgbm": lgb.__version__}, sort_keys=True, default=str)
    short = hashlib.sha256(payload.encode()).hexdigest()[:10]
    return f"risk-{trained_on['first']}..{trained_on['last']}-{short}"


def fit(frame: pd.DataFrame, features: list[str], *, period_labels: list[str] | None = None,
        params: dict | None = None, rounds: int = DEFAULT_ROUNDS, calibration_share: float = 0.2,
        min_calibration_cases: int = 10, refit: bool = True) -> RiskModel:
    """Fit on the rows of `frame` with a known `target` (needs `workers`, `period_index`, features)."""
    settings = {**DEFAULT_PARAMS, **(params or {})}
    train = frame[frame["target"].notna()]
    if train.empty:
        raise ValueError("no rows with a known next-period outcome to train on")
    x = train[features].to_numpy(np.float64)
    y = train["target"].to_numpy(np.float64)
    workers = train["workers"].to_numpy(np.float64)
    periods = train["period_index"].to_numpy()
    base_rate = max(float(y.sum()), 0.5) / float(workers.sum())
    offset = np.log(workers * base_rate)
    distinct = np.unique(periods)
    held = max(1, int(round(calibration_share * len(distinct)))) if len(distinct) >= 3 else 0
    calibration = {"a": 0.0, "b": 1.0, "method": "none (fewer than 3 training periods)",
                   "holdout_periods": 0, "holdout_cases": 0}
    booster = None
    if held:
        holdout = periods >= distinct[-held]
        early = _train(x[~holdout], y[~holdout], offset[~holdout], features, settings, rounds)
        cases = int(y[holdout].sum())
        calibration.update(holdout_periods=held, holdout_cases=cases)
        if cases >= min_calibration_cases:
            a, b = poisson_recalibration(y[holdout], offset[holdout], early.predict(x[holdout], raw_score=True))
            calibration.update(a=a, b=b, method="poisson recalibration on held-out periods")
        else:
            calibration["method"] = f"none (fewer than {min_calibration_cases} held-out cases)"
        booster = None if refit else early
    if booster is None:
        booster = _train(x, y, offset, features, settings, rounds)
    labels = period_labels or [str(i) for i in range(int(distinct.max()) + 1)]
    # Training rows at period s describe outcomes at s+1: the data period ends one later.
    trained_on = {"first": labels[int(distinct.min())], "last": labels[min(int(distinct.max()) + 1, len(labels) - 1)],
                  "rows": int(len(train)), "cases": int(y.sum())}
    version = model_version(features=features, params=settings, rounds=rounds, trained_on=trained_on,
                            data_digest=_digest(x, y))
    return RiskModel(booster=booster, features=list(features), base_rate=base_rate, calibration=calibration,
                     params=settings, rounds=rounds, trained_on=trained_on, version=version)

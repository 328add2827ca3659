"""Rolling-origin backtest of the model against the baselines, in the same run on the same rows.

For each origin t (a feature period): fit on the rows at periods ≤ t−1, whose outcomes (at ≤ t) are
known at t; then rank the enterprises observed at t for t+1. Baselines, scored on the same rows:

- `baseline_last_rate`: last period's cases per worker (OSHA SST style); λ = last period's cases.
- `baseline_size`: headcount alone; λ = training rate per worker × headcount.
- `baseline_sector`: the sector's past rate (only with a `sector` column); λ = that rate × headcount.
- `random`: a seeded random order; P(≥1) = the training share of enterprise-periods with a case.

Metrics pool the tested periods: capture@k (cases in the top k% of each period's ranking ÷ all cases),
precision@k (share of selected enterprises with ≥1 case), AUC-PR (average precision for ≥1 case),
Brier score of P(≥1), calibration bins, and fairness slices by region, size band, sector and union
presence (when the panel has a `union` column).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.risk import metrics
from qorgau.risk.features import feature_columns, model_frame
from qorgau.risk.forecaster import fit
from qorgau.risk.panel import CellProblem, Panel, PanelError
from qorgau.risk.visit_labels import VISIT_ROW, add_visit_rows

METHOD_LABELS = {
    "model": N_("Model"),
    "baseline_last_rate": N_("Last period's rate (SST style)"),
    "baseline_size": N_("Headcount alone"),
    "baseline_sector": N_("Sector rate"),
    "random": N_("Random order"),
}
CLI_METHODS = ("model", "baseline_last_rate", "baseline_size", "random")
SIZE_BANDS = ((1, 9), (10, 49), (50, 249), (250, 999), (1000, None))


def size_band(workers: np.ndarray) -> np.ndarray:
    """Enterprise size band labels: 1-9, 10-49, 50-249, 250-999, 1000+ workers."""
    labels = np.array([f"{lo}-{hi}" if hi else f"{lo}+" for lo, hi in SIZE_BANDS], dtype=object)
    edges = np.array([lo for lo, _ in SIZE_BANDS[1:]])
    return labels[np.searchsorted(edges, np.asarray(workers, float), side="right")]


@dataclass
class BacktestConfig:
    ks: tuple[float, ...] = (0.05, 0.1, 0.2)
    min_train_periods: int = 6
    test_periods: int | None = 12  # the last N origins; None: every origin with enough history
    rounds: int = 100
    params: dict = field(default_factory=dict)
    seed: int = 0
    bins: int = 10
    fairness_k: float = 0.1
    refit: bool = True


@dataclass
class BacktestResult:
    ks: tuple[float, ...]
    methods: dict[str, dict]
    periods: list[str]  # the predicted periods (t+1)
    calibration: list[dict]
    fairness: dict[str, list[dict]]
    predictions: pd.DataFrame
    model_versions: list[str]

    @property
    def periods_tested(self) -> int:
        return len(self.periods)

    def to_cli_dict(self) -> dict:
        """The `qorgau risk backtest --format json` object."""
        out: dict = {"k": list(self.ks)}
        for name in CLI_METHODS:
            m = self.methods[name]
            out[name] = {"capture": {str(k): _number(m["capture"][k]) for k in self.ks},
                         "auc_pr": _number(m["auc_pr"]), "brier": _number(m["brier"])}
        out["periods_tested"] = self.periods_tested
        return out

    def table(self) -> str:
        """Model vs baselines as a plain-text table."""
        head = ["method"] + [f"capture@{k:g}" for k in self.ks] + [f"precision@{k:g}" for k in self.ks] + ["AUC-PR", "Brier"]
        rows = [head]
        for name, m in self.methods.items():
            rows.append([name] + [f"{m['capture'][k]:.3f}" for k in self.ks] + [f"{m['precision'][k]:.3f}" for k in self.ks]
                        + [f"{m['auc_pr']:.3f}", f"{m['brier']:.4f}"])
        widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
        lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths, strict=True)))
                 for r in rows]
        cases = int(self.predictions["y"].sum())
        lines.append(f"{self.periods_tested} periods tested ({self.periods[0]}..{self.periods[-1]}), "
                     f"{len(self.predictions)} enterprise-periods, {cases} cases")
        return "\n".join(lines)


def _number(value: float) -> float | None:
    return None if value is None or not np.isfinite(value) else round(float(value), 6)


def origins(frame: pd.DataFrame, n_periods: int, config: BacktestConfig) -> list[int]:
    """Feature periods t to test: at least `min_train_periods` before them and a known t+1."""
    known = set(frame.loc[frame["target"].notna(), "period_index"].unique().tolist())
    candidates = [t for t in range(config.min_train_periods, n_periods - 1) if t in known]
    return candidates[-config.test_periods:] if config.test_periods else candidates


def _score_origin(frame: pd.DataFrame, features: list[str], t: int, config: BacktestConfig,
                  labels: list[str]) -> tuple[pd.DataFrame, str]:
    train = frame[frame["period_index"] <= t - 1]
    test = frame[(frame["period_index"] == t) & frame["target"].notna() & (frame[VISIT_ROW] == 0)]
    model = fit(train, features, period_labels=labels, params={**config.params, "seed": config.seed},
                rounds=config.rounds, refit=config.refit)
    workers = test["workers"].to_numpy(float)
    lam = model.predict(test)
    out = pd.DataFrame({"period": labels[t + 1], "entity_id": test["entity_id"].to_numpy(),
                        "y": test["target"].to_numpy(float), "workers": workers,
                        "size_band": size_band(workers)})
    for group in ("sector", "region"):
        if group in test.columns:
            out[group] = test[group].to_numpy()
    if "union" in test.columns:
        out["union_presence"] = np.where(test["union"].to_numpy(float) > 0, "union", "no_union")
    trained = train[train["target"].notna() & (train[VISIT_ROW] == 0)]
    share_any = float((trained["target"] > 0).mean())
    last = test["cases"].to_numpy(float)
    scores = {"model": (lam, lam),
              "baseline_last_rate": (last / workers, last),
              "baseline_size": (workers, model.base_rate * workers)}
    if "sector" in test.columns:
        sector = test["sector_rate"].to_numpy(float) / 1000.0
        scores["baseline_sector"] = (sector, sector * workers)
    rng = np.random.default_rng([config.seed, t])
    scores["random"] = (rng.random(len(test)), np.full(len(test), -np.log1p(-min(share_any, 1 - 1e-12))))
    for name, (score, expected) in scores.items():
        out[f"score_{name}"] = score
        out[f"lambda_{name}"] = expected
        out[f"p_{name}"] = -np.expm1(-expected)
    return out, model.version


def _fairness(predictions: pd.DataFrame, column: str, k: float) -> list[dict]:
    """Per group: share of its cases caught by the overall top k%, within-group capture, O/E, Brier."""
    score = predictions["score_model"].to_numpy(float)
    weights = np.zeros(len(predictions))
    within = np.zeros(len(predictions))
    for index in predictions.groupby("period", sort=False).indices.values():
        weights[index] = metrics.selection_weights(score[index], metrics.slots(len(index), k))
    for index in predictions.groupby(["period", column], sort=False).indices.values():
        within[index] = metrics.selection_weights(score[index], metrics.slots(len(index), k))
    rows = []
    y = predictions["y"].to_numpy(float)
    order = {label: i for i, label in enumerate(size_band(np.array([lo for lo, _ in SIZE_BANDS])))}
    for name, index in sorted(predictions.groupby(column, sort=True).indices.items(),
                              key=lambda kv: (order.get(kv[0], -1), str(kv[0]))):
        cases, expected = float(y[index].sum()), float(predictions["lambda_model"].to_numpy()[index].sum())
        rows.append({
            "group": str(name), "n": int(len(index)), "cases": cases, "expected_cases": expected,
            "observed_to_expected": cases / expected if expected > 0 else float("nan"),
            "selected_share": float(weights[index].mean()),
            "capture_overall": float(np.dot(weights[index], y[index]) / cases) if cases else float("nan"),
            "capture_within": float(np.dot(within[index], y[index]) / cases) if cases else float("nan"),
            "brier": metrics.brier(y[index], predictions["p_model"].to_numpy()[index]),
        })
    return rows


def run_backtest(panel: Panel, config: BacktestConfig | None = None,
                 visit_labels: pd.DataFrame | None = None) -> BacktestResult:
    """Rolling-origin backtest of model and baselines on a validated panel; `visit_labels` (visit outcomes per
    enterprise and month) add training rows at each origin (see `visit_labels`), never test rows."""
    config = config or BacktestConfig()
    frame, _info = add_visit_rows(model_frame(panel), visit_labels, panel.periods)
    features = feature_columns(panel, frame)
    tested = origins(frame, len(panel.periods), config)
    if not tested:
        raise PanelError([CellProblem(0, "period", N_("Too few periods for a backtest: need at least %(n)s periods "
                                                      "with next-period outcomes."), {"n": config.min_train_periods + 2})])
    parts, versions = [], []
    for t in tested:
        part, version = _score_origin(frame, features, t, config, panel.periods)
        parts.append(part)
        versions.append(version)
    predictions = pd.concat(parts, ignore_index=True)
    y = predictions["y"].to_numpy(float)
    methods = {}
    for name in METHOD_LABELS:
        if f"score_{name}" not in predictions.columns:
            continue
        ranking = metrics.ranking_metrics(predictions, f"score_{name}", config.ks)
        methods[name] = {**ranking, "auc_pr": metrics.auc_pr(y, predictions[f"score_{name}"].to_numpy()),
                         "brier": metrics.brier(y, predictions[f"p_{name}"].to_numpy())}
    fairness = {column: _fairness(predictions, column, config.fairness_k)
                for column in ("region", "size_band", "sector", "union_presence") if column in predictions.columns}
    calibration = metrics.calibration_bins(y, predictions["p_model"].to_numpy(), predictions["lambda_model"].to_numpy(),
                                           bins=config.bins)
    return BacktestResult(ks=tuple(config.ks), methods=methods, periods=[panel.periods[t + 1] for t in tested],
                          calibration=calibration, fairness=fairness, predictions=predictions, model_versions=versions)

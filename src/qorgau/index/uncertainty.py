"""Monte Carlo over methodological choices: rank intervals and first-order sensitivity of ranks.

Each replication draws, independently: the weights (fixed, a uniform factor per weight, or a
Dirichlet around the nominal shares, at both the indicator and the pillar level), and one
alternative each for normalisation, aggregation and imputation (uniformly among those listed).
Imputation x normalisation variants are normalised once; replications are grouped by their choices
and scored in chunks by the shared aggregation kernel, so the work is a few matrix products and one
argsort per replication, and memory stays bounded by the chunk.

Sensitivity: the first-order index of choice X is S_X = sum_e Var(E[rank_e | X]) / sum_e Var(rank_e),
the rank-variance-weighted average over entities (the aggregated index of Gamboa et al. 2014), so
entities whose rank never moves weigh nothing. For the discrete choices E[rank_e | X] is the mean
over the replications that drew each alternative; for the weights, which are continuous, it is
estimated by pick-freeze (Janon et al. 2014): a second set of replications keeps each replication's
weights and redraws everything else. Indices are None for choices that do not vary.

Imputation by pillar_mean fills a gap with the weighted mean of the entity's other normalised values
in the pillar using the nominal weights (it is a data choice, made once per variant), so under weight
noise it is the one place where a replication differs from the point engine run with its weights.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from qorgau.core.i18n_markers import N_
from qorgau.index import engine
from qorgau.index.methodology import Methodology, Uncertainty, WeightNoise

CHOICES = {"weights": N_("weights"), "normalisation": N_("normalisation"), "aggregation": N_("aggregation"),
           "imputation": N_("imputation")}
DISCRETE = ("imputation", "normalisation", "aggregation")
CHUNK_ELEMENTS = 4_000_000  # entities x replications x pillars per kernel call (about 32 MB per array)


@dataclass
class Draws:
    """Every replication's choices: alternative indices and weights."""

    alternatives: dict[str, tuple[str, ...]]
    levels: dict[str, np.ndarray]  # choice -> (runs,) index into its alternatives
    indicator_weights: np.ndarray  # (runs, indicators)
    pillar_weights: np.ndarray  # (runs, pillars)

    @property
    def runs(self) -> int:
        return self.indicator_weights.shape[0]


@dataclass
class UncertaintyResult:
    """Per eligible entity: nominal score and rank, median rank, 5th-95th percentile rank and score intervals."""

    entity_ids: list[str]
    nominal_score: np.ndarray
    nominal_rank: np.ndarray
    rank_median: np.ndarray
    rank_p05: np.ndarray
    rank_p95: np.ndarray
    score_median: np.ndarray
    score_p05: np.ndarray
    score_p95: np.ndarray
    runs: int
    seed: int | None
    alternatives: dict[str, tuple[str, ...]]
    weights: WeightNoise
    sensitivity: dict[str, float | None] = field(default_factory=dict)

    def table(self) -> pd.DataFrame:
        return pd.DataFrame({"score": self.nominal_score, "rank": self.nominal_rank, "rank_median": self.rank_median,
                             "rank_p05": self.rank_p05, "rank_p95": self.rank_p95,
                             "score_median": self.score_median, "score_p05": self.score_p05,
                             "score_p95": self.score_p95}, index=pd.Index(self.entity_ids, name=engine.ENTITY))


def resolve_alternatives(spec: Uncertainty, methodology: Methodology) -> dict[str, tuple[str, ...]]:
    """The alternatives of each discrete choice; aggregation's 'nominal' becomes the method it names."""
    aggregation = tuple(dict.fromkeys(methodology.aggregation.method if a == "nominal" else a
                                      for a in spec.aggregation))
    return {"imputation": spec.imputation, "normalisation": spec.normalisation, "aggregation": aggregation}


def draw_weights(noise: WeightNoise, methodology: Methodology, runs: int,
                 rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """(runs, indicators) and (runs, pillars) weights around the nominal ones."""
    indicator_w, pillar_w = engine.nominal_weights(methodology)
    if noise.method == "uniform":
        low, high = 1.0 - noise.spread, 1.0 + noise.spread
        return (indicator_w * rng.uniform(low, high, (runs, indicator_w.shape[1])),
                pillar_w * rng.uniform(low, high, (runs, pillar_w.shape[1])))
    if noise.method == "dirichlet":
        pillar_of = np.array(methodology.pillar_index())
        indicators = np.ones((runs, indicator_w.shape[1]))
        for p in range(pillar_w.shape[1]):
            members = np.flatnonzero(pillar_of == p)
            if members.size > 1:
                share = indicator_w[0, members] / indicator_w[0, members].sum()
                indicators[:, members] = rng.dirichlet(noise.concentration * share, runs)
        pillars = np.ones((runs, pillar_w.shape[1]))
        if pillar_w.shape[1] > 1:
            pillars = rng.dirichlet(noise.concentration * pillar_w[0] / pillar_w[0].sum(), runs)
        # A Dirichlet draw can underflow to 0; a tiny floor keeps every indicator in play.
        return np.maximum(indicators, 1e-12), np.maximum(pillars, 1e-12)
    return np.repeat(indicator_w, runs, axis=0), np.repeat(pillar_w, runs, axis=0)


def draw(spec: Uncertainty, methodology: Methodology, runs: int, rng: np.random.Generator) -> Draws:
    """Weights first, then the discrete choices, so a seed always gives the same replications."""
    indicator_w, pillar_w = draw_weights(spec.weights, methodology, runs, rng)
    alternatives = resolve_alternatives(spec, methodology)
    levels = {name: rng.integers(len(alternatives[name]), size=runs) for name in DISCRETE}
    return Draws(alternatives=alternatives, levels=levels, indicator_weights=indicator_w, pillar_weights=pillar_w)


class Scorer:
    """Scores and ranks replications, caching each imputation x normalisation x aggregation variant."""

    def __init__(self, prepared: engine.Prepared):
        self.prepared = prepared
        self.methodology = prepared.methodology
        self.raw = prepared.eligible_raw()
        self.groups = prepared.eligible_groups()
        self.member = engine.membership(self.methodology)
        self.variants: dict[tuple[str, str], np.ndarray] = {}
        self.scaled: dict[tuple[str, str, str], np.ndarray] = {}

    def inputs(self, imputation: str, normalisation: str, aggregation: str) -> tuple[np.ndarray, np.ndarray]:
        key = (imputation, normalisation)
        if key not in self.variants:
            self.variants[key] = engine.build_variant(self.raw, self.methodology, self.groups,
                                                      imputation=imputation, normalisation=normalisation).values
        values = self.variants[key]
        if key + (aggregation,) not in self.scaled:
            self.scaled[key + (aggregation,)] = engine.to_aggregation_scale(values, aggregation,
                                                                            self.methodology.aggregation.floor)
        return self.scaled[key + (aggregation,)], ~np.isnan(values)

    def run(self, draws: Draws) -> tuple[np.ndarray, np.ndarray]:
        """Scores and ranks, both (runs, entities)."""
        n = self.raw.shape[0]
        scores = np.empty((draws.runs, n))
        ranks = np.empty((draws.runs, n), dtype=np.float32)
        chunk = max(1, CHUNK_ELEMENTS // max(1, n * len(self.methodology.pillars)))
        combos = np.stack([draws.levels[name] for name in DISCRETE], axis=1)
        for combo in np.unique(combos, axis=0):
            names = [draws.alternatives[choice][level] for choice, level in zip(DISCRETE, combo, strict=True)]
            scaled, present = self.inputs(*names)
            rows = np.flatnonzero((combos == combo).all(axis=1))
            for start in range(0, rows.size, chunk):
                part = rows[start:start + chunk]
                block, _ = engine.aggregate(scaled, present, self.member, draws.indicator_weights[part],
                                            draws.pillar_weights[part], names[2], pillars=False)
                scores[part] = block
                ranks[part] = engine.rank_scores(block, self.methodology.ties)
        return scores, ranks


def replicate(prepared: engine.Prepared, draws: Draws) -> tuple[np.ndarray, np.ndarray]:
    """Scores and ranks (runs, eligible entities) of the given replications."""
    return Scorer(prepared).run(draws)


def first_order_discrete(ranks: np.ndarray, levels: np.ndarray) -> float | None:
    """sum_e Var(E[rank_e | level]) / sum_e Var(rank_e), from the group means of one sample."""
    values = np.unique(levels)
    total = ranks.var(axis=0, dtype=np.float64).sum()
    if values.size < 2 or total <= 0:
        return None
    mean = ranks.mean(axis=0, dtype=np.float64)
    between = sum((levels == v).mean() * ((ranks[levels == v].mean(axis=0, dtype=np.float64) - mean) ** 2).sum()
                  for v in values)
    return float(between / total)


def first_order_pick_freeze(ranks: np.ndarray, frozen: np.ndarray) -> float | None:
    """Janon's estimator from two samples sharing one factor (the weights), aggregated over entities."""
    y, z = ranks.astype(np.float64), frozen.astype(np.float64)
    mean = (y.mean(axis=0) + z.mean(axis=0)) / 2
    covariance = (y * z).mean(axis=0) - mean ** 2
    variance = ((y ** 2 + z ** 2) / 2).mean(axis=0) - mean ** 2
    if variance.sum() <= 1e-12:
        return None
    return float(covariance.sum() / variance.sum())


def percentiles(values: np.ndarray, qs: tuple[float, ...]) -> list[np.ndarray]:
    """Per column, the smallest replicated value whose empirical CDF reaches q (numpy's inverted_cdf)."""
    ordered = np.sort(values.T, axis=1)  # one sort per entity serves every q
    runs = values.shape[0]
    return [ordered[:, max(0, int(np.ceil(q * runs - 1e-9)) - 1)].astype(float) for q in qs]


def monte_carlo(data: pd.DataFrame | engine.Prepared, methodology: Methodology | None = None, *,
                runs: int | None = None, seed: int | None = None, spec: Uncertainty | None = None,
                sensitivity: bool = True) -> UncertaintyResult:
    """Rank and score intervals over `runs` replications (default: the methodology's), seedable."""
    prepared = data if isinstance(data, engine.Prepared) else None
    method = prepared.methodology if prepared else methodology
    if method is None:
        raise TypeError("monte_carlo() needs a methodology with a DataFrame")
    spec = spec or method.uncertainty
    if prepared is None:
        prepared = engine.prepare(data, method, imputations=spec.imputation)  # type: ignore[arg-type]
    runs = runs or spec.runs
    rng = np.random.default_rng(seed)
    draws = draw(spec, method, runs, rng)
    scorer = Scorer(prepared)
    nominal = engine.compute(prepared)
    ids = list(nominal.normalised.index)
    scores, ranks = scorer.run(draws)

    indices: dict[str, float | None] = {}
    if sensitivity:
        for name in DISCRETE:
            indices[name] = first_order_discrete(ranks, draws.levels[name])
        varied = [name for name in DISCRETE if len(draws.alternatives[name]) > 1]
        if spec.weights.method == "none" or (spec.weights.method == "uniform" and spec.weights.spread == 0):
            indices["weights"] = None
        elif not varied:
            indices["weights"] = 1.0 if ranks.var(axis=0).sum() > 0 else None
        else:
            redrawn = {name: rng.integers(len(draws.alternatives[name]), size=runs) for name in DISCRETE}
            twin = Draws(draws.alternatives, redrawn, draws.indicator_weights, draws.pillar_weights)
            indices["weights"] = first_order_pick_freeze(ranks, scorer.run(twin)[1])

    rank_q = percentiles(ranks, (0.5, 0.05, 0.95))
    score_q = percentiles(scores, (0.5, 0.05, 0.95))
    table = nominal.entities.loc[ids]
    return UncertaintyResult(
        entity_ids=ids, nominal_score=table["score"].to_numpy(float), nominal_rank=table["rank"].to_numpy(float),
        rank_median=rank_q[0], rank_p05=rank_q[1], rank_p95=rank_q[2],
        score_median=score_q[0], score_p05=score_q[1], score_p95=score_q[2], runs=runs, seed=seed,
        alternatives=draws.alternatives, weights=spec.weights, sensitivity=indices)

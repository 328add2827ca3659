"""Monte Carlo: intervals collapse when nothing varies, widen with weight uncertainty, match the point engine."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from qorgau.index import engine, uncertainty
from qorgau.index.methodology import Missing, Uncertainty, WeightNoise, parse_methodology

METHOD = """
aggregation: arithmetic
min_coverage: 0.5
pillars: [{id: p, weight: 2}, {id: q, weight: 1}]
indicators:
  - {id: a, pillar: p, direction: higher_is_better, weight: 1}
  - {id: b, pillar: p, direction: lower_is_better, weight: 2, normalisation: zscore}
  - {id: c, pillar: p, direction: higher_is_better, weight: 1, normalisation: rank}
  - {id: d, pillar: q, direction: lower_is_better, weight: 1, normalisation: {method: goalposts, worst: 10, best: 0}}
  - {id: e, pillar: q, direction: higher_is_better, weight: 3, missing: worst}
"""
FIXED = Uncertainty(weights=WeightNoise(method="none"), normalisation=("nominal",), aggregation=("nominal",),
                    imputation=("nominal",))


@pytest.fixture(scope="module")
def data() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    n = 60
    table = pd.DataFrame({"entity_id": [f"E{i:02d}" for i in range(n)], "a": rng.normal(50, 10, n),
                          "b": rng.gamma(2, 2, n), "c": rng.uniform(0, 1, n), "d": rng.uniform(0, 12, n),
                          "e": rng.normal(0, 1, n)})
    table.loc[rng.choice(n, 8, replace=False), "e"] = np.nan
    table.loc[rng.choice(n, 5, replace=False), "b"] = np.nan
    table.loc[3, ["a", "b", "c", "d"]] = np.nan  # coverage 1/5: insufficient data
    table.loc[[10, 20], "a"] = table.loc[[10, 20], "a"].mean()  # a tie on one indicator
    return table


def test_intervals_collapse_to_the_point_rank_when_all_choices_are_fixed(data):
    method = parse_methodology(METHOD)
    point = engine.compute(data, method)
    result = uncertainty.monte_carlo(data, method, runs=40, seed=1, spec=FIXED)
    ranked = point.entities[point.entities["status"] == "ranked"]
    assert "E03" not in result.entity_ids and len(result.entity_ids) == len(ranked)
    table = result.table()
    expected = ranked.loc[table.index, "rank"].to_numpy()
    for column in ("rank_p05", "rank_median", "rank_p95", "rank"):
        assert table[column].to_numpy() == pytest.approx(expected)
    for column in ("score_p05", "score_median", "score_p95"):
        assert table[column].to_numpy() == pytest.approx(ranked.loc[table.index, "score"].to_numpy())
    assert all(value is None for value in result.sensitivity.values())


def test_intervals_widen_when_weights_are_more_uncertain(data):
    method = parse_methodology(METHOD)
    widths = []
    for spread in (0.0, 0.1, 0.3, 0.6):
        spec = dataclasses.replace(FIXED, weights=WeightNoise(method="uniform", spread=spread))
        result = uncertainty.monte_carlo(data, method, runs=400, seed=2, spec=spec)
        widths.append(float(np.mean(result.rank_p95 - result.rank_p05)))
    assert widths[0] == 0.0
    assert widths[0] < widths[1] < widths[2] < widths[3], widths
    dirichlet = []
    for concentration in (2000.0, 50.0, 3.0):
        spec = dataclasses.replace(FIXED, weights=WeightNoise(method="dirichlet", concentration=concentration))
        result = uncertainty.monte_carlo(data, method, runs=400, seed=2, spec=spec)
        dirichlet.append(float(np.mean(result.rank_p95 - result.rank_p05)))
    assert dirichlet[0] < dirichlet[1] < dirichlet[2], dirichlet


def test_every_replication_equals_the_point_engine_with_its_choices(data):
    method = parse_methodology(METHOD)
    spec = Uncertainty(weights=WeightNoise(method="dirichlet", concentration=10), normalisation=NORMS,
                       aggregation=("arithmetic", "geometric"), imputation=("nominal", "mean", "exclude"))
    draws = uncertainty.draw(spec, method, 12, np.random.default_rng(4))
    prepared = engine.prepare(data, method)
    scores, ranks = uncertainty.replicate(prepared, draws)
    for r in range(draws.runs):
        choice = {name: draws.alternatives[name][draws.levels[name][r]] for name in uncertainty.DISCRETE}
        indicators = tuple(dataclasses.replace(
            i, weight=float(draws.indicator_weights[r, j]),
            normalisation=i.normalisation if choice["normalisation"] == "nominal"
            else dataclasses.replace(i.normalisation, method=choice["normalisation"]),
            missing=i.missing if choice["imputation"] == "nominal" else Missing(method=choice["imputation"]))
            for j, i in enumerate(method.indicators))
        pillars = tuple(dataclasses.replace(p, weight=float(draws.pillar_weights[r, n]))
                        for n, p in enumerate(method.pillars))
        variant = dataclasses.replace(method, indicators=indicators, pillars=pillars,
                                      aggregation=dataclasses.replace(method.aggregation,
                                                                      method=choice["aggregation"]))
        point = engine.compute(data, variant).entities
        point = point[point["status"] == "ranked"]
        assert scores[r] == pytest.approx(point["score"].to_numpy(), abs=1e-9)
        assert ranks[r].tolist() == point["rank"].tolist()


NORMS = ("nominal", "minmax", "zscore", "rank")


def test_seeded_and_independent_of_chunk_size(data, monkeypatch):
    method = parse_methodology(METHOD)
    spec = dataclasses.replace(method.uncertainty, normalisation=NORMS, imputation=("nominal", "median"))
    first = uncertainty.monte_carlo(data, method, runs=200, seed=9, spec=spec)
    monkeypatch.setattr(uncertainty, "CHUNK_ELEMENTS", 50)
    second = uncertainty.monte_carlo(data, method, runs=200, seed=9, spec=spec)
    pd.testing.assert_frame_equal(first.table(), second.table())
    assert first.sensitivity == pytest.approx(second.sensitivity)
    third = uncertainty.monte_carlo(data, method, runs=200, seed=10, spec=spec)
    assert not first.table().equals(third.table())


def test_sensitivity_is_one_for_the_only_varying_choice(data):
    method = parse_methodology(METHOD)
    only_aggregation = dataclasses.replace(FIXED, aggregation=("arithmetic", "geometric"))
    result = uncertainty.monte_carlo(data, method, runs=200, seed=3, spec=only_aggregation)
    assert result.sensitivity["aggregation"] == pytest.approx(1.0)
    assert result.sensitivity["weights"] is None and result.sensitivity["normalisation"] is None
    only_weights = dataclasses.replace(FIXED, weights=WeightNoise(method="uniform", spread=0.5))
    assert uncertainty.monte_carlo(data, method, runs=100, seed=3, spec=only_weights).sensitivity["weights"] == 1.0


def test_sensitivity_of_several_choices_is_a_share_of_rank_variance(data):
    method = parse_methodology(METHOD)
    spec = Uncertainty(weights=WeightNoise(method="uniform", spread=0.5), normalisation=NORMS,
                       aggregation=("arithmetic", "geometric"), imputation=("nominal", "worst"))
    indices = uncertainty.monte_carlo(data, method, runs=600, seed=5, spec=spec).sensitivity
    assert set(indices) == {"weights", "normalisation", "aggregation", "imputation"}
    assert all(-0.05 <= value <= 1.0 for value in indices.values())
    assert sum(indices.values()) <= 1.1


def test_a_choice_that_changes_nothing_has_no_sensitivity(data):
    all_minmax = parse_methodology(METHOD.replace(", normalisation: zscore", "").replace(", normalisation: rank", "")
                                   .replace(", normalisation: {method: goalposts, worst: 10, best: 0}", ""))
    spec = Uncertainty(weights=WeightNoise(method="uniform", spread=0.5), normalisation=("nominal", "minmax"),
                       aggregation=("arithmetic", "geometric"), imputation=("nominal",))
    indices = uncertainty.monte_carlo(data, all_minmax, runs=800, seed=5, spec=spec).sensitivity
    assert indices["normalisation"] == pytest.approx(0.0, abs=0.01)
    assert indices["aggregation"] > 0.05 and indices["weights"] > 0.05


def test_first_order_estimators_by_hand():
    ranks = np.array([[1.0, 2.0], [1.0, 2.0], [2.0, 1.0], [2.0, 1.0]])
    assert uncertainty.first_order_discrete(ranks, np.array([0, 0, 1, 1])) == pytest.approx(1.0)
    assert uncertainty.first_order_discrete(ranks, np.array([0, 1, 0, 1])) == pytest.approx(0.0)
    assert uncertainty.first_order_discrete(ranks, np.array([0, 0, 0, 0])) is None
    # between-level variance: levels {0: [1, 1, 2], 1: [2]} for entity 1 -> means 4/3 and 2, overall 1.5
    levels = np.array([0, 0, 0, 1])
    between = 0.75 * (4 / 3 - 1.5) ** 2 + 0.25 * (2 - 1.5) ** 2
    assert uncertainty.first_order_discrete(ranks, levels) == pytest.approx(2 * between / (2 * 0.25))
    rng = np.random.default_rng(0)
    y = rng.normal(size=(20000, 3))
    assert uncertainty.first_order_pick_freeze(y, y) == pytest.approx(1.0)
    assert uncertainty.first_order_pick_freeze(y, rng.normal(size=(20000, 3))) == pytest.approx(0.0, abs=0.03)
    half = y + rng.normal(size=y.shape)  # shares half the variance with y
    assert uncertainty.first_order_pick_freeze(y + rng.normal(size=y.shape), half) == pytest.approx(0.5, abs=0.05)


def test_percentiles_are_observed_values():
    values = np.arange(1, 101, dtype=float)[:, None]
    p50, p05, p95 = uncertainty.percentiles(values, (0.5, 0.05, 0.95))
    assert (p50[0], p05[0], p95[0]) == (50.0, 5.0, 95.0)
    for q in (0.05, 0.5, 0.95):
        assert uncertainty.percentiles(values, (q,))[0][0] == np.quantile(values, q, method="inverted_cdf")

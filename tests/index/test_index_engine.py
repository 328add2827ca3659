"""Scores recomputed by hand for every normalisation and both aggregations; imputation, outliers, ranks, errors."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from qorgau.index import engine
from qorgau.index.methodology import MethodologyError, Outliers, default_methodology, parse_methodology

X1 = [10.0, 20.0, 30.0, 40.0]  # higher is better
X2 = [5.0, 1.0, 3.0, 1.0]  # lower is better
SD1 = math.sqrt((15**2 + 5**2 + 5**2 + 15**2) / 3)
SD2 = math.sqrt((2.5**2 + 1.5**2 + 0.5**2 + 1.5**2) / 3)

# The normalised values each method must give, written out by hand.
HAND = {
    "minmax": ("minmax", "minmax",
               [0, 100 / 3, 200 / 3, 100], [0, 100, 50, 100]),
    "zscore": ("zscore", "zscore",
               [50 + 15 * (x - 25) / SD1 for x in X1], [50 - 15 * (x - 2.5) / SD2 for x in X2]),
    "rank": ("rank", "rank",
             [0, 100 / 3, 200 / 3, 100], [0, 100 * 2.5 / 3, 100 / 3, 100 * 2.5 / 3]),  # ties in X2 averaged
    "distance_to_target": ("{method: distance_to_target, target: 35}", "{method: distance_to_target, target: 2}",
                           [0, 40, 80, 100], [0, 100, 100 * 2 / 3, 100]),
    "goalposts": ("{method: goalposts, worst: 0, best: 50}", "{method: goalposts, worst: 10, best: 0}",
                  [20, 40, 60, 80], [50, 90, 70, 90]),
}


def two_indicators(norm1: str, norm2: str, aggregation: str = "arithmetic") -> str:
    return f"""
aggregation: {aggregation}
indicators:
  - {{id: x1, direction: higher_is_better, weight: 1, normalisation: {norm1}}}
  - {{id: x2, direction: lower_is_better, weight: 3, normalisation: {norm2}}}
"""


def frame(**columns) -> pd.DataFrame:
    n = len(next(iter(columns.values())))
    return pd.DataFrame({"entity_id": [chr(ord("A") + i) for i in range(n)], **columns})


@pytest.mark.parametrize("name", list(HAND))
def test_normalisation_and_arithmetic_mean_by_hand(name):
    norm1, norm2, y1, y2 = HAND[name]
    result = engine.compute(frame(x1=X1, x2=X2), parse_methodology(two_indicators(norm1, norm2)))
    assert result.normalised["x1"].tolist() == pytest.approx(y1)
    assert result.normalised["x2"].tolist() == pytest.approx(y2)
    expected = [(a + 3 * b) / 4 for a, b in zip(y1, y2, strict=True)]
    assert result.entities["score"].tolist() == pytest.approx(expected)
    contributions = result.contributions
    assert contributions["x1"].tolist() == pytest.approx([a / 4 for a in y1])
    assert contributions.sum(axis=1).tolist() == pytest.approx(expected)
    order = sorted(range(4), key=lambda i: -expected[i])
    assert [result.entities["rank"].iloc[i] for i in order] == sorted(result.entities["rank"])


@pytest.mark.parametrize("name", list(HAND))
def test_normalisation_and_geometric_mean_by_hand(name):
    norm1, norm2, y1, y2 = HAND[name]
    result = engine.compute(frame(x1=X1, x2=X2), parse_methodology(two_indicators(norm1, norm2, "geometric")))
    # zeros are mapped onto 1..100 first: g = 1 + y * 99 / 100
    g1 = [1 + v * 0.99 for v in y1]
    g2 = [1 + v * 0.99 for v in y2]
    expected = [a ** 0.25 * b ** 0.75 for a, b in zip(g1, g2, strict=True)]
    scores = result.entities["score"].tolist()
    assert scores == pytest.approx(expected)
    # log-share contributions: score * (w_i ln g_i) / sum_j (w_j ln g_j), summing to the score
    for n, score in enumerate(scores):
        logs = [0.25 * math.log(g1[n]), 0.75 * math.log(g2[n])]
        shares = [v / sum(logs) for v in logs] if sum(logs) > 0 else [0.25, 0.75]
        assert result.contributions.iloc[n].tolist() == pytest.approx([score * s for s in shares])
        assert result.contributions.iloc[n].sum() == pytest.approx(score)


def test_geometric_mean_with_a_zero_is_not_zero_and_floor_is_configurable():
    text = two_indicators("minmax", "minmax", "{method: geometric, floor: 10}")
    result = engine.compute(frame(x1=X1, x2=X2), parse_methodology(text))
    # entity B: y1 = 33.3 -> g = 10 + 33.3 * 0.9 = 40, y2 = 100 -> g = 100
    assert result.entities.at["B", "score"] == pytest.approx(40 ** 0.25 * 100 ** 0.75)
    assert result.entities.at["A", "score"] == pytest.approx(10.0)  # worst on both: the floor, not 0


PILLARS = """
aggregation: {method}
pillars: [{{id: p, weight: 2}}, {{id: q, weight: 1}}]
indicators:
  - {{id: a, pillar: p, direction: higher_is_better, weight: 1}}
  - {{id: b, pillar: p, direction: higher_is_better, weight: 3}}
  - {{id: c, pillar: q, direction: lower_is_better, weight: 5}}
"""


def test_two_level_aggregation_and_missing_values_by_hand():
    data = frame(a=[0.0, 10.0, 5.0], b=[0.0, 4.0, np.nan], c=[2.0, 0.0, 1.0])
    result = engine.compute(data, parse_methodology(PILLARS.format(method="arithmetic")))
    # normalised: a [0, 100, 50]; b [0, 100, -] (min-max over observed values); c [0, 100, 50]
    p = [(1 * 0 + 3 * 0) / 4, (1 * 100 + 3 * 100) / 4, 50.0]  # C: b missing -> only a counts in pillar p
    q = [0.0, 100.0, 50.0]
    assert result.pillars["p"].tolist() == pytest.approx(p)
    assert result.entities["score"].tolist() == pytest.approx([(2 * p[i] + q[i]) / 3 for i in range(3)])
    assert math.isnan(result.contributions.at["C", "b"])
    assert result.contributions.at["C", "a"] == pytest.approx(2 / 3 * 50)
    assert result.entities.at["C", "coverage"] == pytest.approx(2 / 3)

    geometric = engine.compute(data, parse_methodology(PILLARS.format(method="geometric")))
    g = lambda y: 1 + 0.99 * y  # noqa: E731
    pillar_c = g(50)  # one indicator left in p
    assert geometric.pillars.at["C", "p"] == pytest.approx(pillar_c)
    assert geometric.entities.at["C", "score"] == pytest.approx(pillar_c ** (2 / 3) * g(50) ** (1 / 3))
    assert geometric.contributions.sum(axis=1).tolist() == pytest.approx(geometric.entities["score"].tolist())


def test_coverage_can_count_only_the_indicators_that_have_data():
    """1.1's rule: an indicator with a value for nobody does not count against anybody's coverage."""
    data = frame(a=[0.0, 10.0, 5.0], b=[0.0, 4.0, np.nan], c=[np.nan, np.nan, np.nan])
    every = PILLARS.format(method="arithmetic").replace("aggregation", "min_coverage: 0.6\naggregation")
    strict = engine.compute(data, parse_methodology(every))
    assert strict.entities["coverage"].tolist() == pytest.approx([2 / 3, 2 / 3, 1 / 3])
    assert list(strict.entities["status"]) == ["ranked", "ranked", "insufficient_data"]
    available = engine.compute(data, parse_methodology(every.replace("aggregation", "coverage_of: available\naggregation")))
    assert available.entities["coverage"].tolist() == pytest.approx([1.0, 1.0, 0.5])
    assert list(available.entities["status"]) == ["ranked", "ranked", "insufficient_data"]
    lenient = every.replace("min_coverage: 0.6", "min_coverage: 0.5").replace("aggregation", "coverage_of: available\naggregation")
    assert list(engine.compute(data, parse_methodology(lenient)).entities["status"]) == ["ranked"] * 3
    with pytest.raises(MethodologyError):
        parse_methodology(every.replace("aggregation", "coverage_of: some\naggregation"))


def test_a_pillar_with_no_data_is_left_out_and_pillar_weights_rescaled():
    data = frame(a=[0.0, 10.0, 5.0], b=[0.0, 4.0, 2.0], c=[2.0, 0.0, np.nan])
    text = PILLARS.format(method="arithmetic").replace("aggregation", "min_coverage: 0.6\naggregation")
    result = engine.compute(data, parse_methodology(text))
    assert result.entities.at["C", "score"] == pytest.approx((50 + 3 * 50) / 4)  # pillar q left out
    assert math.isnan(result.pillars.at["C", "q"])


def test_coverage_threshold_lists_entities_as_insufficient_data_and_leaves_them_out():
    text = PILLARS.format(method="arithmetic").replace("aggregation", "min_coverage: 0.7\naggregation")
    data = frame(a=[0.0, 10.0, 1000.0, 5.0], b=[0.0, 4.0, np.nan, 2.0], c=[2.0, 0.0, np.nan, 1.0])
    result = engine.compute(data, parse_methodology(text))
    assert result.entities.at["C", "status"] == "insufficient_data"
    assert math.isnan(result.entities.at["C", "score"]) and math.isnan(result.entities.at["C", "rank"])
    # C's extreme value did not stretch the min-max of the others: it was screened out first
    assert result.normalised.at["D", "a"] == pytest.approx(50.0)
    assert sorted(result.entities["rank"].dropna()) == [1, 2, 3]
    records = result.records()
    assert records[-1]["entity_id"] == "C" and records[-1]["score"] is None


def test_imputation_rules_by_hand():
    text = """
pillars: [{id: p}]
indicators:
  - {id: mean, pillar: p, direction: higher_is_better, missing: mean}
  - {id: median, pillar: p, direction: higher_is_better, missing: median}
  - {id: worst, pillar: p, direction: lower_is_better, missing: worst}
  - {id: fixed, pillar: p, direction: higher_is_better, missing: {method: value, value: 7}}
  - {id: group, pillar: p, direction: higher_is_better, missing: {method: group_median, group: sector}}
  - {id: anchor, pillar: p, direction: higher_is_better}
min_coverage: 0
"""
    data = frame(mean=[1.0, 2.0, 6.0, np.nan], median=[1.0, 2.0, 6.0, np.nan], worst=[1.0, 2.0, 6.0, np.nan],
                 fixed=[1.0, 2.0, 6.0, np.nan], group=[1.0, 2.0, 6.0, np.nan], anchor=[1.0, 2.0, 3.0, 4.0])
    data["sector"] = ["B", "C", "C", "C"]
    result = engine.compute(data, parse_methodology(text))
    treated = result.treated.loc["D"]
    assert treated["mean"] == pytest.approx(3.0)
    assert treated["median"] == pytest.approx(2.0)
    assert treated["worst"] == pytest.approx(6.0)  # lower is better: the largest observed value
    assert treated["fixed"] == pytest.approx(7.0)
    assert treated["group"] == pytest.approx(4.0)  # median of sector C's observed values (2, 6)
    assert result.imputed.loc["D"].drop("anchor").all() and not result.imputed.loc["A"].any()
    assert result.entities.at["D", "coverage"] == pytest.approx(1 / 6)  # imputed values are not coverage
    assert result.entities.at["D", "n_imputed"] == 5


def test_an_entity_without_any_observed_value_is_never_ranked():
    text = "min_coverage: 0\nindicators:\n  - {id: x, direction: higher_is_better, missing: mean}\n"
    result = engine.compute(frame(x=[1.0, 2.0, np.nan]), parse_methodology(text))
    assert result.entities.at["C", "status"] == "insufficient_data"


def test_group_median_falls_back_to_overall_median_and_needs_the_column():
    text = """
indicators:
  - {id: x, direction: higher_is_better, missing: group_median}
  - {id: y, direction: higher_is_better}
"""
    data = frame(x=[1.0, 2.0, 9.0, np.nan], y=[1.0, 1.0, 1.0, 1.0])
    data["sector"] = ["B", "B", "B", "Z"]
    assert engine.compute(data, parse_methodology(text)).treated.at["D", "x"] == pytest.approx(2.0)
    with pytest.raises(engine.DataError) as caught:
        engine.compute(data.drop(columns="sector"), parse_methodology(text))
    assert caught.value.problems[0][1] == "sector"


def test_pillar_mean_imputation_uses_the_entitys_own_pillar_values():
    text = """
pillars: [{id: p}, {id: q}]
indicators:
  - {id: a, pillar: p, direction: higher_is_better, weight: 1}
  - {id: b, pillar: p, direction: higher_is_better, weight: 3}
  - {id: c, pillar: p, direction: higher_is_better, missing: pillar_mean}
  - {id: d, pillar: q, direction: higher_is_better}
"""
    data = frame(a=[0.0, 10.0, 5.0], b=[0.0, 10.0, 10.0], c=[0.0, 10.0, np.nan], d=[1.0, 2.0, 3.0])
    result = engine.compute(data, parse_methodology(text))
    assert result.normalised.at["C", "c"] == pytest.approx((1 * 50 + 3 * 100) / 4)
    assert result.imputed.at["C", "c"]


def test_skewness_and_kurtosis_match_coinr_formulas():
    rng = np.random.default_rng(3)
    x = rng.lognormal(size=40)
    n, d = x.size, x - x.mean()
    skew_coinr = math.sqrt(n) * (d**3).sum() / (d**2).sum() ** 1.5 * math.sqrt(n * (n - 1)) / (n - 2)
    r = n * (d**4).sum() / (d**2).sum() ** 2
    kurt_coinr = ((n + 1) * (r - 3) + 6) * (n - 1) / ((n - 2) * (n - 3))
    assert engine.skewness(x) == pytest.approx(skew_coinr)
    assert engine.kurtosis(x) == pytest.approx(kurt_coinr)


def test_winsorisation_follows_coinr_example():
    x = np.array([*range(1, 11), 30.0, 100.0])  # COINr's winsorise() example
    treated, info = engine.treat_outliers(x, Outliers(method="skew_kurtosis"))
    assert treated.tolist() == [*range(1, 11), 30.0, 30.0]  # 100 -> next highest, then it passes
    assert info["winsorised"] == 1 and info["transform"] is None


def test_log_transform_when_winsorising_is_not_enough():
    x = np.array([1.0] * 20 + [50.0, 100.0, 200.0, 400.0, 800.0])
    treated, info = engine.treat_outliers(x, Outliers(method="skew_kurtosis", max_points=1))
    span = 799.0
    assert info["transform"] == "log"
    assert treated.tolist() == pytest.approx(np.log(x - 1 + 0.01 * span).tolist())
    assert np.argsort(treated, kind="stable").tolist() == np.argsort(x, kind="stable").tolist()
    mirrored, info = engine.treat_outliers(-x, Outliers(method="skew_kurtosis", max_points=1))
    assert info["transform"] == "log" and (np.diff(mirrored[np.argsort(-x)]) >= 0).all()


def test_quantile_winsorisation():
    x = np.array([float(v) for v in range(0, 101)])
    treated, info = engine.treat_outliers(x, Outliers(method="quantile", lower=0.05, upper=0.9))
    assert treated.min() == 5.0 and treated.max() == 90.0 and info["winsorised"] == 5 + 10


def test_ties_min_and_average():
    from scipy import stats

    scores = np.array([[50.0, 70.0, 70.0, 10.0, 70.0 + 1e-12]])
    assert engine.rank_scores(scores, "min")[0].tolist() == [4, 1, 1, 5, 1]
    assert engine.rank_scores(scores, "average")[0].tolist() == [4, 2, 2, 5, 2]
    assert engine.rank_scores(scores, "min")[0].tolist() == stats.rankdata(-scores.round(6), "min").tolist()


def test_constant_indicator_is_uninformative_midpoint():
    result = engine.compute(frame(x1=[3.0, 3.0, 3.0], x2=[1.0, 2.0, 3.0]),
                            parse_methodology(two_indicators("minmax", "zscore")))
    assert result.normalised["x1"].tolist() == [50.0, 50.0, 50.0]


@pytest.mark.parametrize(("column", "cells", "row", "words"), [
    ("x1", ["1", "2", "abc"], 4, "'abc' is not a number"),
    ("x2", ["1", "inf", "3"], 3, "infinite"),
    ("entity_id", ["A", "", "C"], 3, "empty entity_id"),
    ("entity_id", ["A", "B", "A"], 4, "duplicate entity_id 'A' (first on row 2)"),
])
def test_data_errors_name_row_and_column(column, cells, row, words):
    data = frame(x1=["1", "2", "3"], x2=["1", "2", "3"])
    data[column] = cells
    with pytest.raises(engine.DataError) as caught:
        engine.compute(data, parse_methodology(two_indicators("minmax", "minmax")))
    assert (row, column) in [(r, c) for r, c, _ in caught.value.problems]
    assert words in str(caught.value)


def test_missing_columns_and_valid_range():
    method = parse_methodology(two_indicators("minmax", "minmax"))
    with pytest.raises(engine.DataError, match="column 'x2': missing"):
        engine.compute(frame(x1=[1.0, 2.0]), method)
    with pytest.raises(engine.DataError, match="entity_id"):
        engine.compute(pd.DataFrame({"x1": [1.0], "x2": [1.0]}), method)
    ranged = parse_methodology("indicators:\n  - {id: x1, direction: higher_is_better, valid_range: [0, 100]}\n")
    with pytest.raises(engine.DataError, match="row 3, column 'x1': 140 is outside the valid range 0 to 100"):
        engine.compute(frame(x1=[10.0, 140.0]), ranged)


def test_text_cells_decimal_commas_and_missing_tokens():
    data = frame(x1=["10", "20,5", " 30 ", "N/A"], x2=["5", "", "3", "1"])
    result = engine.compute(data, parse_methodology(two_indicators("minmax", "minmax")))
    assert result.raw["x1"].tolist()[:3] == [10.0, 20.5, 30.0] and math.isnan(result.raw.at["D", "x1"])
    assert math.isnan(result.raw.at["B", "x2"])


def test_v1_methodology_computes_on_its_own_columns():
    m = default_methodology()
    rng = np.random.default_rng(5)
    data = pd.DataFrame({i.id: rng.uniform(0, 1, 30) * (i.valid_range[1] if i.valid_range else 1)
                         for i in m.indicators})
    data.loc[:4, "social_audit_score"] = np.nan
    data.loc[2, "equipment_renewal"] = np.nan
    data.insert(0, "entity_id", [f"E{i}" for i in range(30)])
    data["sector"] = ["C", "B"] * 15
    result = engine.compute(data, m)
    assert (result.entities["status"] == "ranked").all()
    assert result.contributions.sum(axis=1).to_numpy() == pytest.approx(result.entities["score"].to_numpy())
    assert result.imputed.at["E2", "equipment_renewal"]

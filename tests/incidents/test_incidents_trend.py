"""Trend test: Poisson GLM with exposure offset, negative binomial under overdispersion."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qorgau.incidents.engine.trend_test import TrendError, poisson_trend, trend_table


def test_two_years_give_the_exact_rate_ratio():
    frame = pd.DataFrame({"year": [2023, 2024], "cases": [200, 150], "hours": [1e8, 1.2e8]})
    result = poisson_trend(frame)
    ratio = (150 / 1.2e8) / (200 / 1e8)
    assert result.slope == pytest.approx(np.log(ratio), rel=1e-9)
    assert result.annual_pct_change == pytest.approx(100 * (ratio - 1), rel=1e-9)
    # Wald standard error of a log rate ratio: sqrt(1/200 + 1/150).
    assert result.se == pytest.approx(np.sqrt(1 / 200 + 1 / 150), rel=1e-4)


def test_rows_are_summed_per_year_and_slope_matches_statsmodels():
    import statsmodels.api as sm

    rng = np.random.default_rng(7)
    years = np.repeat(np.arange(2015, 2025), 5)
    hours = rng.uniform(1e6, 5e6, len(years))
    cases = rng.poisson(hours / 1e6 * 3 * 0.93 ** (years - 2015))
    frame = pd.DataFrame({"year": years, "cases": cases, "hours": hours})
    result = poisson_trend(frame, model="poisson")
    by_year = frame.groupby("year").sum()
    x = sm.add_constant(by_year.index.to_numpy(dtype=float) - by_year.index.to_numpy(dtype=float).mean())
    fit = sm.GLM(by_year["cases"], x, family=sm.families.Poisson(), offset=np.log(by_year["hours"])).fit()
    assert result.slope == pytest.approx(fit.params.iloc[1], rel=1e-8)
    assert result.p_value == pytest.approx(fit.pvalues.iloc[1], rel=1e-6)
    # A 7% a year decline over ten years with about 3,000 cases is detected, and the interval covers -7%.
    assert result.significant and result.ci_low < -7 < result.ci_high and result.model == "poisson"


def test_flat_series_is_not_called_a_trend():
    frame = pd.DataFrame({"year": range(2015, 2025), "cases": [100, 104, 97, 101, 99, 103, 98, 100, 102, 99],
                          "hours": [1e8] * 10})
    result = poisson_trend(frame)
    assert not result.significant and result.p_value > 0.05


def test_overdispersed_series_switches_to_negative_binomial():
    # Counts swinging far more than Poisson noise around a mild decline.
    cases = [120, 60, 150, 70, 140, 50, 130, 45, 110, 40]
    frame = pd.DataFrame({"year": range(2015, 2025), "cases": cases, "hours": [1e8] * 10})
    auto = poisson_trend(frame)
    poisson = poisson_trend(frame, model="poisson")
    assert auto.overdispersion_p < 0.05 and auto.dispersion > 5
    assert auto.model == "negative_binomial" and auto.nb_alpha > 0
    # The Poisson model is overconfident; the negative-binomial interval is wider.
    assert (auto.ci_high - auto.ci_low) > (poisson.ci_high - poisson.ci_low)


def test_bad_input_is_explained():
    with pytest.raises(TrendError, match="two years"):
        poisson_trend(pd.DataFrame({"year": [2024], "cases": [3], "hours": [1e6]}))
    with pytest.raises(TrendError, match="no exposure"):
        poisson_trend(pd.DataFrame({"year": [2023, 2024], "cases": [3, 4], "hours": [1e6, 0]}))
    with pytest.raises(TrendError, match="column"):
        poisson_trend(pd.DataFrame({"year": [2023, 2024], "cases": [3, 4]}))


def test_trend_table_reports_each_slice_or_its_reason():
    frame = pd.DataFrame({"region": ["A", "A", "B"], "year": [2023, 2024, 2024], "cases": [10, 20, 5],
                          "hours": [1e6, 1e6, 1e6]})
    rows = {r["group"]: r for r in trend_table(frame, "region")}
    assert rows["A"]["slope"] == pytest.approx(np.log(2))
    assert "two years" in rows["B"]["error"]

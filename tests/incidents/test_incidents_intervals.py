"""Exact Poisson, binomial and Fay-Feuer intervals against published values, hand formulas and scipy."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qorgau.incidents.engine.intervals import binomial_ci, gamma_ci, poisson_ci


def test_garwood_matches_published_table_values():
    # Exact 95% limits for a Poisson count (e.g. Garwood 1936; Ulm 1990 tables): 0 -> (0, 3.689),
    # 1 -> (0.0253, 5.572), 10 -> (4.795, 18.390).
    low, high = poisson_ci([0, 1, 10])
    assert low == pytest.approx([0.0, 0.0253178, 4.7953887], abs=1e-6)
    assert high == pytest.approx([3.6888795, 5.5716434, 18.3903560], abs=1e-6)
    # Zero cases: the upper limit is -ln(0.025).
    assert high[0] == pytest.approx(-math.log(0.025), rel=1e-12)


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 5000))
def test_garwood_limits_solve_the_poisson_tail_equations(k):
    from scipy import stats

    low, high = poisson_ci([k])
    # Upper limit: P(X <= k | high) = 2.5%; lower limit: P(X >= k | low) = 2.5% (k > 0).
    assert stats.poisson.cdf(k, high[0]) == pytest.approx(0.025, abs=1e-9)
    if k > 0:
        assert stats.poisson.sf(k - 1, low[0]) == pytest.approx(0.025, abs=1e-9)
        assert low[0] < k < high[0]


def test_poisson_ci_rejects_negative_counts():
    with pytest.raises(ValueError):
        poisson_ci([-1])


@pytest.mark.parametrize("k,n", [(0, 10), (1, 10), (69, 100), (10, 10), (345, 500)])
def test_binomial_intervals_match_scipy(k, n):
    from scipy import stats

    exact = stats.binomtest(k, n).proportion_ci(method="exact")
    wilson = stats.binomtest(k, n).proportion_ci(method="wilson")
    low, high = binomial_ci([k], [n], "clopper-pearson")
    assert (low[0], high[0]) == pytest.approx((exact.low, exact.high), abs=1e-10)
    low, high = binomial_ci([k], [n], "wilson")
    assert (low[0], high[0]) == pytest.approx((float(wilson.low), float(wilson.high)), abs=1e-10)


def test_binomial_ci_rejects_impossible_shares_and_methods():
    with pytest.raises(ValueError):
        binomial_ci([11], [10])
    with pytest.raises(ValueError):
        binomial_ci([1], [10], "agresti")


def test_fay_feuer_with_one_stratum_is_garwood():
    # y = w x with one stratum: the gamma interval reduces to w times the exact Poisson limits.
    y, low, high = gamma_ci([7], [0.25])
    exact_low, exact_high = poisson_ci([7])
    assert y == pytest.approx(1.75)
    assert (low, high) == pytest.approx((0.25 * exact_low[0], 0.25 * exact_high[0]), rel=1e-12)


def test_fay_feuer_two_strata_by_hand():
    # x = (3, 10), w = (0.5, 0.1): y = 2.5, v = 0.85, w_max = 0.5 (Fay & Feuer 1997, eq. for L and U).
    from scipy import stats

    y, low, high = gamma_ci([3, 10], [0.5, 0.1])
    v = 0.5 ** 2 * 3 + 0.1 ** 2 * 10
    assert y == pytest.approx(2.5)
    assert low == pytest.approx(v / 5 * stats.chi2.ppf(0.025, 2 * 2.5 ** 2 / v))
    assert high == pytest.approx((v + 0.25) / 6 * stats.chi2.ppf(0.975, 2 * 3 ** 2 / (v + 0.25)))
    assert low < y < high


def test_fay_feuer_zero_count_has_zero_lower_limit():
    y, low, high = gamma_ci(np.array([0, 0]), np.array([1.0, 2.0]))
    assert y == 0 and low == 0
    assert high == pytest.approx(2.0 * -math.log(0.025), rel=1e-9)

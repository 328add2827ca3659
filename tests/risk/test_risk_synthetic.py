"""The synthetic panel: deterministic, labelled, and its accident process follows the documented formula."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qorgau.risk import synthetic


def test_same_seed_same_panel_and_labelled():
    a = synthetic.generate_panel(40, 6, seed=3)
    b = synthetic.generate_panel(40, 6, seed=3)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(synthetic.generate_panel(40, 6, seed=4))
    assert a.attrs["synthetic"] is True and "Synthetic" in a.attrs["label"]
    assert len(a) == 240 and a["period"].iloc[:6].tolist() == ["2023-01", "2023-02", "2023-03", "2023-04",
                                                                 "2023-05", "2023-06"]
    assert "culture" not in a.columns  # the latent deficit is never shown


def test_accident_rate_formula_by_hand():
    one = pd.DataFrame({"sector": ["B"], "workers": [100.0], "culture": [1.0], "equipment_age": [27.0], "union": [1]})
    state = {"overdue_gross": np.array([3.0]), "imminent": np.array([1.0]), "exceedances": np.array([0.0]),
             "months_since_inspection": np.array([2.0])}
    c = synthetic.Coefficients()
    expected = (1.0 / 12000 * 100 * 3.0 * 1.2
                * np.exp(0.45 * 1 + 0.25 * 1.0 - 0.3 + 0.35 * np.log(4) + 0.25 * np.log(2) - 0.3))
    got = synthetic.accident_rate(one, state, region_factor=np.array([1.2]), coefficients=c)
    assert got[0] == pytest.approx(expected)
    more = synthetic.accident_rate(one, {**state, "overdue_gross": np.array([7.0])}, region_factor=np.array([1.2]))
    assert more[0] / got[0] == pytest.approx((8 / 4) ** 0.35)


def test_realised_cases_match_the_rates_and_indicators_move_with_culture():
    firms = synthetic.draw_enterprises(4000, seed=5)
    rng = np.random.default_rng(0)
    n = len(firms)
    state = {"overdue_gross": np.zeros(n), "imminent": np.zeros(n), "exceedances": np.zeros(n),
             "months_since_inspection": np.full(n, 20.0)}
    for _ in range(6):
        state = synthetic.step(firms, state, rng)
    rho = np.ones(n)
    lam = synthetic.accident_rate(firms, state, region_factor=rho)
    draws = rng.poisson(np.tile(lam, (200, 1)))
    assert draws.sum() / 200 == pytest.approx(lam.sum(), rel=0.02)
    worse = firms["culture"].to_numpy() > 1
    better = firms["culture"].to_numpy() < -1
    per_worker = state["violations"] / firms["workers"].to_numpy() ** 0.7
    assert per_worker[worse].mean() > 1.5 * per_worker[better].mean()
    assert state["overdue_gross"][worse].mean() > state["overdue_gross"][better].mean()


def test_rate_is_scaled_as_documented():
    panel = synthetic.generate_panel(3000, 12, seed=1)
    per_1000_year = panel["cases"].sum() / panel["workers"].sum() * 1000 * 12
    # The nominal 1.0 per 1,000 a year before modifiers; sector mix and modifiers move it by a few times at most.
    assert 0.5 < per_1000_year < 4.0

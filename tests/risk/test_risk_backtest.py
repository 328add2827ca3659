"""Backtest: the model beats the baselines on demo data, loses its edge when outcomes are shuffled."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.risk import metrics, synthetic
from qorgau.risk.backtest import BacktestConfig, run_backtest, size_band
from qorgau.risk.panel import PanelError, validate

CONFIG = BacktestConfig(test_periods=10, min_train_periods=6, rounds=40, params={"num_threads": 1})


@pytest.fixture(scope="module")
def demo():
    return synthetic.generate_panel(500, 24, seed=11)


@pytest.fixture(scope="module")
def result(demo):
    return run_backtest(validate(demo), CONFIG)


def _shuffled(table: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    """Outcomes permuted across enterprises within each period: features keep no link to them."""
    rng = np.random.default_rng(seed)
    out = table.copy()
    out["cases"] = out.groupby("period")["cases"].transform(lambda s: rng.permutation(s.to_numpy()))
    return out


def test_model_beats_baselines_on_demo_data(result):
    print("\n" + result.table())
    model, last = result.methods["model"], result.methods["baseline_last_rate"]
    assert result.periods_tested == 10
    assert model["capture"][0.1] > last["capture"][0.1] + 0.1
    assert model["capture"][0.1] > result.methods["baseline_size"]["capture"][0.1]
    assert model["capture"][0.1] > result.methods["random"]["capture"][0.1]
    assert model["auc_pr"] > max(m["auc_pr"] for name, m in result.methods.items() if name != "model")
    assert model["brier"] < last["brier"]
    assert set(result.methods) == {"model", "baseline_last_rate", "baseline_size", "baseline_sector", "random"}


def test_shuffling_future_outcomes_destroys_the_advantage(demo, result):
    shuffled = run_backtest(validate(_shuffled(demo)), CONFIG)
    print("\nshuffled:\n" + shuffled.table())
    honest = result.methods["model"]["capture"][0.1]
    blind = shuffled.methods["model"]["capture"][0.1]
    assert blind < 0.2  # the share of slots (10%) plus noise; random order expects 10%
    assert honest - blind > 0.4


def test_the_shuffle_test_catches_a_leak(demo):
    """Positive control: a feature holding next period's cases survives the shuffle, as a leak would."""
    leaky = _shuffled(demo).sort_values(["entity_id", "period"])
    leaky["leak"] = leaky.groupby("entity_id")["cases"].shift(-1)
    result = run_backtest(validate(leaky), CONFIG)
    assert result.methods["model"]["capture"][0.1] > 0.6  # versus < 0.2 without the leak


def test_every_prediction_is_for_the_next_period(result, demo):
    sample = result.predictions.sample(20, random_state=0)
    truth = demo.set_index(["entity_id", "period"])["cases"]
    for row in sample.itertuples():
        assert truth.loc[(row.entity_id, row.period)] == row.y


def test_calibration_and_fairness_tables(result):
    bins = result.calibration
    assert sum(b["n"] for b in bins) == len(result.predictions)
    assert sum(b["observed_cases"] for b in bins) == result.predictions["y"].sum()
    assert [b["predicted"] for b in bins] == sorted(b["predicted"] for b in bins)
    sizes = result.fairness["size_band"]
    assert [r["group"] for r in sizes] == [b for b in ("1-9", "10-49", "50-249", "250-999", "1000+")
                                            if b in {r["group"] for r in sizes}]
    assert sum(r["n"] for r in sizes) == len(result.predictions)
    regions = result.fairness["region"]
    assert sum(r["cases"] for r in regions) == result.predictions["y"].sum()
    overall = sum(r["selected_share"] * r["n"] for r in regions) / len(result.predictions)
    assert overall == pytest.approx(0.1, abs=0.002)
    unions = {r["group"]: r for r in result.fairness["union_presence"]}
    assert set(unions) == {"union", "no_union"}
    assert sum(r["cases"] for r in unions.values()) == result.predictions["y"].sum()


def test_too_short_a_panel_is_refused():
    table = synthetic.generate_panel(20, 5, seed=1)
    with pytest.raises(PanelError, match="Too few periods"):
        run_backtest(validate(table), CONFIG)


def test_capture_with_ties_by_hand():
    y = np.array([3, 0, 1, 1, 0, 0, 0, 0, 0, 2])
    scores = np.array([5, 4, 1, 1, 1, 1, 0, 0, 0, 0])
    # Top 30% = 3 slots: two above the cut-off, one of four tied at 1 (each with probability 1/4).
    captured, hits, slots = metrics.capture_and_hits(y, scores, 0.3)
    assert slots == 3
    assert captured == pytest.approx(3 + 0 + (1 + 1) / 4)
    assert hits == pytest.approx(1 + 2 / 4)


@given(st.lists(st.integers(0, 3), min_size=1, max_size=40), st.floats(0.01, 1.0))
def test_selection_weights_fill_exactly_the_slots(values, k):
    scores = np.array(values, float)
    m = metrics.slots(len(scores), k)
    weights = metrics.selection_weights(scores, m)
    assert weights.sum() == pytest.approx(m)
    assert ((weights >= 0) & (weights <= 1)).all()
    # A higher score is never less likely to be chosen.
    order = np.argsort(scores)
    assert (np.diff(weights[order]) >= -1e-12).all()


def test_size_bands():
    assert size_band(np.array([1, 9, 10, 49, 50, 249, 250, 999, 1000, 5000])).tolist() == [
        "1-9", "1-9", "10-49", "10-49", "50-249", "50-249", "250-999", "250-999", "1000+", "1000+"]

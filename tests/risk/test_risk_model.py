"""The model: explanations add up exactly, recalibration matches statsmodels, versions and save/load."""

from __future__ import annotations

import numpy as np
import pytest

from qorgau.risk import features, forecaster, synthetic
from qorgau.risk.panel import validate

PARAMS = {"num_threads": 1}


@pytest.fixture(scope="module")
def fitted():
    panel = validate(synthetic.generate_panel(300, 18, seed=5))
    frame = features.model_frame(panel)
    names = features.feature_columns(panel, frame)
    fitted_model = forecaster.fit(frame, names, period_labels=panel.periods, params=PARAMS, rounds=40)
    return fitted_model, frame[frame["period_index"] == len(panel.periods) - 1].reset_index(drop=True), frame


def test_contributions_plus_base_and_exposure_equal_log_lambda_for_every_enterprise(fitted):
    risk, latest, _ = fitted
    explanation = risk.explain(latest)
    lam = risk.predict(latest)
    total = explanation.exposure + explanation.base + explanation.contributions.to_numpy().sum(axis=1)
    np.testing.assert_allclose(total, np.log(lam), rtol=0, atol=1e-9)
    np.testing.assert_allclose(explanation.log_lambda, np.log(lam), rtol=0, atol=1e-9)
    # Uncalibrated: LightGBM's own contributions add up to its raw score.
    raw = risk.booster.predict(latest[risk.features].to_numpy(float), pred_contrib=True)
    np.testing.assert_allclose(raw.sum(axis=1), risk.raw_score(latest), rtol=0, atol=1e-9)
    assert np.prod(explanation.factors().to_numpy(), axis=1) == pytest.approx(
        lam / np.exp(explanation.exposure + explanation.base))


def test_probability_is_one_minus_exp_minus_lambda(fitted):
    risk, latest, _ = fitted
    np.testing.assert_allclose(risk.probability(latest), 1 - np.exp(-risk.predict(latest)))


def test_calibration_was_fitted_on_held_out_periods(fitted):
    risk, _, frame = fitted
    assert risk.calibration["method"].startswith("poisson recalibration")
    assert risk.calibration["holdout_periods"] == 3  # 20% of 17 training periods, rounded
    assert risk.trained_on["rows"] == int(frame["target"].notna().sum())
    assert risk.trained_on["first"] == "2023-01" and risk.trained_on["last"] == "2024-06"


def test_poisson_recalibration_matches_statsmodels_glm():
    import statsmodels.api as sm

    rng = np.random.default_rng(3)
    n = 4000
    offset = np.log(rng.uniform(10, 1000, n) * 0.002)
    score = rng.normal(0, 0.8, n)
    y = rng.poisson(np.exp(offset + 0.3 + 0.6 * score))
    a, b = forecaster.poisson_recalibration(y, offset, score)
    glm = sm.GLM(y, sm.add_constant(score), family=sm.families.Poisson(), offset=offset).fit()
    assert a == pytest.approx(glm.params[0], abs=1e-6)
    assert b == pytest.approx(glm.params[1], abs=1e-6)


def test_save_load_round_trip_and_version(fitted, tmp_path):
    risk, latest, frame = fitted
    path = risk.save(tmp_path / "model.json")
    again = forecaster.RiskModel.load(path)
    np.testing.assert_allclose(again.predict(latest), risk.predict(latest), rtol=1e-12)
    assert again.version == risk.version and risk.version.startswith("risk-2023-01..2024-06-")
    changed = frame.copy()
    changed.loc[changed.index[0], "target"] = changed["target"].iloc[0] + 1
    other = forecaster.fit(changed, risk.features, period_labels=None, params=PARAMS, rounds=5)
    same = forecaster.fit(frame, risk.features, period_labels=None, params=PARAMS, rounds=5)
    assert other.version != same.version
    assert same.version == forecaster.fit(frame, risk.features, period_labels=None, params=PARAMS, rounds=5).version


def test_load_refuses_other_files(tmp_path):
    path = tmp_path / "x.json"
    path.write_text('{"format": "something else"}')
    with pytest.raises(ValueError, match="not a Qorgau risk model"):
        forecaster.RiskModel.load(path)

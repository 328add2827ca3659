"""Features: hand-computed values from records, case-history features, no look-ahead, shrinkage maths."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qorgau.risk import features, shrinkage, synthetic
from qorgau.risk.panel import PanelError, validate

NAN = np.nan


def _records():
    enterprises = pd.DataFrame({"entity_id": ["A", "B"], "sector": ["C", "F"], "region": ["R1", "R2"],
                                "workers": [100, 20], "union": [1, 0], "equipment_age": [10.0, 3.0],
                                "technical_inspectors": [2, 0]})
    accidents = pd.DataFrame({"entity_id": ["A", "A", "A", "B", "B"],
                              "occurred_on": ["2024-02-10", "2024-02-20", "2023-12-01", "2024-04-30", "2024-05-02"],
                              "severity": ["serious", "light", "fatal", "fatal", "serious"]})
    violations = pd.DataFrame({
        "entity_id": ["A", "A", "B", "B"], "found_on": ["2024-01-05", "2024-02-01", "2023-11-20", "2024-03-03"],
        "severity": ["gross", "minor", "significant", "gross"], "due_on": ["2024-01-31", "2024-02-15", "2023-12-01", "2024-03-20"],
        "closed_on": ["2024-03-10", None, "2024-01-10", "2024-03-19"], "repeat": [0, 0, 0, 1]})
    reports = pd.DataFrame({"entity_id": ["A", "A", "B"], "received_on": ["2024-01-15", "2024-03-01", "2024-02-02"],
                            "urgency": ["imminent", "high", "normal"]})
    monitoring = pd.DataFrame({"entity_id": ["A", "A"], "occurred_on": ["2024-04-01", "2024-02-02"],
                               "kind": ["alarm", "exceedance"]})
    inspections = pd.DataFrame({"entity_id": ["A"], "inspected_on": ["2023-10-15"]})
    headcount = pd.DataFrame({"entity_id": ["A"], "period": ["2024-03"], "workers": [150]})
    return dict(enterprises=enterprises, accidents=accidents, violations=violations, reports=reports,
                monitoring=monitoring, inspections=inspections, headcount=headcount)


def test_build_panel_matches_hand_counts():
    panel = features.build_panel(start="2024-01", end="2024-04", **_records()).set_index(["entity_id", "period"])
    a, b = panel.loc["A"], panel.loc["B"]
    expected_a = {
        "workers": [100, 100, 150, 150], "cases": [0, 1, 0, 0], "light_cases_12m": [0, 1, 1, 1],
        "violations_3m": [1, 2, 2, 1], "violations_12m": [1, 2, 2, 2], "gross_violations_3m": [1, 1, 1, 0],
        "overdue_violations": [0, 2, 1, 1], "overdue_gross": [0, 1, 0, 0],
        "closure_days_12m": [NAN, NAN, 65, 65], "on_time_share_12m": [NAN, NAN, 0, 0],
        "imminent_reports_3m": [1, 1, 1, 0], "high_reports_3m": [0, 0, 1, 1], "reports_12m": [1, 1, 2, 2],
        "alarms_3m": [0, 0, 0, 1], "exceedances_3m": [0, 1, 1, 1], "months_since_inspection": [3, 4, 5, 6],
        "inspectors_per_100": [2, 2, 4 / 3, 4 / 3], "union": [1, 1, 1, 1], "equipment_age": [10, 10, 10, 10],
    }
    expected_b = {
        "cases": [0, 0, 0, 1], "violations_3m": [1, 0, 1, 1], "violations_12m": [1, 1, 2, 2],
        "significant_violations_3m": [1, 0, 0, 0], "overdue_violations": [0, 0, 0, 0],
        "closure_days_12m": [51, 51, 33.5, 33.5], "on_time_share_12m": [0, 0, 0.5, 0.5],
        "repeat_violations_12m": [0, 0, 1, 1], "reports_12m": [0, 1, 1, 1], "imminent_reports_3m": [0, 0, 0, 0],
        "months_since_inspection": [NAN] * 4,
    }
    for frame, expected in ((a, expected_a), (b, expected_b)):
        for column, values in expected.items():
            np.testing.assert_allclose(frame[column].to_numpy(float), values, err_msg=column)
    assert list(panel.columns[:4]) == ["workers", "cases", "sector", "region"]
    validate(panel.reset_index())  # a built panel is a valid panel


def test_build_panel_ignores_the_future():
    records = _records()
    base = features.build_panel(start="2024-01", end="2024-04", **records)
    later = {k: v.copy() for k, v in records.items()}
    later["violations"] = pd.concat([later["violations"], pd.DataFrame({
        "entity_id": ["A"], "found_on": ["2024-04-03"], "severity": ["gross"], "due_on": ["2024-04-05"],
        "closed_on": [None], "repeat": [1]})], ignore_index=True)
    later["reports"] = pd.concat([later["reports"], pd.DataFrame({
        "entity_id": ["B"], "received_on": ["2024-04-09"], "urgency": ["imminent"]})], ignore_index=True)
    changed = features.build_panel(start="2024-01", end="2024-04", **later)
    early = base["period"] < "2024-04"
    pd.testing.assert_frame_equal(base[early], changed[early])
    assert not base[~early].equals(changed[~early])


def test_build_panel_errors_name_table_row_and_column():
    records = _records()
    records["accidents"].loc[1, "severity"] = "minor"
    records["reports"].loc[0, "entity_id"] = "Z"
    records["violations"].loc[2, "closed_on"] = "soon"
    with pytest.raises(PanelError) as caught:
        features.build_panel(start="2024-01", end="2024-04", **records)
    where = {(p.row, p.column) for p in caught.value.problems}
    assert where == {(2, "accidents.severity"), (1, "reports.entity_id"), (3, "violations.closed_on")}


def test_build_panel_refuses_bad_months():
    with pytest.raises(PanelError, match="start: 'spring' is not a period"):
        features.build_panel(start="spring", end="2024-04", enterprises=_records()["enterprises"])
    with pytest.raises(PanelError, match="before the start"):
        features.build_panel(start="2024-05", end="2024-04", enterprises=_records()["enterprises"])


def _tiny():
    rows = []
    for entity, sector, workers, cases in (("e1", "S", 100, [1, 0, 2]), ("e2", "S", 300, [0, 0, 1]),
                                           ("e3", "T", 50, [0, 1, 0])):
        rows += [{"entity_id": entity, "period": str(t + 1), "workers": workers, "cases": c, "sector": sector}
                 for t, c in enumerate(cases)]
    return validate(pd.DataFrame(rows))


def test_history_features_by_hand():
    frame = features.model_frame(_tiny()).set_index(["entity_id", "period_index"])
    np.testing.assert_allclose(frame.loc["e1", "serious_cases_3m"], [1, 1, 3])
    np.testing.assert_allclose(frame.loc["e1", "months_since_serious"], [0, 1, 0])
    np.testing.assert_allclose(frame.loc["e2", "months_since_serious"], [NAN, NAN, 0])
    np.testing.assert_allclose(frame.loc["e3", "months_since_serious"], [NAN, 0, 1])
    np.testing.assert_allclose(frame.loc["e1", "target"], [0, 2, NAN])
    # National rate up to period 2 (index 1): 2 cases over 900 worker-periods (+0.5 case prior).
    national = 2.5 / 900
    sector_s = (1 + 0.5) / (800 + 0.5 / national)
    assert frame.loc[("e2", 1), "sector_rate"] == pytest.approx(1000 * sector_s)
    assert frame.loc[("e2", 1), "sector_rate_ratio"] == pytest.approx(sector_s / national)
    assert frame.loc[("e3", 1), "sector_rate"] == pytest.approx(1000 * (1 + 0.5) / (100 + 0.5 / national))


def test_history_features_ignore_the_future():
    table = synthetic.generate_panel(60, 20, seed=4)
    cut = sorted(table["period"].unique())[11]
    altered = table.copy()
    rng = np.random.default_rng(1)
    later = altered["period"] > cut
    altered.loc[later, "cases"] = rng.poisson(3.0, later.sum())
    altered.loc[later, "workers"] = altered.loc[later, "workers"] * 2
    a = features.model_frame(validate(table))
    b = features.model_frame(validate(altered))
    keep = a["period"] <= cut
    columns = [c for c in features.HISTORY_FEATURES if c in a.columns]
    pd.testing.assert_frame_equal(a.loc[keep, columns], b.loc[keep, columns])
    before = a["period"] < cut
    pd.testing.assert_series_equal(a.loc[before, "target"], b.loc[before, "target"])


def test_reserved_feature_names_are_refused():
    table = pd.DataFrame({"entity_id": ["x", "x"], "period": ["1", "2"], "workers": [5, 5], "cases": [0, 1],
                          "serious_cases_12m": [0, 0]})
    with pytest.raises(PanelError, match="computed from the case history"):
        features.model_frame(validate(table))


def test_gamma_poisson_posterior_matches_numerical_integration():
    from scipy import integrate, stats

    alpha, mu, y, exposure = 2.5, 0.004, 3, 400.0
    prior = stats.gamma(a=alpha, scale=mu / alpha)
    weight = lambda th: prior.pdf(th) * stats.poisson.pmf(y, th * exposure)  # noqa: E731
    upper = 0.1
    numerator = integrate.quad(lambda th: th * weight(th), 0, upper, points=[0.005, 0.01])[0]
    denominator = integrate.quad(weight, 0, upper, points=[0.005, 0.01])[0]
    got = shrinkage.posterior_rate(np.array([y]), np.array([exposure]), np.array([mu]), alpha)[0]
    assert got == pytest.approx(numerator / denominator, rel=1e-6)
    w = shrinkage.weight(np.array([exposure]), np.array([mu]), alpha)[0]
    assert got == pytest.approx(w * y / exposure + (1 - w) * mu)


def test_moment_alpha_recovers_overdispersion():
    rng = np.random.default_rng(0)
    alpha, n = 1.5, 200_000
    expected = rng.uniform(0.5, 5.0, n)
    theta = rng.gamma(alpha, 1 / alpha, n) * expected
    estimate = shrinkage.moment_alpha(rng.poisson(theta), expected)
    assert estimate == pytest.approx(alpha, rel=0.05)
    assert shrinkage.moment_alpha(rng.poisson(expected), expected) > 20  # pure Poisson: next to no spread


def test_catalogue_covers_every_feature_built():
    ids = {f.id for f in features.CATALOGUE}
    built = features.build_panel(start="2024-01", end="2024-04", **_records())
    assert set(built.columns) - {"entity_id", "period", "workers", "cases", "sector", "region"} <= ids
    assert set(synthetic.PANEL_FEATURES) <= ids
    records = features.catalogue_records()
    assert all(r["label"] and r["description"] and r["source"] and r["direction"] for r in records)

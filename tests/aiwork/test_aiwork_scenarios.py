"""Adoption scenarios: the logistic curve, hand-computed jobs at risk and transformed, assumption checks."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from qorgau.aiwork import employment, scenarios


def test_logistic_curve_by_hand():
    values = scenarios.adoption_share([2030, 2032, 2034], 0.8, 2032, 0.5)
    assert values[1] == pytest.approx(0.4)
    assert values[0] == pytest.approx(0.8 / (1 + math.e))
    assert values[2] == pytest.approx(0.8 / (1 + math.exp(-1)))


def test_hand_computed_run():
    # 4132 (gradient 4) 1000 jobs in K, 7212 (not exposed) 500 jobs in C.
    raw = pd.DataFrame({"isco08": ["4132", "7212"], "employed": [1000, 500], "sector": ["K", "C"]})
    table = employment.validate(raw, dims=["sector"])
    assumptions = scenarios.load_assumptions("central", start_year=2028, end_year=2028)
    ceiling, midpoint, steepness = assumptions.curve("K")
    assert (ceiling, midpoint, steepness) == (0.85, 2028, 0.7)
    result = scenarios.run(table, assumptions)
    total = result.totals.iloc[0]
    adoption = 0.85 / 2  # at the midpoint year
    assert total["at_risk"] == pytest.approx(1000 * adoption * 0.25)
    assert total["transformed"] == pytest.approx(1000 * adoption * 0.75)
    assert total["share_at_risk"] == pytest.approx(1000 * adoption * 0.25 / 1500)
    assert result.assumptions["scenario"] == "central" and result.assumptions["effects"]


def test_unknown_sector_falls_back_to_default_curve_and_no_sector_column_works():
    assumptions = scenarios.load_assumptions("slow")
    assert assumptions.curve("Z") == assumptions.curve("*")
    table = employment.validate(pd.DataFrame({"isco08": ["4132"], "employed": [10]}))
    result = scenarios.run(table, assumptions)
    assert set(result.detail["sector"]) == {"*"}
    assert (result.totals["at_risk"].diff().dropna() > 0).all()  # adoption only grows


def test_faster_scenarios_put_more_jobs_at_risk():
    table = employment.validate(pd.DataFrame({"isco08": ["4132", "2411"], "employed": [10, 10],
                                              "sector": ["K", "J"]}), dims=["sector"])
    at_risk = {name: scenarios.run(table, scenarios.load_assumptions(name)).totals["at_risk"].iloc[-1]
               for name in scenarios.SCENARIOS}
    assert at_risk["slow"] < at_risk["central"] < at_risk["fast"]


def test_edited_assumptions_are_checked_and_reported():
    base = scenarios.load_assumptions()
    edited = scenarios.with_changes(base, adoption={"K": {"ceiling": 0.95}, "Z": {"ceiling": 0.1}},
                                    effects={"4": {"displaced_share": 0.5, "transformed_share": 0.5}})
    assert edited.curve("K")[0] == 0.95 and edited.curve("Z")[0] == 0.1
    assert "edited" in edited.to_dict()["notes"]
    with pytest.raises(scenarios.ScenarioError, match="class 4"):
        scenarios.with_changes(base, effects={"4": {"displaced_share": 0.7, "transformed_share": 0.5}})
    with pytest.raises(scenarios.ScenarioError, match="ceiling"):
        scenarios.with_changes(base, adoption={"A": {"ceiling": 1.5}})
    with pytest.raises(scenarios.ScenarioError):
        scenarios.load_assumptions("instant")

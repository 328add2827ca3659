"""Inspection plan: capacity and random share respected, reasons from contributions, decisions."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from qorgau.risk import synthetic
from qorgau.risk.forecaster import Explanation
from qorgau.risk.panel import validate
from qorgau.risk.plan import Capacity, PlanError, decide, forecast, make_plan
from qorgau.risk.states import PickStatus


@pytest.fixture(scope="module")
def scored():
    return forecast(validate(synthetic.generate_panel(300, 15, seed=8)), rounds=30, params={"num_threads": 1})


def test_capacity_arithmetic():
    assert Capacity(10, 20).inspections == 100  # 0.5 inspections per inspector-day by default
    assert Capacity(3, 7, 1.0).inspections == 21
    assert Capacity(3, 5, 0.3).inspections == 4  # 4.5 rounds down: never more than capacity
    with pytest.raises(PlanError, match="inspectors"):
        make_plan(pd.DataFrame(), Capacity(-1, 5), None)


@pytest.mark.parametrize(("inspectors", "days", "share"), [(4, 10, 0.1), (3, 7, 0.25), (1, 1, 0.1), (50, 20, 0.1)])
def test_plan_respects_capacity_and_random_share(scored, inspectors, days, share):
    capacity = Capacity(inspectors, days)
    plan = make_plan(scored.scored, capacity, scored.model.explain, random_share=share, seed=3)
    total = min(capacity.inspections, len(scored.scored))
    assert len(plan.picks) == total
    randoms = [p for p in plan.picks if p.kind == "random_audit"]
    assert len(randoms) == int(np.floor(total * share + 0.5))
    ids = [p.entity_id for p in plan.picks]
    assert len(set(ids)) == len(ids)
    risk = [p for p in plan.picks if p.kind == "risk"]
    # Risk picks are exactly the top of the ranking; random ones come from outside it.
    assert [p.rank for p in risk] == list(range(1, len(risk) + 1))
    assert all(p.rank > len(risk) for p in randoms)
    assert not {p.entity_id for p in plan.reserve} & set(ids)
    assert all(p.explanation.startswith("Random audit") for p in randoms)


def test_no_capacity_no_picks(scored):
    plan = make_plan(scored.scored, Capacity(0, 10), scored.model.explain, reserve_size=0)
    assert plan.picks == [] and plan.reserve == [] and plan.to_dict()["expected_prevented"] == 0


def test_random_audit_is_seeded(scored):
    a = make_plan(scored.scored, Capacity(5, 10), scored.model.explain, seed=1)
    b = make_plan(scored.scored, Capacity(5, 10), scored.model.explain, seed=1)
    c = make_plan(scored.scored, Capacity(5, 10), scored.model.explain, seed=2)
    ids = lambda plan: [p.entity_id for p in plan.picks if p.kind == "random_audit"]  # noqa: E731
    assert ids(a) == ids(b) and ids(a) != ids(c)


def test_expected_prevented_is_effectiveness_times_cases_times_horizon(scored):
    plan = make_plan(scored.scored, Capacity(2, 5), scored.model.explain, effectiveness=0.09, horizon=60)
    top = plan.picks[0]
    assert top.expected_prevented == pytest.approx(0.09 * top.expected_cases * 60)
    assert top.expected_cases == pytest.approx(scored.scored["expected_cases"].max())


def test_reasons_come_from_the_largest_positive_contributions():
    scored = pd.DataFrame({"entity_id": ["a", "b"], "workers": [50, 50], "expected_cases": [0.5, 0.1],
                           "overdue_gross": [3.0, 0.0],
                           "imminent_reports_3m": [2.0, 0.0], "sector_rate_ratio": [2.08, 1.0], "union": [1.0, 0.0]})
    contributions = pd.DataFrame({"overdue_gross": [0.9, -0.1], "imminent_reports_3m": [0.4, 0.0],
                                  "sector_rate_ratio": [0.6, 0.0], "union": [-0.3, 0.01]})
    explanation = Explanation(contributions, -3.0, np.log(np.array([50.0, 50.0]) * 0.001), np.zeros(2))
    asked = []

    def explain(rows: pd.DataFrame) -> Explanation:
        asked.append(rows["entity_id"].tolist())
        return explanation

    plan = make_plan(scored, Capacity(1, 4), explain, random_share=0.0, reserve_size=1)
    assert asked == [["a", "b"]]  # picks then reserve, explained in one call
    first = plan.picks[0]
    assert [r.feature for r in first.reasons] == ["overdue_gross", "sector_rate_ratio", "imminent_reports_3m"]
    assert first.explanation == ("Risk rank 1 of 2: Overdue gross violations: 3; Sector rate relative to national: "
                                 "2.1×; Imminent-danger reports, last 3 months: 2")
    assert first.reasons[0].factor == pytest.approx(np.exp(0.9))
    assert plan.picks[1].reasons == []  # +1% is not a reason


def test_decisions_keep_within_capacity(scored):
    plan = make_plan(scored.scored, Capacity(2, 5), scored.model.explain, seed=0)
    first, second = plan.picks[0].entity_id, plan.picks[1].entity_id
    replacement = plan.reserve[0].entity_id
    plan = decide(plan, first, "accept")
    plan = decide(plan, second, "swap", replacement)
    assert [p.status for p in plan.picks[:2]] == [PickStatus.ACCEPTED, PickStatus.SWAPPED]
    assert plan.picks[-1].entity_id == replacement and plan.picks[-1].kind == "swap"
    assert len(plan.active) == Capacity(2, 5).inspections
    assert replacement not in {p.entity_id for p in plan.reserve}
    plan = decide(plan, plan.picks[2].entity_id, "reject")
    assert len(plan.active) == Capacity(2, 5).inspections - 1
    with pytest.raises(PlanError, match="reserve"):
        decide(plan, first, "swap", "nobody")
    with pytest.raises(PlanError, match="not in the plan"):
        decide(plan, "nobody", "accept")

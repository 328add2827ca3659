"""The needs scale: weights, thresholds, monotonicity, and that a missing answer is never read as no need."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qorgau.support import scale

HEALTH = list(scale.HEALTH)
HOUSING = list(scale.HOUSING)
EMPLOYMENT = list(scale.EMPLOYMENT)

answers = st.builds(
    scale.Answers,
    household_income=st.integers(0, 2_000_000), household_size=st.integers(1, 10), dependants=st.integers(0, 8),
    health=st.sampled_from(HEALTH), housing=st.sampled_from(HOUSING), debt_payment=st.integers(0, 500_000),
    debt_overdue=st.booleans(), employment=st.sampled_from(EMPLOYMENT))


def test_weights_sum_to_one_and_levels_cut_the_unit_interval():
    assert sum(c.weight for c in scale.CRITERIA) == pytest.approx(1.0)
    assert [scale.level_of(x) for x in (0.0, 0.19, 0.2, 0.39, 0.4, 0.59, 0.6, 0.79, 0.8, 1.0)] == \
        ["A", "A", "B", "B", "C", "C", "D", "D", "E", "E"]


def test_a_worked_example():
    # 2 people on 90,000 a month against a minimum of 50,000: 45,000 per person, ratio 0.9 -> 0.75
    result = scale.assess(scale.Answers(household_income=90_000, household_size=2, dependants=1, health="none",
                                        housing="rented", debt_payment=30_000, employment="unemployed_short"),
                          subsistence_minimum=50_000)
    assert result.scores == {"income": 0.75, "dependants": 0.25, "health": 0.0, "housing": 0.4, "debt": 0.5,
                             "employment": 0.75}
    # 0.3*0.75 + 0.15*0.25 + 0 + 0.1*0.4 + 0.1*0.5 + 0.15*0.75 = 0.465
    assert result.points == pytest.approx(0.465)
    assert result.level == "C"


@given(answers)
def test_points_stay_in_the_unit_interval(a):
    result = scale.assess(a, subsistence_minimum=50_000)
    assert 0.0 <= result.points <= 1.0
    assert sum(result.weights_used.values()) == pytest.approx(1.0)


@given(answers, st.sampled_from(["health", "housing", "employment"]))
def test_a_worse_answer_never_gives_a_better_level(a, criterion):
    table = {"health": scale.HEALTH, "housing": scale.HOUSING, "employment": scale.EMPLOYMENT}[criterion]
    worst = max(table, key=table.get)
    before = scale.assess(a, subsistence_minimum=50_000)
    setattr(a, criterion, worst)
    after = scale.assess(a, subsistence_minimum=50_000)
    assert after.points >= before.points - 1e-9
    assert scale.LEVELS.index(after.level) >= scale.LEVELS.index(before.level)


@given(answers, st.integers(1, 1_000_000))
def test_less_income_never_gives_a_better_level(a, cut):
    before = scale.assess(a, subsistence_minimum=50_000)
    a.household_income = max(0, (a.household_income or 0) - cut)
    after = scale.assess(a, subsistence_minimum=50_000)
    assert after.points >= before.points - 1e-9


@given(answers)
def test_a_missing_answer_is_left_out_not_read_as_no_need(a):
    """Without the subsistence minimum, income is not assessed: the level comes from the other criteria with
    their weights scaled up, which differs from scoring income as 0 (no need) whenever others show need."""
    result = scale.assess(a, subsistence_minimum=None)
    assert "income" in result.not_assessed and "income" not in result.scores
    others = sum(scale.WEIGHTS[k] * s for k, s in result.scores.items())
    assert result.points == pytest.approx(others / (1 - scale.WEIGHTS["income"]), abs=1e-3)
    assert result.points >= others - 1e-9  # never lower than reading the missing answer as "no need"


def test_too_few_answers_and_bad_answers_are_refused():
    with pytest.raises(scale.ScaleError) as error:
        scale.assess(scale.Answers(employment="employed", housing="own"), subsistence_minimum=50_000)
    assert error.value.field == "household_income"
    with pytest.raises(scale.ScaleError) as error:
        scale.assess(scale.Answers(housing="own", dependants=1, health="none"), subsistence_minimum=50_000)
    assert error.value.field == "employment"
    with pytest.raises(scale.ScaleError) as error:
        scale.assess(scale.Answers(employment="retired", housing="own", dependants=0), subsistence_minimum=50_000)
    assert error.value.field == "employment"
    with pytest.raises(scale.ScaleError) as error:
        scale.assess(scale.Answers(employment="employed", household_size=0, household_income=1, dependants=0),
                     subsistence_minimum=50_000)
    assert error.value.field == "household_size"

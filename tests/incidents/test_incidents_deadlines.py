"""The investigation clock with Kazakhstan's holidays: working days, categories, due dates, overdue flags."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from qorgau.incidents.engine.calendar_kz import Calendar, holidays
from qorgau.incidents.engine.deadlines import DeadlineError, InvestigationDates, classify, investigation_clock
from qorgau.incidents.states import StepStatus


def test_2026_days_off_follow_the_weekend_rule():
    days = holidays(2026)
    # 8 March is a Sunday: Monday 9 March is off. Nauryz 21-22 March fall on the weekend: 24 and 25 March off.
    # 30 August 2026 is no longer Constitution Day (moved to 15 March from 2027), so 31 August is not off.
    for day in ("2026-03-09", "2026-03-23", "2026-03-24", "2026-03-25", "2026-05-11", "2026-05-27",
                "2026-10-26"):
        assert date.fromisoformat(day) in days
    # Orthodox Christmas and Kurban Ait are not moved when they fall on a weekend.
    assert days[date(2026, 1, 7)] == "orthodox_christmas" and days[date(2026, 5, 27)] == "kurban_ait"


def test_government_transfers_2024_and_2025():
    calendar = Calendar()
    assert not calendar.is_working_day(date(2024, 5, 8)) and calendar.is_working_day(date(2024, 5, 4))
    assert not calendar.is_working_day(date(2025, 1, 3)) and calendar.is_working_day(date(2025, 1, 5))


def test_working_days_count_per_year():
    calendar = Calendar()
    # Weekdays minus weekday holidays, plus worked weekend days: 262 - 14 + 1 in 2024; 261 - 14 in 2026 (no
    # Constitution Day in 2026, so Monday 31 August is worked).
    assert calendar.working_days_between(date(2023, 12, 31), date(2024, 12, 31)) == 249
    assert calendar.working_days_between(date(2025, 12, 31), date(2026, 12, 31)) == 247
    assert calendar.working_hours_fund(2026) == 247 * 8
    assert calendar.approximate_years == set()


def test_ten_working_days_across_nauryz_2026():
    calendar = Calendar()
    # Commission formed Thursday 19 March 2026. Working days after it: 20, 26, 27, 30, 31 March, 1, 2, 3, 6, 7 April.
    assert calendar.add_working_days(date(2026, 3, 19), 10) == date(2026, 4, 7)
    assert calendar.add_working_days(date(2026, 3, 19), 0) == date(2026, 3, 19)


def test_years_outside_the_list_are_flagged_approximate():
    calendar = Calendar()
    calendar.add_working_days(date(2027, 12, 28), 5)
    assert calendar.approximate_years == {2028}
    extra = Calendar(extra_days_off=[date(2027, 12, 30)])
    assert extra.add_working_days(date(2027, 12, 28), 2) == date(2027, 12, 31)


@pytest.mark.parametrize("victims,fatal,serious,category,special,commission", [
    (1, 0, 0, "light", False, "employer"),
    (1, 0, 1, "serious", True, "territorial_inspector"),
    (1, 1, 0, "fatal", True, "territorial_inspector"),
    (3, 0, 0, "group", True, "territorial_inspector"),
    (2, 2, 0, "fatal", True, "chief_regional_inspector"),
    (5, 4, 1, "fatal", True, "ministry"),
    (9, 6, 0, "fatal", True, "government"),
])
def test_categories_and_commission_levels(victims, fatal, serious, category, special, commission):
    result = classify(victims, fatal, serious)
    assert (result.category, result.special_investigation, result.commission) == (category, special, commission)
    if victims >= 2:
        assert "group" in result.categories


def test_classification_rejects_impossible_counts():
    with pytest.raises(DeadlineError):
        classify(1, 1, 1)
    with pytest.raises(DeadlineError):
        classify(0)
    assert classify(1, acute_poisoning=True).special_investigation


def test_clock_flags_late_and_overdue_steps():
    dates = InvestigationDates(
        occurred_at=datetime(2026, 3, 18, 10, 0),
        notified_at=datetime(2026, 3, 19, 12, 0),  # 26 hours later: late
        insurer_notified_on=date(2026, 3, 20),
        severity_conclusion_at=datetime(2026, 3, 18, 16, 0),
        commission_formed_at=datetime(2026, 3, 19, 9, 0),
        extensions=0,
    )
    clock = investigation_clock(classify(1, 1), dates, now=datetime(2026, 4, 8, 9, 0))
    steps = {s.code: s for s in clock.steps}
    assert steps["notify_authorities"].status == StepStatus.DONE_LATE
    assert steps["notify_insurer"].due == date(2026, 3, 26) and steps["notify_insurer"].status == StepStatus.DONE
    assert steps["form_commission"].status == StepStatus.DONE
    assert steps["investigation"].due == date(2026, 4, 7) and steps["investigation"].status == StepStatus.OVERDUE
    assert steps["send_act"].status == StepStatus.WAITING and steps["police_referral"].status == StepStatus.WAITING
    assert clock.overdue == ["notify_authorities", "investigation"]


def test_extensions_and_completion():
    dates = InvestigationDates(occurred_at=datetime(2025, 6, 2, 8), notified_at=datetime(2025, 6, 2, 9),
                               insurer_notified_on=date(2025, 6, 3), commission_formed_at=datetime(2025, 6, 3, 9),
                               extensions=1, completed_on=date(2025, 7, 1), act_sent_on=date(2025, 7, 7))
    clock = investigation_clock(classify(1), dates, now=datetime(2025, 7, 10))
    steps = {s.code: s for s in clock.steps}
    # 20 working days after 3 June 2025, skipping Kurban Ait (6 June): 2 July.
    assert steps["investigation"].due == date(2025, 7, 2) and steps["investigation"].status == StepStatus.DONE
    # The act: 3 working days after 1 July are 2, 3 and 4 July; sent on the 7th, late. Copies not issued: overdue.
    assert steps["send_act"].due == date(2025, 7, 4) and steps["send_act"].status == StepStatus.DONE_LATE
    assert steps["issue_copies"].status == StepStatus.OVERDUE
    assert "police_referral" not in steps  # not a special investigation
    with pytest.raises(DeadlineError, match="at most 2"):
        investigation_clock(classify(1), InvestigationDates(occurred_at=datetime(2025, 6, 2), extensions=3),
                            now=datetime(2025, 6, 3))
    with pytest.raises(DeadlineError, match="before the accident"):
        investigation_clock(classify(1), InvestigationDates(occurred_at=datetime(2025, 6, 2),
                                                            notified_at=datetime(2025, 6, 1)), now=datetime(2025, 6, 3))


def test_late_reported_accident_runs_from_the_application():
    dates = InvestigationDates(occurred_at=datetime(2025, 1, 10), application_registered_on=date(2025, 3, 3))
    clock = investigation_clock(classify(1), dates, now=datetime(2025, 3, 4))
    step = next(s for s in clock.steps if s.code == "investigation")
    # After 3 March 2025: 4-7, 10 (Monday after 8 March, a Saturday: day off), so 11-14 and 17, 18 March.
    assert step.due == date(2025, 3, 18) and step.basis == "art. 189 p.2" and step.status == StepStatus.PENDING
    assert step.as_dict()["due"] == "2025-03-18"


def test_constitution_day_follows_the_2026_amendment():
    """The law moved Constitution Day from 30 August to 15 March (from 2027; none in 2026): the hand-written
    calendar had 31 August 2026 off (30 August a Sunday) and 15 March 2027 as a working day."""
    calendar = Calendar()
    assert calendar.is_working_day(date(2026, 8, 31))
    assert date(2026, 8, 30) not in holidays(2026)
    assert not calendar.is_working_day(date(2027, 3, 15))
    assert holidays(2027)[date(2027, 3, 15)] == "constitution_day"
    assert date(2025, 9, 1) in holidays(2025)  # 30 August 2025 a Saturday: moved to Monday under the old date


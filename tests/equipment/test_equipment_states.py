"""The legal moves of a re-equipment plan item (the item's condition has its own test)."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.equipment.models import PLAN_MOVES, PlanStatus


def test_a_plan_item_may_go_back_to_planned_while_open_and_is_final_once_done_or_cancelled():
    assert PLAN_MOVES.move(PlanStatus.planned, PlanStatus.in_progress) == PlanStatus.in_progress
    assert PLAN_MOVES.move(PlanStatus.in_progress, PlanStatus.planned) == PlanStatus.planned
    assert PLAN_MOVES.move(PlanStatus.planned, PlanStatus.done) == PlanStatus.done
    for final in (PlanStatus.done, PlanStatus.cancelled):
        assert PLAN_MOVES.is_final(final)
        with pytest.raises(Conflict):
            PLAN_MOVES.move(final, PlanStatus.in_progress)

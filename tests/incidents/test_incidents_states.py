"""The status of an investigation step follows its table as time passes and dates are recorded."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from qorgau.core.errors import Conflict
from qorgau.incidents.engine.deadlines import step_status
from qorgau.incidents.states import STEP_MOVES, StepStatus


def test_the_table():
    assert STEP_MOVES.next_states(StepStatus.PENDING) == [StepStatus.OVERDUE, StepStatus.DONE]
    assert STEP_MOVES.is_final(StepStatus.DONE) and STEP_MOVES.is_final(StepStatus.DONE_LATE)
    for illegal in [(StepStatus.OVERDUE, StepStatus.DONE), (StepStatus.DONE_LATE, StepStatus.DONE),
                    (StepStatus.DONE, StepStatus.PENDING)]:
        with pytest.raises(Conflict):
            STEP_MOVES.move(*illegal)


@pytest.mark.parametrize("done_after", [None, 3, 12])
def test_computed_statuses_only_make_legal_moves(done_after):
    """Day by day: no due date yet, then a due date (day 5), then done on `done_after` (or never)."""
    start = date(2026, 3, 2)
    previous = None
    for day in range(20):
        now = start + timedelta(days=day)
        due = start + timedelta(days=10) if day >= 5 else None
        done = start + timedelta(days=done_after) if done_after is not None and day >= done_after else None
        status = step_status(due, done, now)
        if previous is not None and status != previous:
            assert STEP_MOVES.allowed(previous, status), (day, previous, status)
        previous = status
    assert previous == {None: StepStatus.OVERDUE, 3: StepStatus.DONE, 12: StepStatus.DONE_LATE}[done_after]

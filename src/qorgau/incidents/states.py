"""The status of a step of the investigation clock (Labour Code art. 187-190).

A step's status is computed from its due date, the day it was done and today; the table says how it may
evolve as time passes and dates are recorded: a step waits until an earlier step gives it a due date (or is
done before it has one), is pending until due, then overdue; done on time or done late are final.
"""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.states import Transitions


class StepStatus(StrEnum):
    WAITING = "waiting"
    PENDING = "pending"
    OVERDUE = "overdue"
    DONE = "done"
    DONE_LATE = "done_late"


STEP_MOVES = Transitions(StepStatus, {
    StepStatus.WAITING: {StepStatus.PENDING, StepStatus.OVERDUE, StepStatus.DONE},
    StepStatus.PENDING: {StepStatus.OVERDUE, StepStatus.DONE},
    StepStatus.OVERDUE: {StepStatus.DONE_LATE},
})
LATE = frozenset({StepStatus.OVERDUE, StepStatus.DONE_LATE})

"""The state machines of a retraining plan and of a worker's progress on it."""

from __future__ import annotations

import pytest

from qorgau.aiwork.states import (
    AGREED_OR_LATER,
    PLAN_MOVES,
    SHOWN_TO_EMPLOYER,
    WITH_WORKERS,
    WORKER_MOVES,
    PlanStatus,
    WorkerProgress,
)
from qorgau.core.errors import Conflict, ValidationFailed


def test_a_plan_is_proposed_agreed_carried_out_or_abandoned():
    status = PlanStatus.DRAFT
    for target in ("proposed", "agreed", "in_progress", "done"):
        status = PLAN_MOVES.move(status, target)
    assert status == PlanStatus.DONE and PLAN_MOVES.is_final(status)
    assert PLAN_MOVES.move("proposed", "draft") == PlanStatus.DRAFT  # withdrawn or returned
    for before_done in (PlanStatus.DRAFT, PlanStatus.PROPOSED, PlanStatus.AGREED, PlanStatus.IN_PROGRESS):
        assert PLAN_MOVES.allowed(before_done, PlanStatus.ABANDONED)
    with pytest.raises(Conflict):
        PLAN_MOVES.move(PlanStatus.DRAFT, PlanStatus.AGREED)  # the employer agrees to a proposal only
    with pytest.raises(Conflict):
        PLAN_MOVES.move(PlanStatus.DONE, PlanStatus.ABANDONED)
    with pytest.raises(ValidationFailed):
        PLAN_MOVES.parse("signed")
    assert PlanStatus.DRAFT not in SHOWN_TO_EMPLOYER
    assert set(WITH_WORKERS) < set(AGREED_OR_LATER)


def test_a_worker_moves_on_one_step_at_a_time_or_leaves():
    state = WorkerProgress.ENROLLED
    for target in ("training", "completed", "placed"):
        state = WORKER_MOVES.move(state, target)
    assert WORKER_MOVES.is_final(state)
    for before in (WorkerProgress.ENROLLED, WorkerProgress.TRAINING, WorkerProgress.COMPLETED):
        assert WORKER_MOVES.allowed(before, WorkerProgress.LEFT)
    with pytest.raises(Conflict):
        WORKER_MOVES.move(WorkerProgress.ENROLLED, WorkerProgress.PLACED)
    with pytest.raises(Conflict):
        WORKER_MOVES.move(WorkerProgress.LEFT, WorkerProgress.TRAINING)

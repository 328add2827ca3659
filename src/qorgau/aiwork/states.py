"""The states of a retraining plan and of an affected worker's progress on it, with their legal moves.

draft → proposed to the employer → agreed (the employer's signatory and the date of signature) → in progress
→ done, or abandoned with a reason at any point before done; a proposal can go back to draft. A worker is
enrolled → in training → training completed → working in the new occupation, or leaves the programme."""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.states import Transitions


class PlanStatus(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"
    AGREED = "agreed"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    ABANDONED = "abandoned"


PLAN_MOVES = Transitions(PlanStatus, {
    PlanStatus.DRAFT: {PlanStatus.PROPOSED, PlanStatus.ABANDONED},
    PlanStatus.PROPOSED: {PlanStatus.AGREED, PlanStatus.DRAFT, PlanStatus.ABANDONED},
    PlanStatus.AGREED: {PlanStatus.IN_PROGRESS, PlanStatus.ABANDONED},
    PlanStatus.IN_PROGRESS: {PlanStatus.DONE, PlanStatus.ABANDONED},
})
WITH_WORKERS = (PlanStatus.AGREED, PlanStatus.IN_PROGRESS)  # progress is recorded from agreement until done
AGREED_OR_LATER = (PlanStatus.AGREED, PlanStatus.IN_PROGRESS, PlanStatus.DONE)
# "From proposed on": the statuses in which the employer sees a plan the union drafted.
SHOWN_TO_EMPLOYER = tuple(s for s in PlanStatus if s != PlanStatus.DRAFT)


class WorkerProgress(StrEnum):
    ENROLLED = "enrolled"
    TRAINING = "training"
    COMPLETED = "completed"
    PLACED = "placed"  # working in the target occupation
    LEFT = "left"  # left the programme


WORKER_MOVES = Transitions(WorkerProgress, {
    WorkerProgress.ENROLLED: {WorkerProgress.TRAINING, WorkerProgress.LEFT},
    WorkerProgress.TRAINING: {WorkerProgress.COMPLETED, WorkerProgress.LEFT},
    WorkerProgress.COMPLETED: {WorkerProgress.PLACED, WorkerProgress.LEFT},
})

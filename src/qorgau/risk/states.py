"""The statuses of the risk capability: a pick of an inspection plan, and a model run.

A pick is proposed by the model (or drawn by lot), or waits on the reserve list. The inspector accepts or
rejects it (and may change their mind), or swaps it for a reserve enterprise: the swapped-out pick is final,
the reserve one comes in accepted. A model run is recorded once, trained or with too little data, and never
changes after.
"""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.states import Transitions


class PickStatus(StrEnum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    SWAPPED = "swapped"
    RESERVE = "reserve"


DECIDABLE = {PickStatus.PROPOSED, PickStatus.ACCEPTED, PickStatus.REJECTED}
ACTIVE = frozenset({PickStatus.PROPOSED, PickStatus.ACCEPTED})  # still planned to be visited

PICK_MOVES = Transitions(PickStatus, {
    **{status: {PickStatus.ACCEPTED, PickStatus.REJECTED, PickStatus.SWAPPED} for status in DECIDABLE},
    PickStatus.RESERVE: {PickStatus.ACCEPTED},
})


class RunStatus(StrEnum):
    TRAINED = "trained"
    INSUFFICIENT_DATA = "insufficient_data"


RUN_MOVES = Transitions(RunStatus, {})  # a run's outcome is final

"""The state machines of the risk capability: a pick of an inspection plan, and a model run."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.risk.states import PICK_MOVES, RUN_MOVES, PickStatus, RunStatus


def test_a_pick_is_decided_and_a_swapped_pick_is_final():
    for status in (PickStatus.PROPOSED, PickStatus.ACCEPTED, PickStatus.REJECTED):
        assert PICK_MOVES.next_states(status) == [PickStatus.ACCEPTED, PickStatus.REJECTED, PickStatus.SWAPPED]
    assert PICK_MOVES.move(PickStatus.RESERVE, "accepted") == PickStatus.ACCEPTED  # swapped in
    assert PICK_MOVES.is_final(PickStatus.SWAPPED)
    for illegal in [(PickStatus.SWAPPED, PickStatus.ACCEPTED), (PickStatus.RESERVE, PickStatus.REJECTED),
                    (PickStatus.PROPOSED, PickStatus.RESERVE)]:
        with pytest.raises(Conflict):
            PICK_MOVES.move(*illegal)


def test_a_model_run_never_changes_its_outcome():
    assert all(RUN_MOVES.is_final(status) for status in RunStatus)
    with pytest.raises(Conflict):
        RUN_MOVES.move(RunStatus.INSUFFICIENT_DATA, RunStatus.TRAINED)
    assert RunStatus.TRAINED == "trained"  # stored as the plain string

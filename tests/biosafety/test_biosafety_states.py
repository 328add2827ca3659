"""The legal moves of an infection cluster's alert."""

from __future__ import annotations

import pytest

from qorgau.biosafety.states import CLUSTER_MOVES, ClusterStatus
from qorgau.core.errors import Conflict


def test_an_alert_is_confirmed_or_dismissed_and_only_a_dismissed_one_reopens():
    assert CLUSTER_MOVES.next_states(ClusterStatus.OPEN) == [ClusterStatus.CONFIRMED, ClusterStatus.DISMISSED]
    assert CLUSTER_MOVES.move(ClusterStatus.CONFIRMED, ClusterStatus.DISMISSED) == ClusterStatus.DISMISSED
    assert CLUSTER_MOVES.move(ClusterStatus.DISMISSED, ClusterStatus.OPEN) == ClusterStatus.OPEN
    with pytest.raises(Conflict):
        CLUSTER_MOVES.move(ClusterStatus.CONFIRMED, ClusterStatus.OPEN)
    with pytest.raises(Conflict):
        CLUSTER_MOVES.move(ClusterStatus.OPEN, ClusterStatus.OPEN)

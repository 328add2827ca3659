"""The legal moves of a practice through its two review steps."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.knowledge.models import MOVES, Status


def test_a_practice_is_published_only_after_both_steps_and_withdrawal_is_final():
    with pytest.raises(Conflict):
        MOVES.move(Status.DRAFT, Status.PUBLISHED)
    with pytest.raises(Conflict):
        MOVES.move(Status.SUBMITTED, Status.PUBLISHED)
    assert MOVES.move(Status.REVIEWED, Status.PUBLISHED) == Status.PUBLISHED
    assert MOVES.move(Status.PUBLISHED, Status.DRAFT) == Status.DRAFT  # a new version goes through again
    assert MOVES.is_final(Status.WITHDRAWN)

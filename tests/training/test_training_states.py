"""The legal moves of an enrolment."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.training.models import ENROLMENT_FLOW, EnrolmentStatus


def test_an_enrolment_moves_forward_only_and_ends_completed_or_withdrawn():
    assert ENROLMENT_FLOW.move(EnrolmentStatus.enrolled, EnrolmentStatus.in_progress) == EnrolmentStatus.in_progress
    assert ENROLMENT_FLOW.move(EnrolmentStatus.in_progress, EnrolmentStatus.completed) == EnrolmentStatus.completed
    with pytest.raises(Conflict):
        ENROLMENT_FLOW.move(EnrolmentStatus.in_progress, EnrolmentStatus.enrolled)
    for final in (EnrolmentStatus.completed, EnrolmentStatus.withdrawn):
        assert ENROLMENT_FLOW.is_final(final)
        with pytest.raises(Conflict):
            ENROLMENT_FLOW.move(final, EnrolmentStatus.in_progress)

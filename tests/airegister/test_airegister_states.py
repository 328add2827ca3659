"""The register's state machines: a filing's procedure and a condition of approval."""

from __future__ import annotations

import pytest

from qorgau.airegister.models import (
    APPROVED,
    CONDITION_MOVES,
    DECIDED,
    FILING_MOVES,
    OPEN,
    PUBLIC_STATUSES,
    ConditionStatus,
    FilingStatus,
)
from qorgau.core.errors import Conflict, ValidationFailed


def test_a_filing_goes_from_draft_through_review_and_vote_to_a_decision():
    status = FilingStatus.DRAFT
    for target in (FilingStatus.UNDER_REVIEW, FilingStatus.VOTING, FilingStatus.APPROVED_WITH_CONDITIONS):
        status = FILING_MOVES.move(status, target)
    assert status == "approved_with_conditions"
    # a change after the decision sends it back for review; a change during the vote restarts the vote
    assert FILING_MOVES.move(status, "under_review") == FilingStatus.UNDER_REVIEW
    assert FILING_MOVES.move("voting", "under_review") == FilingStatus.UNDER_REVIEW


def test_only_a_vote_decides_and_a_withdrawn_filing_stays_withdrawn():
    for decided in DECIDED:
        assert FILING_MOVES.next_states(FilingStatus.VOTING).count(decided) == 1
        for start in (FilingStatus.DRAFT, FilingStatus.UNDER_REVIEW):
            assert not FILING_MOVES.allowed(start, decided)
    assert FILING_MOVES.is_final(FilingStatus.WITHDRAWN)
    with pytest.raises(Conflict):
        FILING_MOVES.move(FilingStatus.WITHDRAWN, FilingStatus.UNDER_REVIEW)
    with pytest.raises(Conflict):
        FILING_MOVES.move(FilingStatus.APPROVED, FilingStatus.REJECTED)
    with pytest.raises(ValidationFailed):
        FILING_MOVES.move(FilingStatus.DRAFT, "published")


def test_what_can_be_withdrawn_is_what_is_open():
    assert {s for s in FilingStatus if FILING_MOVES.allowed(s, FilingStatus.WITHDRAWN)} == set(OPEN)
    assert set(APPROVED) < set(DECIDED)
    assert FilingStatus.DRAFT not in PUBLIC_STATUSES and FilingStatus.WITHDRAWN not in PUBLIC_STATUSES


def test_a_condition_is_met_once_overdue_or_not_and_then_stays_met():
    assert CONDITION_MOVES.move(ConditionStatus.OPEN, "overdue") == ConditionStatus.OVERDUE
    assert CONDITION_MOVES.move(ConditionStatus.OVERDUE, "met") == ConditionStatus.MET
    assert CONDITION_MOVES.move(ConditionStatus.OPEN, "met") == ConditionStatus.MET
    assert CONDITION_MOVES.is_final(ConditionStatus.MET)
    for illegal in ((ConditionStatus.MET, ConditionStatus.OPEN), (ConditionStatus.OVERDUE, ConditionStatus.OPEN),
                    (ConditionStatus.MET, ConditionStatus.MET)):
        with pytest.raises(Conflict):
            CONDITION_MOVES.move(*illegal)

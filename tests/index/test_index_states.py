"""The Safety Index's state machines: a methodology version and a reply are reviewed once, never twice."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.index.states import METHODOLOGY_MOVES, REPLY_MOVES, MethodologyStatus, ReplyStatus


def test_a_methodology_proposal_is_approved_or_rejected_once():
    assert METHODOLOGY_MOVES.next_states(MethodologyStatus.PROPOSED) == [MethodologyStatus.APPROVED,
                                                                         MethodologyStatus.REJECTED]
    assert METHODOLOGY_MOVES.move("proposed", "approved") is MethodologyStatus.APPROVED
    for final in (MethodologyStatus.APPROVED, MethodologyStatus.REJECTED):
        assert METHODOLOGY_MOVES.is_final(final)
        for target in MethodologyStatus:
            with pytest.raises(Conflict):
                METHODOLOGY_MOVES.move(final, target)
    with pytest.raises(Conflict):
        METHODOLOGY_MOVES.move(MethodologyStatus.PROPOSED, MethodologyStatus.PROPOSED)


def test_a_reply_is_published_or_rejected_once():
    assert REPLY_MOVES.next_states(ReplyStatus.PENDING) == [ReplyStatus.PUBLISHED, ReplyStatus.REJECTED]
    assert REPLY_MOVES.move("pending", "rejected") is ReplyStatus.REJECTED
    for final in (ReplyStatus.PUBLISHED, ReplyStatus.REJECTED):
        assert REPLY_MOVES.is_final(final)
        with pytest.raises(Conflict):
            REPLY_MOVES.move(final, ReplyStatus.PENDING)
    with pytest.raises(Conflict):
        REPLY_MOVES.move(ReplyStatus.PUBLISHED, ReplyStatus.REJECTED)

"""The legal moves of a questionnaire version and of a party's answer to the invitation."""

from __future__ import annotations

import pytest

from qorgau.audits.states import PARTY_MOVES, VERSION_MOVES, PartyAnswer, VersionStatus
from qorgau.core.errors import Conflict, ValidationFailed


def test_a_proposed_questionnaire_is_approved_or_rejected_once():
    assert VERSION_MOVES.move(VersionStatus.PROPOSED, VersionStatus.APPROVED) == VersionStatus.APPROVED
    assert VERSION_MOVES.move(VersionStatus.PROPOSED, VersionStatus.REJECTED) == VersionStatus.REJECTED
    for decided in (VersionStatus.APPROVED, VersionStatus.REJECTED):
        with pytest.raises(Conflict):
            VERSION_MOVES.move(decided, VersionStatus.PROPOSED)


def test_a_party_answers_accepted_or_declined_and_may_change_its_answer_but_never_back_to_none():
    assert PARTY_MOVES.move(PartyAnswer.PENDING, "accepted") == PartyAnswer.ACCEPTED
    assert PARTY_MOVES.move(PartyAnswer.ACCEPTED, "declined") == PartyAnswer.DECLINED
    assert PARTY_MOVES.move(PartyAnswer.DECLINED, "declined") == PartyAnswer.DECLINED  # a new note
    with pytest.raises(Conflict):
        PARTY_MOVES.move(PartyAnswer.ACCEPTED, PartyAnswer.PENDING)
    with pytest.raises(ValidationFailed):
        PARTY_MOVES.move(PartyAnswer.PENDING, "maybe")

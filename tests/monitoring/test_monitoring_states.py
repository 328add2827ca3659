"""The alarm lifecycle as a table: acknowledged and cleared in either order, then closed; nothing goes back."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.monitoring import states
from qorgau.monitoring.alarms import AlarmBook, Severity, counter_ids
from qorgau.monitoring.states import ALARM_MOVES, AlarmStatus


def test_every_move_of_the_alarm_lifecycle():
    assert ALARM_MOVES.next_states(AlarmStatus.ACTIVE_UNACK) == [AlarmStatus.ACTIVE_ACK, AlarmStatus.CLEARED_UNACK]
    assert ALARM_MOVES.next_states(AlarmStatus.ACTIVE_ACK) == [AlarmStatus.CLEARED_ACK]
    assert ALARM_MOVES.next_states(AlarmStatus.CLEARED_UNACK) == [AlarmStatus.CLEARED_ACK]
    assert ALARM_MOVES.is_final(AlarmStatus.CLEARED_ACK)
    for back in (AlarmStatus.ACTIVE_UNACK, AlarmStatus.ACTIVE_ACK, AlarmStatus.CLEARED_UNACK):
        with pytest.raises(Conflict):
            ALARM_MOVES.move(AlarmStatus.CLEARED_ACK, back)
    with pytest.raises(Conflict):
        ALARM_MOVES.move(AlarmStatus.ACTIVE_ACK, AlarmStatus.ACTIVE_UNACK)  # an acknowledgement is not undone
    with pytest.raises(Conflict):
        ALARM_MOVES.move(AlarmStatus.CLEARED_UNACK, AlarmStatus.ACTIVE_UNACK)  # a new condition is a new alarm


def test_acknowledging_keeps_the_active_flag_and_is_refused_twice():
    assert states.acknowledged("ACTIVE_UNACK") is AlarmStatus.ACTIVE_ACK
    assert states.acknowledged("CLEARED_UNACK") is AlarmStatus.CLEARED_ACK
    for done in (AlarmStatus.ACTIVE_ACK, AlarmStatus.CLEARED_ACK):
        with pytest.raises(Conflict):
            states.acknowledged(done)


def test_the_engine_moves_only_as_the_table_allows():
    book = AlarmBook(new_id=counter_ids())
    seen = []
    seen += book.condition(0, "s0", "threshold", Severity.CRITICAL, 0.0, 9.0)
    seen += book.tick(1000.0)
    seen += book.acknowledge(seen[0].alarm_id, 1001.0, by="user:x")
    seen += book.condition(0, "s0", "threshold", None, 1002.0, 0.0)
    statuses = [AlarmStatus(e.status) for e in seen]
    assert statuses[0] is AlarmStatus.ACTIVE_UNACK and statuses[-1] is AlarmStatus.CLEARED_ACK
    for before, after in zip(statuses, statuses[1:], strict=False):
        assert before == after or ALARM_MOVES.allowed(before, after)

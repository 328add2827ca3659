"""The alarm lifecycle's statuses with their legal moves, and the words for them.

ThingsBoard's two flags (active/cleared x acknowledged/unacknowledged): an alarm is raised active and
unacknowledged; it is acknowledged by a person and cleared when its condition goes (or by hand), in
either order; cleared and acknowledged, it is closed. Pure (no database): the engine, the sink, the
service and the pages compare with these members."""

from __future__ import annotations

from enum import StrEnum

from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class AlarmStatus(StrEnum):
    ACTIVE_UNACK = "ACTIVE_UNACK"
    ACTIVE_ACK = "ACTIVE_ACK"
    CLEARED_UNACK = "CLEARED_UNACK"
    CLEARED_ACK = "CLEARED_ACK"  # closed: nothing more can happen to it

    @classmethod
    def of(cls, *, active: bool, acknowledged: bool) -> AlarmStatus:
        return cls(f"{'ACTIVE' if active else 'CLEARED'}_{'ACK' if acknowledged else 'UNACK'}")

    @property
    def active(self) -> bool:
        return self in (AlarmStatus.ACTIVE_UNACK, AlarmStatus.ACTIVE_ACK)

    @property
    def acknowledged(self) -> bool:
        return self in (AlarmStatus.ACTIVE_ACK, AlarmStatus.CLEARED_ACK)


ALARM_MOVES = Transitions(AlarmStatus, {
    AlarmStatus.ACTIVE_UNACK: {AlarmStatus.ACTIVE_ACK, AlarmStatus.CLEARED_UNACK},
    AlarmStatus.ACTIVE_ACK: {AlarmStatus.CLEARED_ACK},
    AlarmStatus.CLEARED_UNACK: {AlarmStatus.CLEARED_ACK},
})
OPEN_STATUSES = (AlarmStatus.ACTIVE_UNACK, AlarmStatus.ACTIVE_ACK, AlarmStatus.CLEARED_UNACK)
ACTIVE_STATUSES = (AlarmStatus.ACTIVE_UNACK, AlarmStatus.ACTIVE_ACK)
UNACKNOWLEDGED_STATUSES = (AlarmStatus.ACTIVE_UNACK, AlarmStatus.CLEARED_UNACK)
STATUS_LABELS = {AlarmStatus.ACTIVE_UNACK: N_("Active, unacknowledged"),
                 AlarmStatus.ACTIVE_ACK: N_("Active, acknowledged"),
                 AlarmStatus.CLEARED_UNACK: N_("Cleared, unacknowledged"),
                 AlarmStatus.CLEARED_ACK: N_("Cleared, acknowledged")}


def acknowledged(status: str) -> AlarmStatus:
    """The status an alarm has once acknowledged (refused by the table when it already is)."""
    current = AlarmStatus(status)
    return ALARM_MOVES.move(current, AlarmStatus.of(active=current.active, acknowledged=True))

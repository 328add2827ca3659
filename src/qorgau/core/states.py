"""Statuses as enums with a transition table: one helper per aggregate refuses an illegal move.

    class PlanStatus(StrEnum):
        DRAFT = "draft"
        PROPOSED = "proposed"
        AGREED = "agreed"

    PLAN_MOVES = Transitions(PlanStatus, {
        PlanStatus.DRAFT: {PlanStatus.PROPOSED},
        PlanStatus.PROPOSED: {PlanStatus.AGREED, PlanStatus.DRAFT},
    })
    plan.status = PLAN_MOVES.move(plan.status, PlanStatus.AGREED)   # raises on an illegal move

Values are plain strings in the database (a StrEnum member equals its value), so existing rows and
comparisons keep working; the table is the one place that says which move is legal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from enum import StrEnum
from typing import Generic, TypeVar

from qorgau.core.errors import Conflict, ValidationFailed
from qorgau.core.i18n_markers import N_

S = TypeVar("S", bound=StrEnum)


class Transitions(Generic[S]):
    """The legal moves of one kind of record."""

    def __init__(self, states: type[S], moves: Mapping[S, Iterable[S]]):
        self.states = states
        self.moves: dict[S, frozenset[S]] = {state: frozenset(moves.get(state, ())) for state in states}

    def parse(self, value: str, *, field: str = "status") -> S:
        """The state named by `value`; a clear error when there is none of that name."""
        try:
            return self.states(value)
        except ValueError:
            raise ValidationFailed(N_("Unknown status."), field=field) from None

    def allowed(self, current: str, target: str) -> bool:
        try:
            return self.states(target) in self.moves[self.states(current)]
        except ValueError:
            return False

    def next_states(self, current: str) -> list[S]:
        """The states one may move to from `current`, in declaration order (for buttons and lists)."""
        reachable = self.moves.get(self.states(current), frozenset())
        return [state for state in self.states if state in reachable]

    def move(self, current: str, target: str, *, field: str = "status") -> S:
        """`target` as a state if the move from `current` is legal; Conflict otherwise."""
        wanted = self.parse(target, field=field)
        if not self.allowed(current, wanted):
            raise Conflict(N_("This change of status is not allowed: from %(current)s to %(target)s."),
                           field=field, params={"current": str(current), "target": str(wanted)})
        return wanted

    def is_final(self, current: str) -> bool:
        return not self.moves.get(self.states(current))

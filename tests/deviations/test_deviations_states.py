"""Violations and their corrective actions move through their transition tables; an illegal move is refused."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from qorgau.core.errors import Conflict
from qorgau.deviations.models import (
    ACTION_MOVES,
    VIOLATION_MOVES,
    ActionStatus,
    ViolationStatus,
)


def test_violation_and_action_tables():
    assert VIOLATION_MOVES.next_states(ViolationStatus.DRAFT) == [ViolationStatus.OPEN]
    assert VIOLATION_MOVES.next_states(ViolationStatus.AWAITING_VERIFICATION) == [ViolationStatus.OPEN,
                                                                                   ViolationStatus.CLOSED]
    assert VIOLATION_MOVES.is_final(ViolationStatus.CLOSED)
    with pytest.raises(Conflict):
        VIOLATION_MOVES.move(ViolationStatus.OPEN, ViolationStatus.CLOSED)  # only verified fixes close it
    assert ACTION_MOVES.move(ActionStatus.DONE, ActionStatus.OPEN) == ActionStatus.OPEN  # a rejected fix
    assert ACTION_MOVES.is_final(ActionStatus.VERIFIED)
    with pytest.raises(Conflict):
        ACTION_MOVES.move(ActionStatus.OPEN, ActionStatus.VERIFIED)  # nothing to verify yet


def test_an_action_moves_open_done_verified_and_a_verified_one_takes_no_more_evidence(sign_in, session):
    from qorgau.deviations.models import CorrectiveAction, Violation

    inspector, employer = sign_in("inspector"), sign_in("employer")
    created = inspector.post("/api/v1/deviations/violations", json={
        "enterprise_id": 1, "category": "ppe", "severity": "minor", "description": "Нет касок у бригады",
        "actions": [{"kind": "corrective", "description": "Выдать каски", "responsible": "Мастер"}]})
    assert created.status_code == 201, created.text
    action_id = created.json()["actions"][0]["id"]
    early = inspector.post(f"/api/v1/deviations/actions/{action_id}/verdict", json={"accept": True})
    assert early.status_code == 422  # open: no evidence to verify
    done = employer.post(f"/api/v1/deviations/actions/{action_id}/evidence", json={"note": "Каски выданы"})
    assert done.status_code == 201 and done.json()["status"] == ActionStatus.DONE, done.text
    verified = inspector.post(f"/api/v1/deviations/actions/{action_id}/verdict", json={"accept": True})
    assert verified.status_code == 200 and verified.json()["status"] == ActionStatus.VERIFIED, verified.text
    action = session.get(CorrectiveAction, action_id)
    session.refresh(action)
    violation = session.execute(select(Violation).where(Violation.id == action.violation_id)).scalar_one()
    session.refresh(violation)
    assert violation.status == ViolationStatus.CLOSED
    again = employer.post(f"/api/v1/deviations/actions/{action_id}/evidence", json={"note": "Ещё раз"})
    assert again.status_code == 422 and again.json()["error"]["field"] == "action_id"

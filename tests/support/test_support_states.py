"""The legal moves of a support case and of a service in its plan."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.support.states import CASE_MOVES, SERVICE_MOVES, CaseStatus, ServiceStatus


def test_a_case_is_activated_by_consent_closed_and_reopened_but_never_returns_to_intake():
    assert CASE_MOVES.move(CaseStatus.INTAKE, CaseStatus.ACTIVE) == CaseStatus.ACTIVE
    assert CASE_MOVES.move(CaseStatus.INTAKE, CaseStatus.CLOSED) == CaseStatus.CLOSED  # declined
    assert CASE_MOVES.move(CaseStatus.CLOSED, CaseStatus.ACTIVE) == CaseStatus.ACTIVE
    for current in CaseStatus:
        with pytest.raises(Conflict):
            CASE_MOVES.move(current, CaseStatus.INTAKE)


def test_material_aid_waits_for_approval_and_finished_services_stay_finished():
    assert SERVICE_MOVES.next_states(ServiceStatus.PLANNED) == [
        ServiceStatus.AWAITING_APPROVAL, ServiceStatus.IN_PROGRESS, ServiceStatus.CANCELLED]
    assert SERVICE_MOVES.move(ServiceStatus.AWAITING_APPROVAL, ServiceStatus.REFUSED) == ServiceStatus.REFUSED
    with pytest.raises(Conflict):
        SERVICE_MOVES.move(ServiceStatus.PLANNED, ServiceStatus.DONE)
    for final in (ServiceStatus.DONE, ServiceStatus.NOT_ACHIEVED, ServiceStatus.REFUSED, ServiceStatus.CANCELLED):
        assert SERVICE_MOVES.is_final(final)

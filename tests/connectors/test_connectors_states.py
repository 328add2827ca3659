"""The legal moves of a connector."""

from __future__ import annotations

import pytest

from qorgau.connectors.models import CONNECTOR_MOVES, ConnectorStatus
from qorgau.core.errors import Conflict


def test_a_connector_is_switched_on_and_off_but_never_back_to_draft():
    assert CONNECTOR_MOVES.move(ConnectorStatus.DRAFT, ConnectorStatus.ACTIVE) == ConnectorStatus.ACTIVE
    assert CONNECTOR_MOVES.move(ConnectorStatus.ACTIVE, ConnectorStatus.DISABLED) == ConnectorStatus.DISABLED
    assert CONNECTOR_MOVES.move(ConnectorStatus.DISABLED, ConnectorStatus.ACTIVE) == ConnectorStatus.ACTIVE
    for current in ConnectorStatus:
        with pytest.raises(Conflict):
            CONNECTOR_MOVES.move(current, ConnectorStatus.DRAFT)

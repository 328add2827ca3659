"""A report's status follows its workflow: legal moves are taken, an illegal one is refused with a clear error."""

from __future__ import annotations

import pytest

from qorgau.core.errors import Conflict
from qorgau.speaks.models import REPORT_MOVES, ReportStatus


def test_the_workflow_table():
    assert REPORT_MOVES.next_states(ReportStatus.NEW) == [ReportStatus.ACKNOWLEDGED, ReportStatus.IN_PROGRESS,
                                                         ReportStatus.RESOLVED, ReportStatus.CLOSED, ReportStatus.SPAM]
    assert REPORT_MOVES.move(ReportStatus.CLOSED, "in_progress") == ReportStatus.IN_PROGRESS  # taken up again
    for current in ReportStatus:
        assert not REPORT_MOVES.allowed(current, ReportStatus.NEW), "nothing goes back to new"
    with pytest.raises(Conflict):
        REPORT_MOVES.move(ReportStatus.SPAM, ReportStatus.CLOSED)


def test_set_status_takes_legal_moves_and_refuses_an_illegal_one(client, sign_in):
    filed = client.post("/api/v1/speaks/public/reports", json={
        "kind": "hazard", "enterprise_id": 1, "category": "not_sure", "language": "ru",
        "description": "На складе сломан погрузчик, тормоза не держат, водитель всё равно работает."})
    assert filed.status_code == 201, filed.text
    officer = sign_in("officer")
    report = next(r for r in officer.get("/api/v1/speaks/reports").json()["items"]
                  if r["reference"] == filed.json()["reference"])
    url = f"/api/v1/speaks/reports/{report['id']}/status"
    for status in ("in_progress", "resolved", "closed"):
        moved = officer.put(url, json={"status": status})
        assert moved.status_code == 200 and moved.json()["status"] == status, moved.text
    assert officer.put(url, json={"status": "closed"}).status_code == 200  # the status it has: no move
    refused = officer.put(url, json={"status": "new"})
    assert refused.status_code == 409, refused.text
    error = refused.json()["error"]
    assert error["field"] == "status" and "closed" in error["message"] and "new" in error["message"]
    page = officer.post(f"/speaks/reports/{report['id']}/status", data={"status": "spam"}, follow_redirects=False)
    assert page.status_code == 409
    assert officer.get(url.removesuffix("/status")).json()["status"] == "closed"

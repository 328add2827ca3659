"""Retraining plans agreed with the employer: every state, who may move it, what the employer sees, worker
progress, the audit and the notifications, and register conditions that require an agreed plan."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from qorgau.core.db import utcnow


def _smelter_plan(officer, session) -> dict:
    from qorgau.core.models import User

    smelter = session.execute(select(User.scope_enterprise_id).where(User.username == "employer")).scalar_one()
    body = {"title": "Retraining of clerks", "enterprise_id": smelter, "notes": "test",
            "items": [{"source_isco": "4110", "target_isco": "3313", "people": 2, "training": "Course",
                       "start_on": "2026-09-01", "end_on": "2027-02-28"}]}
    created = officer.post("/api/v1/aiwork/plans", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "draft" and created.json()["drafted_by"] == "union"
    return created.json()


def _move(client, plan_id: int, status: str, **fields):
    return client.post(f"/api/v1/aiwork/plans/{plan_id}/status", json={"status": status, **fields})


def test_a_plan_walks_every_state_and_the_employer_sees_it_only_from_proposed(session, sign_in):
    from qorgau.aiwork.models import PlanStep
    from qorgau.core.models import AuditEntry, Notification, User

    officer, employer = sign_in("officer"), sign_in("employer")
    plan = _smelter_plan(officer, session)
    url = f"/api/v1/aiwork/plans/{plan['id']}"
    # A draft is the union's own: the employer neither sees nor moves it.
    assert employer.get(url).status_code == 404
    assert plan["id"] not in [p["id"] for p in employer.get("/api/v1/aiwork/plans").json()]
    assert employer.get(f"/aiwork/plans/{plan['id']}").status_code == 404
    assert _move(employer, plan["id"], "agreed", signatory="X Y Z", signed_on="2026-01-01").status_code == 404
    # Illegal moves are refused; the employer cannot propose; the union cannot sign for the employer.
    assert _move(officer, plan["id"], "in_progress").status_code == 409  # not agreed yet
    assert _move(officer, plan["id"], "proposed").json()["status"] == "proposed"
    assert employer.get(url).status_code == 200
    assert plan["id"] in [p["id"] for p in employer.get("/api/v1/aiwork/plans").json()]
    assert _move(officer, plan["id"], "agreed", signatory="Someone", signed_on="2026-01-01").status_code == 403
    # Agreement needs the signatory and a date not in the future.
    assert _move(employer, plan["id"], "agreed", signed_on="2026-01-01").status_code == 422
    future = (utcnow().date() + timedelta(days=3)).isoformat()
    assert _move(employer, plan["id"], "agreed", signatory="A. Nurpeisov, HR director",
                 signed_on=future).status_code == 422
    signed = (utcnow().date() - timedelta(days=1)).isoformat()
    agreed = _move(employer, plan["id"], "agreed", signatory="A. Nurpeisov, HR director", signed_on=signed).json()
    assert agreed["status"] == "agreed" and agreed["agreed_on"] == signed
    assert agreed["employer_signatory"] == "A. Nurpeisov, HR director"
    # Progress per affected worker, by reference; states in order; no more than the item plans for.
    item = agreed["items"][0]["id"]
    record = lambda ref, progress: employer.post(f"{url}/workers", json={  # noqa: E731
        "item_id": item, "reference": ref, "progress": progress})
    assert record("TN-1", "training").status_code == 422  # enrolled first
    assert record("TN-1", "enrolled").status_code == 200
    assert record("TN-2", "enrolled").status_code == 200
    assert record("TN-3", "enrolled").status_code == 422  # the item plans for 2 people
    assert _move(officer, plan["id"], "in_progress").json()["status"] == "in_progress"
    assert record("TN-1", "training").json()["progress"] == "training"
    assert record("TN-1", "placed").status_code == 409  # completed comes before placed
    assert record("TN-1", "completed").status_code == 200 and record("TN-1", "placed").status_code == 200
    assert record("TN-2", "left").status_code == 200
    workers = {w["reference"]: w["progress"] for w in officer.get(f"{url}/workers").json()}
    assert workers == {"TN-1": "placed", "TN-2": "left"}
    assert _move(employer, plan["id"], "done").json()["status"] == "done"
    assert _move(officer, plan["id"], "abandoned", note="Too late to abandon a finished plan.").status_code == 409

    steps = session.execute(select(PlanStep.to_status).where(PlanStep.plan_id == plan["id"])
                            .order_by(PlanStep.id)).scalars().all()
    assert steps == ["proposed", "agreed", "in_progress", "done"]
    actions = session.execute(select(AuditEntry.action).where(AuditEntry.object_type == "aiwork_plan",
                                                              AuditEntry.object_id == str(plan["id"]))).scalars().all()
    assert {"aiwork.plan.proposed", "aiwork.plan.agreed", "aiwork.plan.in_progress", "aiwork.plan.done"} <= set(actions)
    employer_id = session.execute(select(User.id).where(User.username == "employer")).scalar_one()
    kinds = set(session.execute(select(Notification.kind).where(Notification.user_id == employer_id)).scalars())
    assert {"aiwork.plan.proposed", "aiwork.plan.in_progress"} <= kinds
    page = employer.get(f"/aiwork/plans/{plan['id']}", cookies={"lang": "en"}).text
    assert "A. Nurpeisov, HR director" in page and 'data-progress="placed"' in page


def test_a_proposal_goes_back_with_a_reason_and_a_plan_is_abandoned_with_one(session, sign_in):
    officer, employer = sign_in("officer"), sign_in("employer")
    plan = _smelter_plan(officer, session)
    # Roles that do not negotiate plans cannot move them.
    assert _move(sign_in("analyst"), plan["id"], "proposed").status_code in (403, 404)
    _move(officer, plan["id"], "proposed")
    assert _move(sign_in("state"), plan["id"], "agreed", signatory="Someone",
                 signed_on="2026-01-01").status_code == 403
    assert _move(employer, plan["id"], "draft").status_code == 422  # a reason is required
    returned = _move(employer, plan["id"], "draft", note="The dates clash with the shutdown in March.")
    assert returned.json()["status"] == "draft"
    assert employer.get(f"/api/v1/aiwork/plans/{plan['id']}").status_code == 404  # the union's own again
    assert _move(officer, plan["id"], "abandoned").status_code == 422
    gone = _move(officer, plan["id"], "abandoned", note="The employer cancelled the automation project.").json()
    assert gone["status"] == "abandoned" and gone["abandoned_reason"].startswith("The employer cancelled")


def test_plan_pages_render_in_every_language_with_the_moves_of_the_reader(session, sign_in):
    from qorgau.aiwork.models import Plan

    officer, employer = sign_in("officer"), sign_in("employer")
    under_way = session.execute(select(Plan).where(Plan.status == "in_progress")).scalars().first()
    assert under_way is not None, "the demo has a plan under way"
    for lang in ("kk", "ru", "en"):
        assert officer.get(f"/aiwork/plans/{under_way.id}", cookies={"lang": lang}).status_code == 200
    page = officer.get(f"/aiwork/plans/{under_way.id}", cookies={"lang": "en"}).text
    assert 'data-move="done"' in page and 'data-move="abandoned"' in page
    plan = _smelter_plan(officer, session)
    token = officer.headers["X-CSRF-Token"]
    moved = officer.post(f"/aiwork/plans/{plan['id']}/status", data={"status": "proposed", "csrf_token": token},
                         follow_redirects=False)
    assert moved.status_code == 303
    page = employer.get(f"/aiwork/plans/{plan['id']}", cookies={"lang": "en"}).text
    assert 'data-move="agreed"' in page and 'data-move="proposed"' not in page
    bad = employer.post(f"/aiwork/plans/{plan['id']}/status", data={
        "status": "agreed", "signatory": "", "signed_on": "2026-01-01", "csrf_token": employer.headers["X-CSRF-Token"]},
        cookies={"lang": "en"})
    assert bad.status_code == 422 and "signatory" in bad.text


def test_a_register_condition_can_require_an_agreed_plan(session, sign_in):
    from qorgau.airegister import service as register
    from qorgau.airegister.models import Condition, Filing
    from qorgau.core.errors import ValidationFailed
    from qorgau.core.models import User

    officer, employer = sign_in("officer"), sign_in("employer")
    plan = _smelter_plan(officer, session)
    filing = session.execute(select(Filing).where(Filing.enterprise_id == plan["enterprise_id"],
                                                  Filing.status == "voting")).scalars().first()
    assert filing is not None, "the demo has a smelter filing in the vote"
    due = (utcnow().date() + timedelta(days=30)).isoformat()
    decided = officer.post(f"/api/v1/airegister/filings/{filing.id}/decision",
                           json={"plan_conditions": [{"plan_id": plan["id"], "due_on": due}]})
    assert decided.status_code == 200, decided.text
    condition = next(c for c in decided.json()["conditions"] if c["kind"] == "agreed_plan")
    assert decided.json()["status"] == "approved_with_conditions" and condition["plan_id"] == plan["id"]
    # Not met while the plan is not agreed, even with evidence.
    officer_user = session.execute(select(User).where(User.username == "officer")).scalar_one()
    with pytest.raises(ValidationFailed):
        register.condition_met(session=session, actor=officer_user, filing_id=filing.id,
                               condition_id=condition["id"], evidence="The plan was discussed.")
    session.rollback()
    _move(officer, plan["id"], "proposed")
    _move(employer, plan["id"], "agreed", signatory="A. Nurpeisov, HR director",
          signed_on=(utcnow().date() - timedelta(days=1)).isoformat())
    register.escalate(session, date.today())
    session.commit()
    met = session.get(Condition, condition["id"])
    session.refresh(met)
    assert met.status == "met" and "A. Nurpeisov" in met.evidence

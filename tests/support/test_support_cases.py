"""Support cases end to end: cases opened from an AI filing that removes jobs with retraining matched to the
occupation, intake to re-employment through the pages and the API, the level overridden with a reason, health
and income encrypted and read only with a logged reason, material aid approved by another officer, retraining
plan progress feeding the case, escalation, statistics with small cells hidden, scope and exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from qorgau.core.db import utcnow
from qorgau.core.errors import Forbidden, NotFound


def _user(session, name: str):
    from qorgau.core.models import User

    return session.execute(select(User).where(User.username == name)).scalar_one()


def _smelter_filing(session):
    """The demo's smelter filing that removes 12 welders' jobs (ISCO 7212), with no case opened yet."""
    from qorgau.airegister.models import Filing

    smelter = _user(session, "employer").scope_enterprise_id
    return session.execute(select(Filing).where(Filing.enterprise_id == smelter, Filing.jobs_removed > 0)
                           .order_by(Filing.id)).scalars().first()


def test_an_ai_filing_that_removes_jobs_opens_one_case_per_worker_with_matched_retraining(session, sign_in):
    from qorgau.aiwork import reskilling
    from qorgau.core.models import AuditEntry
    from qorgau.support.models import Case

    filing = _smelter_filing(session)
    assert filing is not None and filing.jobs_removed == 12
    officer = sign_in("officer")
    page = officer.get(f"/airegister/filings/{filing.id}", cookies={"lang": "en"}).text
    assert "Support for the displaced workers" in page and "Open support cases for 12 workers" in page
    opened = officer.post("/api/v1/support/cases/from-filing", json={"filing_id": filing.id})
    assert opened.status_code == 201, opened.text
    cases = opened.json()["opened"]
    assert len(cases) == 12 and {c["isco08"] for c in cases} == {"7212"}
    assert len({c["worker_reference"] for c in cases}) == 12
    best = reskilling.rank_targets("7212", top=1).pathways[0].isco08
    for case in cases:
        assert case["cause"] == "automation" and case["status"] == "intake" and case["filing_id"] == filing.id
        assert [(s["kind"], s["target_isco"]) for s in case["services"]] == [("retraining", best)]
    # opening again opens none: one case per displaced worker
    assert officer.post("/api/v1/support/cases/from-filing", json={"filing_id": filing.id}).json()["opened"] == []
    assert session.execute(select(Case).where(Case.filing_id == filing.id)).scalars().all().__len__() == 12
    assert session.execute(select(AuditEntry).where(AuditEntry.action == "support.cases_from_filing")).first()
    page = officer.get(f"/airegister/filings/{filing.id}", cookies={"lang": "en"}).text
    assert "Open support cases" not in page and 'id="support-cases">12<' in page
    # the employer may see the filing and its support figure, not the cases
    employer = sign_in("employer")
    assert employer.get(f"/airegister/filings/{filing.id}").status_code == 200
    assert employer.get("/api/v1/support/cases").status_code == 403
    assert employer.get(f"/support/cases/{cases[0]['id']}").status_code == 403


def test_a_case_goes_from_intake_through_a_plan_to_re_employment(session, sign_in):
    from qorgau.core.models import AuditEntry
    from qorgau.support.models import NeedsAssessment

    officer = sign_in("officer")
    smelter = _user(session, "employer").scope_enterprise_id
    today = utcnow().date()
    created = officer.post("/api/v1/support/cases", json={"enterprise_id": smelter, "cause": "automation",
                                                          "worker_reference": "TN-7001", "isco08": "4110"})
    assert created.status_code == 201, created.text
    case_id = created.json()["id"]
    url = f"/api/v1/support/cases/{case_id}"
    # nothing before consent
    assert officer.post(f"{url}/assessments", json={"employment": "at_risk", "housing": "own",
                                                     "dependants": 0}).status_code == 409
    assert officer.post(f"{url}/consent", json={"given": True, "family": True}).json()["status"] == "active"
    bad = officer.post(f"{url}/assessments", json={"employment": "at_risk", "household_income": -5})
    assert bad.status_code == 422
    assessed = officer.post(f"{url}/assessments", json={
        "household_income": 140_000, "household_size": 4, "dependants": 2, "health": "chronic", "housing": "rented",
        "debt_payment": 50_000, "employment": "at_risk"})
    assert assessed.status_code == 201, assessed.text
    first = assessed.json()
    # 35,000 per person against the demo's 50,000: ratio 0.7 -> 0.75; debt 50/140 = 36 % -> 0.5
    scores = {r["key"]: r["score"] for r in first["explanation"]}
    assert scores == {"income": None, "dependants": 0.5, "health": None, "housing": 0.4, "debt": 0.5,
                      "employment": 0.5}  # health and income are not shown without a reason
    assert first["points"] == pytest.approx(0.3 * 0.75 + 0.15 * 0.5 + 0.2 * 0.5 + 0.1 * 0.4 + 0.1 * 0.5 + 0.15 * 0.5)
    assert first["level"] == "C"
    # health and income are encrypted at rest
    stored = session.execute(select(NeedsAssessment.personal_encrypted).where(NeedsAssessment.id == first["id"])).scalar_one()
    assert b"140000" not in bytes(stored) and b"chronic" not in bytes(stored)
    # reading them needs a reason, and the reading is audited with it
    assert officer.post(f"{url}/personal", json={"reason": "short"}).status_code == 422
    shown = officer.post(f"{url}/personal", json={"reason": "Preparing the material aid request"}).json()
    assert shown["assessments"][0]["answers"]["household_income"] == 140_000
    assert shown["assessments"][0]["scores"] == {"income": 0.75, "health": 0.5}
    viewed = session.execute(select(AuditEntry).where(AuditEntry.action == "support.personal_viewed",
                                                      AuditEntry.object_id == str(case_id))).scalar_one()
    assert viewed.reason == "Preparing the material aid request"
    # an officer overrides the automatic level with a reason (audited)
    assert officer.post(f"{url}/override", json={"level": "D", "reason": "x"}).status_code == 422
    overridden = officer.post(f"{url}/override", json={"level": "D", "reason": "Eviction notice received yesterday"})
    assert overridden.json()["level"] == "D" and overridden.json()["assessments"][0]["automatic_level"] == "C"
    assert session.execute(select(AuditEntry.reason).where(AuditEntry.action == "support.level_overridden")).scalar_one() \
        == "Eviction notice received yesterday"
    # the plan: placement with a deadline and a responsible person; the pages offer what fits the need
    page = officer.get(f"/support/cases/{case_id}", cookies={"lang": "en"}).text
    for kind in ("retraining", "placement", "legal_aid", "material_aid", "psychological"):
        assert f'data-suggested="{kind}"' in page
    added = officer.post(f"{url}/services", json={"kind": "placement", "title": "Vacancies via the job centre",
                                                  "due_on": (today + timedelta(days=60)).isoformat()})
    placement = added.json()["services"][-1]
    assert placement["responsible_id"] == _user(session, "officer").id
    moved = officer.post(f"/api/v1/support/services/{placement['id']}/status", json={"status": "in_progress"})
    assert moved.status_code == 200
    assert officer.post(f"/api/v1/support/services/{placement['id']}/status",
                        json={"status": "done"}).status_code == 422  # the outcome is written
    officer.post(f"/api/v1/support/services/{placement['id']}/status",
                 json={"status": "done", "outcome": "Hired as a warehouse clerk"})
    officer.post(f"{url}/follow-ups", json={"due_on": (today + timedelta(days=30)).isoformat(),
                                            "purpose": "Check the new job"})
    # closure: re-employment is dated, not in the future; "level improved" needs a better later level
    assert officer.post(f"{url}/close", json={"outcome": "reemployed"}).status_code == 422
    assert officer.post(f"{url}/close", json={"outcome": "level_improved"}).status_code == 422
    assert officer.post(f"{url}/close", json={"outcome": "reemployed",
                                              "outcome_on": (today + timedelta(days=1)).isoformat()}).status_code == 422
    closed = officer.post(f"{url}/close", json={"outcome": "reemployed", "outcome_on": today.isoformat()})
    assert closed.json()["status"] == "closed" and closed.json()["outcome"] == "reemployed"
    page = officer.get(f"/support/cases/{case_id}", cookies={"lang": "en"}).text
    assert "re-employed" in page and "Reopen the case" in page
    actions = set(session.execute(select(AuditEntry.action).where(AuditEntry.object_id == str(case_id),
                                                                  AuditEntry.object_type == "support_case")).scalars())
    assert {"support.case.opened", "support.consent", "support.assessed", "support.level_overridden",
            "support.personal_viewed", "support.case.closed"} <= actions


def test_material_aid_is_approved_by_another_officer(session, sign_in):
    from qorgau.support import scale, service

    officer, federation = _user(session, "officer"), _user(session, "federation")
    smelter = _user(session, "employer").scope_enterprise_id
    today = utcnow().date()
    case = service.open_case(session=session, actor=officer, enterprise_id=smelter, cause="request",
                             worker_reference="TN-8800")
    service.record_consent(session=session, actor=officer, case_id=case.id, given=True)
    service.assess(session=session, actor=officer, case_id=case.id, answers=scale.Answers(
        household_income=20_000, household_size=3, dependants=3, housing="none", employment="unemployed_long"))
    assert case.level == "E"
    with pytest.raises(Exception) as refused:
        service.add_service(session=session, actor=officer, case_id=case.id, kind="material_aid", title="Aid",
                            due_on=today + timedelta(days=10))
    assert getattr(refused.value, "field", "") == "amount_kzt"
    aid = service.add_service(session=session, actor=officer, case_id=case.id, kind="material_aid", title="Aid",
                              amount_kzt=80_000, due_on=today + timedelta(days=10))
    assert "in_progress" not in service.moves_for(officer, aid)  # no payment without approval
    service.move_service(session=session, actor=officer, service_id=aid.id, target="awaiting_approval")
    with pytest.raises(Forbidden):
        service.move_service(session=session, actor=officer, service_id=aid.id, target="in_progress")
    service.move_service(session=session, actor=federation, service_id=aid.id, target="in_progress",
                         outcome="Approved by the presidium")
    assert aid.approved_by_id == federation.id and aid.approved_on == today


def test_retraining_plan_progress_feeds_the_case_and_the_filing_share(session, sign_in):
    from qorgau.support import service
    from qorgau.support.models import Case

    filing = _smelter_filing(session)
    officer, employer = sign_in("officer"), sign_in("employer")
    opened = officer.post("/api/v1/support/cases/from-filing", json={"filing_id": filing.id}).json()["opened"]
    target = opened[0]["services"][0]["target_isco"]
    smelter = _user(session, "employer").scope_enterprise_id
    plan = officer.post("/api/v1/aiwork/plans", json={
        "title": "Welders to new roles", "enterprise_id": smelter, "notes": "",
        "items": [{"source_isco": "7212", "target_isco": target, "people": 12, "training": "Course",
                   "start_on": "2026-09-01", "end_on": "2027-02-28"}]}).json()
    url = f"/api/v1/aiwork/plans/{plan['id']}"
    officer.post(f"{url}/status", json={"status": "proposed"})
    signed = (utcnow().date() - timedelta(days=1)).isoformat()
    employer.post(f"{url}/status", json={"status": "agreed", "signatory": "HR director", "signed_on": signed})
    item = plan["items"][0]["id"]
    # the workers' references: the employer's personnel numbers, entered on the cases
    for number, case in enumerate(opened[:6]):
        officer.post(f"/support/cases/{case['id']}/update", data={"worker_reference": f"W-{number}", "isco08": "7212"})
        for progress in ("enrolled", "training", "completed", "placed"):
            done = employer.post(f"{url}/workers", json={"item_id": item, "reference": f"W-{number}",
                                                         "progress": progress})
            assert done.status_code == 200, done.text
    fed = officer.get(f"/api/v1/support/cases/{opened[0]['id']}").json()
    retraining = fed["services"][0]
    assert retraining["plan_id"] == plan["id"] and retraining["plan_progress"] == "placed"
    assert retraining["status"] == "done"
    session.expire_all()
    figures = service.filing_figures(session=session, filing=filing)
    assert figures["either"] == 6 and figures["reemployed"] == 6 and figures["either_share"] == pytest.approx(0.5)
    page = officer.get(f"/airegister/filings/{filing.id}", cookies={"lang": "en"}).text
    assert 'id="support-share">6 (50%)' in page
    # under five, the figure is hidden
    for case in session.execute(select(Case).where(Case.filing_id == filing.id, Case.worker_reference.in_(
            ["W-0", "W-1", "W-2"]))).scalars():
        case.filing_id = None
    session.commit()
    assert service.filing_figures(session=session, filing=filing)["either"] is None


def test_escalation_statistics_scope_and_export(session, sign_in):
    from qorgau.core.models import Notification
    from qorgau.support import service
    from qorgau.support.models import Case

    officer = _user(session, "officer")
    smelter = _user(session, "employer").scope_enterprise_id
    today = utcnow().date()
    case = service.open_case(session=session, actor=officer, enterprise_id=smelter, cause="injury",
                             worker_reference="TN-5150")
    service.record_consent(session=session, actor=officer, case_id=case.id, given=True)
    follow_up = service.add_follow_up(session=session, actor=officer, case_id=case.id, due_on=today,
                                      purpose="Insurer's decision")
    session.commit()
    done = service.escalate(session, today + timedelta(days=2))
    assert {"case": case.reference, "what": "follow_up", "level": 1} in done
    assert follow_up.escalation_level == 1
    assert session.execute(select(Notification).where(Notification.user_id == officer.id,
                                                      Notification.kind == "support.escalated")).first()
    again = service.escalate(session, today + timedelta(days=3))  # once a week, not every day
    assert all(d["case"] != case.reference for d in again)
    session.commit()
    # statistics: every shown count is 0 or at least 5
    analyst = sign_in("analyst")
    result = analyst.get("/api/v1/support/statistics").json()
    for table in ("by_cause", "by_level", "by_region", "by_sector", "by_outcome"):
        for row in result[table]:
            for key in ("cases", "closed", "positive", "reemployed_in_time"):
                assert row[key] is None or row[key] == 0 or row[key] >= 5, (table, row)
    assert result["total"] >= 40  # the demo's displaced operators and the injured
    injury = next(r for r in result["by_cause"] if r["value"] == "injury")
    assert injury["cases"] is None and injury["suppressed"]  # 4 injured: hidden (with a second cell, by subtraction)
    assert analyst.get("/api/v1/support/cases").status_code == 403  # statistics only
    assert "&lt;5" in analyst.get("/support/statistics", cookies={"lang": "en"}).text
    # scope: the sectoral officer sees the smelter's cases, not the call centre's (another sector)
    client = sign_in("officer")
    outside = session.execute(select(Case).where(Case.cause == "automation", Case.enterprise_id != smelter)).scalars().first()
    assert client.get(f"/support/cases/{outside.id}").status_code == 404
    assert client.get(f"/api/v1/support/cases/{outside.id}").status_code == 404
    with pytest.raises(NotFound):
        service.get(session=session, actor=officer, case_id=outside.id)
    exported = client.get("/support/?fmt=csv")
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["reference", "status", "cause"]
    references = {r[0] for r in rows[1:]}
    assert case.reference in references and outside.reference not in references
    assert "household" not in exported.text  # no income or health in the export


def test_pages_render_in_every_language_labelled_synthetic(session, sign_in):
    from qorgau.support.models import Case

    federation = sign_in("federation")
    case = session.execute(select(Case).where(Case.synthetic.is_(True), Case.level.is_not(None))).scalars().first()
    for lang in ("kk", "ru", "en"):
        for url in ("/support/", f"/support/cases/{case.id}", "/support/statistics", "/support/scale",
                    "/support/offers", "/support/new"):
            page = federation.get(url, cookies={"lang": lang})
            assert page.status_code == 200, (url, lang)
            assert 'data-synthetic="1"' in page.text, (url, lang)
    scale_page = federation.get("/support/scale", cookies={"lang": "en"}).text
    assert "not public" in scale_page and "50,000" in scale_page.replace("\u00a0", ",").replace(" ", ",")

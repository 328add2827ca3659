"""The register's procedure end to end through the API, the pages and the services: filing with
versions, the plan required before approval, human-only roles and quotas, overrides, the vote with
quorum and majority, conditions that escalate, linked worker reports, the feed, exports, the CLI."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select
from typer.testing import CliRunner

from qorgau.airegister import service
from qorgau.airegister.models import Event, Filing
from qorgau.airegister.schemas import FilingIn
from qorgau.core.db import utcnow
from qorgau.core.errors import Forbidden, NotFound, ValidationFailed
from qorgau.core.models import AuditEntry, User
from qorgau.core.policy import Role

CHATBOT = {"name": "Голосовой бот поддержки", "purpose": "Отвечает на звонки клиентов вместо операторов.",
           "vendor": "ТОО «Диалог AI»", "areas": ["customer_service"], "autonomy": "acts_human_can_override",
           "personal_data": True, "occupations": [{"isco08": "4222", "headcount": 20, "removed": 10}],
           "headcount": 20, "jobs_changed": 10, "jobs_removed": 10, "jobs_created": 2}
PLAN = [{"group": "Операторы колл-центра", "workers": 10, "training": "Аналитик обращений, 160 часов",
         "target_jobs": "Аналитик обращений", "funding": "Работодатель", "start_on": "2027-01-10",
         "end_on": "2027-05-10"}]


def _user(session, name: str) -> User:
    return session.execute(select(User).where(User.username == name)).scalar_one()


def _smelter(session) -> int:
    return _user(session, "employer").scope_enterprise_id


def _filed(session, data=None, *, submit=True) -> Filing:
    employer = _user(session, "employer")
    filing = service.create(session=session, actor=employer, enterprise_id=employer.scope_enterprise_id,
                            filing_in=FilingIn.model_validate(data or CHATBOT, strict=False))
    if submit:
        service.submit(session=session, actor=employer, filing_id=filing.id)
    return filing


def _voted(session, filing: Filing, choice: str = "for") -> None:
    officer = _user(session, "officer")
    service.open_vote(session=session, actor=officer, filing_id=filing.id)
    service.vote(session=session, actor=officer, filing_id=filing.id, choice=choice)


def test_approval_is_refused_while_jobs_are_removed_without_a_plan(session):
    filing = _filed(session)
    officer, employer = _user(session, "officer"), _user(session, "employer")
    assert filing.union_org_id is not None  # routed to the smelter's primary organisation
    _voted(session, filing)
    with pytest.raises(ValidationFailed) as refused:
        service.decide(session=session, actor=officer, filing_id=filing.id)
    assert refused.value.field == "retraining_plan"
    assert "no retraining and re-employment plan" in refused.value.message
    assert filing.status == "voting"
    # a plan covering fewer workers than lose their jobs is not enough either
    short = {**CHATBOT, "retraining_plan": [{**PLAN[0], "workers": 4}]}
    service.update(session=session, actor=employer, filing_id=filing.id, change_note="План для части операторов",
                   filing_in=FilingIn.model_validate(short, strict=False))
    assert filing.status == "under_review" and filing.votes == []  # the change restarts the vote
    _voted(session, filing)
    with pytest.raises(ValidationFailed, match="covers"):
        service.decide(session=session, actor=officer, filing_id=filing.id)
    service.update(session=session, actor=employer, filing_id=filing.id, change_note="План для всех десяти",
                   filing_in=FilingIn.model_validate({**CHATBOT, "retraining_plan": PLAN}, strict=False))
    _voted(session, filing)
    service.decide(session=session, actor=officer, filing_id=filing.id)
    assert filing.status == "approved" and filing.current_version == 3
    impact = service.impact(session=session, filing=filing)
    assert impact.occupations[0]["ilo_class"] in ("3", "4")  # contact centre clerks are highly exposed
    assert 0 < impact.model_at_risk < 20 and impact.displacement_share == 0.5
    kinds = [e.kind for e in session.execute(select(Event).where(Event.filing_id == filing.id)).scalars()]
    assert kinds.count("vote_reset") == 2 and kinds[-1] == "decided"


def test_versions_and_their_diff_through_the_api(sign_in, session):
    employer = sign_in("employer")
    smelter = _smelter(session)
    created = employer.post("/api/v1/airegister/filings", json={**CHATBOT, "enterprise_id": smelter})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "draft" and body["current_version"] == 1
    assert body["classification"]["eu_category"]["value"] == "limited"
    assert body["classification"]["eu_category"]["rules"][0]["rule"] == "EU-ART50"
    assert any("плана переподготовки и трудоустройства нет" in b for b in body["blockers"])  # in Russian
    changed = employer.put(f"/api/v1/airegister/filings/{body['id']}",
                           json={**CHATBOT, "jobs_removed": 12, "occupations": [
                               {"isco08": "4222", "headcount": 20, "removed": 12}], "change_note": "Ещё 2 места"})
    assert changed.status_code == 200, changed.text
    version = employer.get(f"/api/v1/airegister/filings/{body['id']}/versions/2").json()
    assert {c["field"] for c in version["changes"]} == {"occupations", "jobs_removed"}
    assert [c for c in version["changes"] if c["field"] == "jobs_removed"][0] == {
        "field": "jobs_removed", "before": 10, "after": 12}
    page = employer.get(f"/airegister/filings/{body['id']}?v=2")
    assert page.status_code == 200 and 'id="diff"' in page.text and "Ещё 2 места" in page.text
    assert employer.get(f"/api/v1/airegister/filings/{body['id']}/versions/3").status_code == 404
    bad = employer.post("/api/v1/airegister/filings", json={**CHATBOT, "enterprise_id": smelter, "occupations": [
        {"isco08": "9999", "headcount": 1, "removed": 0}]})
    assert bad.status_code == 422 and bad.json()["error"]["field"] == "occupations"


def test_human_only_roles_and_the_quota_block_approval(session):
    officer = _user(session, "officer")
    welding = {"name": "Сварочный робот", "purpose": "Роботы заменяют ручную сварку типовых узлов.",
               "areas": ["production_automation"], "occupations": [{"isco08": "7212", "headcount": 10, "removed": 5}],
               "headcount": 10, "jobs_removed": 5, "unit": "Участок сварки", "unit_positions": 10,
               "unit_human_before": 10, "retraining_plan": [{**PLAN[0], "workers": 5}]}
    filing = _filed(session, welding)
    reasons = [m for m, _p, _f in service.blockers(session=session, filing=filing)]
    assert any("reserved for people" in m for m in reasons)  # the demo agreement reserves 7212
    assert any("below the agreed" in m for m in reasons)  # 50% after, the agreement says 85%
    impact = service.impact(session=session, filing=filing)
    assert impact.human_only_conflicts == ["7212"] and impact.quota_breached
    assert impact.human_share_after == 0.5 and impact.occupations[0]["ilo_class"] in ("not_exposed", "minimal", "1")
    _voted(session, filing)
    with pytest.raises(ValidationFailed, match="reserved for people"):
        service.decide(session=session, actor=officer, filing_id=filing.id)
    service.remove_human_only(session=session, actor=officer, enterprise_id=filing.enterprise_id, isco08="7212")
    service.set_quota(session=session, actor=officer, enterprise_id=filing.enterprise_id, unit="Участок сварки",
                      min_human_pct=50)
    service.decide(session=session, actor=officer, filing_id=filing.id)
    assert filing.status == "approved"


def test_officer_overrides_with_a_reason_that_is_kept_audited_and_shown(sign_in, session):
    filing = _filed(session)
    session.commit()
    officer = sign_in("officer")
    refused = officer.post(f"/airegister/filings/{filing.id}/override",
                           data={"dimension": "risk_kz", "value": "high", "reason": "short"})
    assert refused.status_code == 422 and "не менее 10 символов" in refused.text
    done = officer.post(f"/airegister/filings/{filing.id}/override", follow_redirects=False,
                        data={"dimension": "risk_kz", "value": "high",
                              "reason": "Бот решает, кого из клиентов обслужить: это влияет на заработок операторов."})
    assert done.status_code == 303
    page = officer.get(f"/airegister/filings/{filing.id}")
    assert "влияет на заработок операторов" in page.text and 'id="class-risk_kz"' in page.text
    session.expire_all()
    assert session.get(Filing, filing.id).risk_kz == "high"
    audited = session.execute(select(func.count()).select_from(AuditEntry).where(
        AuditEntry.action == "airegister.override", AuditEntry.object_id == str(filing.id))).scalar_one()
    assert audited == 1
    api = officer.get(f"/api/v1/airegister/filings/{filing.id}").json()["classification"]["risk_kz"]
    assert api["value"] == "high" and api["automatic"] == "medium" and "заработок" in api["override_reason"]


def test_questions_answers_vote_quorum_majority_conditions_and_escalation(session):
    officer, employer, inspector = (_user(session, n) for n in ("officer", "employer", "inspector"))
    filing = _filed(session, {**CHATBOT, "retraining_plan": PLAN})
    question = service.comment(session=session, actor=officer, filing_id=filing.id, kind="question",
                               body="Сможет ли клиент попросить живого оператора?")
    assert service.unanswered_questions(filing) == [question]
    with pytest.raises(Forbidden):  # union members ask; the employer answers
        service.comment(session=session, actor=employer, filing_id=filing.id, kind="question", body="?? ok")
    service.comment(session=session, actor=employer, filing_id=filing.id, kind="answer", answers_id=question.id,
                    body="Да, по кнопке 0 в любой момент.")
    assert service.unanswered_questions(filing) == []
    service.open_vote(session=session, actor=officer, filing_id=filing.id, quorum=2, majority_pct=60)
    with pytest.raises(Forbidden):
        service.vote(session=session, actor=employer, filing_id=filing.id, choice="for")
    service.vote(session=session, actor=officer, filing_id=filing.id, choice="for")
    with pytest.raises(ValidationFailed, match="No quorum"):
        service.decide(session=session, actor=officer, filing_id=filing.id)
    service.vote(session=session, actor=inspector, filing_id=filing.id, choice="against")
    assert service.tally(filing)["passed"] is False  # 1 of 2 is not more than 60%
    service.vote(session=session, actor=inspector, filing_id=filing.id, choice="abstain")
    assert service.tally(filing) | {} == {**service.tally(filing), "for": 1, "abstain": 1, "passed": True}
    today = utcnow().date()
    with pytest.raises(ValidationFailed, match="after today"):
        service.decide(session=session, actor=officer, filing_id=filing.id, conditions=[("Памятка работникам", today)])
    service.decide(session=session, actor=officer, filing_id=filing.id,
                   conditions=[("Оператор доступен по кнопке 0", today + timedelta(days=10))])
    assert filing.status == "approved_with_conditions" and filing.conditions[0].status == "open"
    assert service.escalate(session, today + timedelta(days=10)) == [] or all(
        d["filing"] != filing.reference for d in service.escalate(session, today + timedelta(days=10)))
    steps = [d for d in service.escalate(session, today + timedelta(days=11)) if d["filing"] == filing.reference]
    assert steps == [{"filing": filing.reference, "step": "condition_escalated",
                      "condition": filing.conditions[0].id, "level": 1}]
    assert filing.conditions[0].status == "overdue" and filing.suspension_recommended
    assert not [d for d in service.escalate(session, today + timedelta(days=12)) if d["filing"] == filing.reference]
    again = [d for d in service.escalate(session, today + timedelta(days=18)) if d["filing"] == filing.reference]
    assert again[0]["level"] == 2  # a week later it climbs one more level
    service.condition_met(session=session, actor=officer, filing_id=filing.id, condition_id=filing.conditions[0].id,
                          evidence="Проверено звонком 12.01")
    assert not filing.suspension_recommended  # every condition met: the recommendation is lifted


def test_rejection_needs_reasons_and_a_rejected_vote_cannot_approve(session):
    officer = _user(session, "officer")
    filing = _filed(session, {**CHATBOT, "retraining_plan": PLAN})
    _voted(session, filing, "against")
    with pytest.raises(ValidationFailed, match="reasons"):
        service.decide(session=session, actor=officer, filing_id=filing.id)
    service.decide(session=session, actor=officer, filing_id=filing.id, reasons="Нет гарантии живого оператора.")
    assert filing.status == "rejected"


def test_worker_report_linked_and_suspension_recommended(session, client):
    from qorgau.speaks.schemas import ReportIn
    from qorgau.speaks.service import submit

    officer = _user(session, "officer")
    filing = _filed(session, {**CHATBOT, "retraining_plan": PLAN})
    _voted(session, filing)
    service.decide(session=session, actor=officer, filing_id=filing.id)
    report = submit(session=session, report_in=ReportIn(
        enterprise_id=filing.enterprise_id, description="Бот снял мне смену без объяснений, мастер не может отменить.",
        kind="complaint")).report
    link = service.link_report(session=session, actor=officer, filing_id=filing.id, reference=report.reference,
                               kind="wrong_decision")
    assert link.speaks_report_id == report.id
    with pytest.raises(ValidationFailed, match="already linked"):
        service.link_report(session=session, actor=officer, filing_id=filing.id, reference=report.reference,
                            kind="harm")
    with pytest.raises(ValidationFailed, match="No worker report"):
        service.link_report(session=session, actor=officer, filing_id=filing.id, reference="WS-ZZZZZZ", kind="harm")
    service.recommend_suspension(session=session, actor=officer, filing_id=filing.id,
                                 reason="Три жалобы на неверные решения за месяц.")
    service.record_review(session=session, actor=officer, filing_id=filing.id, note="Проверили журнал решений.")
    assert filing.suspension_recommended and filing.next_review_on > utcnow().date()


def test_outside_scope_reads_as_not_found(session):
    from qorgau.registry.models import Enterprise

    employer = _user(session, "employer")
    other = session.execute(select(Filing).where(Filing.enterprise_id != employer.scope_enterprise_id)).scalars().first()
    with pytest.raises(NotFound):
        service.get(session=session, actor=employer, filing_id=other.id)
    outside = session.execute(select(Enterprise.id).where(Enterprise.id != employer.scope_enterprise_id)).scalar()
    with pytest.raises(NotFound):
        service.create(session=session, actor=employer, enterprise_id=outside,
                       filing_in=FilingIn.model_validate(CHATBOT, strict=False))


def test_public_feed_lists_only_approved_registrations(client, session):
    response = client.get("/api/v1/airegister/feed")
    assert response.status_code == 200
    feed = response.json()
    assert feed["schema"].endswith("airegister-feed") and feed["schema_version"] == "1.0"
    approved = session.execute(select(Filing.reference).where(
        Filing.status.in_(("approved", "approved_with_conditions")))).scalars().all()
    assert sorted(i["reference"] for i in feed["items"]) == sorted(approved) and len(approved) == 4
    item = next(i for i in feed["items"] if i["name"] == "Чат-бот колл-центра")
    assert item["jobs"]["removed"] == 40 and item["eu_category"] == "limited" and "EU-ART50" in item["rules"]
    assert set(item["employer"]) == {"bin", "name_ru", "name_kk", "name_en"}


def test_workers_page_in_kazakh_shows_systems_and_rights_without_sign_in(client, session):
    smelter = _smelter(session)
    page = client.get(f"/ai-at-work/?enterprise={smelter}&lang=kk")
    assert page.status_code == 200
    assert "Видеоконтроль СИЗ" in page.text and 'id="rights"' in page.text
    assert "Контроль усталости" not in page.text  # drafts are not shown (and it is elsewhere)
    found = client.get("/ai-at-work/?q=Ертіс&lang=ru")
    assert f"/ai-at-work/?enterprise={smelter}" in found.text


def test_federation_list_filters_and_exports(sign_in):
    admin = sign_in("admin")
    page = admin.get("/airegister/?risk=high")
    assert page.status_code == 200 and "Отбор резюме" in page.text and "Чат-бот" not in page.text
    rows = list(csv.DictReader(io.StringIO(admin.get("/airegister/?fmt=csv").content.decode("utf-8-sig"))))
    assert len(rows) == 12 and {"reference", "risk_kz", "eu_category", "sector", "status"} <= set(rows[0])
    workbook = load_workbook(io.BytesIO(admin.get("/airegister/?status=approved&fmt=xlsx").content))
    assert workbook.active.max_row == 1 + 2


def test_filing_through_the_form_names_the_bad_line(sign_in, session):
    employer = sign_in("employer")
    form = {"enterprise_id": str(_smelter(session)), "name": "Бот", "purpose": "Отвечает на вопросы о графике работы.",
            "areas": ["customer_service"], "autonomy": "recommends", "occupations": "4222; двадцать",
            "retraining_plan": ""}
    bad = employer.post("/airegister/new", data=form)
    assert bad.status_code == 422 and "Строка 1: введите целое число." in bad.text
    good = employer.post("/airegister/new", data={**form, "occupations": "4222; 20; 0"}, follow_redirects=False)
    assert good.status_code == 303
    page = employer.get(good.headers["location"])
    assert "Бот" in page.text and "Регламент ЕС об ИИ (2024/1689), ст. 50(1)" in page.text


def test_cli_escalate_with_now(demo_url, session, monkeypatch):
    from qorgau.cli import app
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    try:
        bad = CliRunner().invoke(app, ["airegister", "escalate", "--now", "tomorrow"])
        assert bad.exit_code == 2 and "--now" in bad.output
        later = (utcnow() + timedelta(days=400)).date().isoformat()
        done = CliRunner().invoke(app, ["airegister", "escalate", "--now", later])
        assert done.exit_code == 0, done.output
        steps = json.loads(done.output)["steps"]
        assert {s["step"] for s in steps} >= {"condition_escalated", "review_due"}
    finally:
        get_settings.cache_clear()


@pytest.mark.parametrize("username", ["officer", "employer", "inspector"])
def test_home_page_shows_the_systems_awaiting_action(sign_in, username):
    page = sign_in(username).get("/?lang=ru")
    assert page.status_code == 200
    assert "Системы ИИ, ожидающие действий" in page.text and "/airegister/filings/" in page.text


def test_collective_agreement_page_records_roles_and_quotas(sign_in, session):
    smelter = _smelter(session)
    officer = sign_in("officer")
    page = officer.get(f"/airegister/agreement/{smelter}")
    assert page.status_code == 200 and "7212" in page.text and "85" in page.text
    bad = officer.post(f"/airegister/agreement/{smelter}", data={"what": "role", "isco08": "9999"})
    assert bad.status_code == 422 and "9999" in bad.text
    done = officer.post(f"/airegister/agreement/{smelter}", follow_redirects=False,
                        data={"what": "quota", "unit": "Колл-центр", "min_human_pct": "60", "clause": "п. 7.2"})
    assert done.status_code == 303
    assert "Колл-центр" in officer.get(f"/airegister/agreement/{smelter}").text
    employer = sign_in("employer")
    assert employer.post(f"/airegister/agreement/{smelter}", data={"what": "role", "isco08": "4222"}).status_code == 403


def test_cli_feed_writes_the_documented_schema(demo_url, tmp_path, monkeypatch):
    from qorgau.cli import app
    from qorgau.core.config import get_settings

    monkeypatch.setenv("QORGAU_DATABASE_URL", demo_url)
    get_settings.cache_clear()
    try:
        out = tmp_path / "feed.json"
        done = CliRunner().invoke(app, ["airegister", "feed", "--out", str(out)])
        assert done.exit_code == 0, done.output
        feed = json.loads(out.read_text(encoding="utf-8"))
        assert feed["schema_version"] == "1.0" and len(feed["items"]) == 4
        documented = {"reference", "version", "name", "purpose", "vendor", "employer", "sector", "region_kato",
                      "areas", "autonomy", "risk_kz", "autonomy_kz", "eu_category", "rules", "safeguards",
                      "outcome", "decided_on", "conditions", "next_review_on", "jobs", "occupations",
                      "suspension_recommended", "updated_at"}
        assert all(set(item) == documented for item in feed["items"])
    finally:
        get_settings.cache_clear()


def test_the_union_officers_and_the_employers_side_are_told(session):
    from qorgau.core.models import Notification
    from qorgau.registry.models import UnionOrg

    def told(kind: str) -> set[int]:
        return set(session.execute(select(Notification.user_id).where(Notification.kind == kind)).scalars())

    filing = _filed(session)
    officers = set(session.execute(select(User.id).where(User.role == Role.UNION_OFFICER, User.is_active.is_(True),
                                                         User.scope_union_id == filing.union_org_id)).scalars())
    union = session.get(UnionOrg, filing.union_org_id)
    while not officers and union.parent_id is not None:  # nobody at the union itself: the nearest one above
        union = session.get(UnionOrg, union.parent_id)
        officers = set(session.execute(select(User.id).where(User.role == Role.UNION_OFFICER, User.scope_union_id
                                                             == union.id)).scalars())
    assert officers and told("airegister.submitted") == officers
    employers = set(session.execute(select(User.id).where(User.role == Role.EMPLOYER_SAFETY_MANAGER,
                                                          User.scope_enterprise_id == filing.enterprise_id)).scalars())
    service.comment(session=session, actor=_user(session, "officer"), filing_id=filing.id, kind="question",
                    body="Кто проверяет ответы бота?")
    assert employers and told("airegister.question") == employers

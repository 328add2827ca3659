"""Demonstration support cases (invented, labelled synthetic on every page): one case per operator whose job
the call-centre chatbot removes, in every stage (intake, declined, assessed, in a plan, retrained,
re-employed, the level improved), and cases offered from the demo's serious accidents."""

from __future__ import annotations

from datetime import timedelta

from qorgau.airegister import service as register
from qorgau.core.db import utcnow
from qorgau.core.policy import Role
from qorgau.incidents import service as incidents
from qorgau.registry import access
from qorgau.support import scale, service
from qorgau.support.models import Case, CaseService

DEMO_MINIMUM = 50_000  # a round demonstration figure, not the official subsistence minimum


def generate(session, ctx) -> None:
    if not ctx.enterprises or "federation" not in ctx.users:
        return
    rng = ctx.rng("support")
    today = utcnow().date()
    officer, federation, admin = ctx.users["officer"], ctx.users["federation"], ctx.users[Role.ADMIN]
    session.info["actor"] = f"user:{admin.username}"
    service.set_subsistence_minimum(session=session, actor=admin, value=DEMO_MINIMUM, today=today,
                                    source="Демонстрационное значение, не официальная величина")
    session.info["actor"] = f"user:{federation.username}"
    chatbot = next(iter(register.approved_filings_removing_jobs(session=session)), None)
    if chatbot is not None:
        opened = service.open_from_filing(session=session, actor=federation, filing_id=chatbot.id,
                                          today=today - timedelta(days=200), synthetic=True)
        for number, case in enumerate(opened):
            _walk(session, federation, case, number, rng, today)
    session.info["actor"] = f"user:{officer.username}"
    accidents = incidents.accidents_in_categories(session=session, categories=("serious", "fatal"))
    reachable = [a for a in accidents if access.can_reach_enterprise(session, officer, a.enterprise_id)]
    for number, accident in enumerate(reachable[:3]):
        case = service.open_from_incident(session=session, actor=officer, worker_reference=f"ТН-{4100 + number}",
                                          accident_id=accident.id, today=max(accident.occurred_on, today - timedelta(days=60)))
        case.synthetic = True
        if number < 2:
            service.record_consent(session=session, actor=officer, case_id=case.id, given=True, family=number == 0,
                                   note="Устно, при встрече в профкоме", today=case.opened_on)
            service.assess(session=session, actor=officer, case_id=case.id, today=case.opened_on,
                           answers=scale.Answers(household_income=rng.randint(90, 260) * 1000, household_size=4,
                                                 dependants=2, health="severe_injury", housing="rented",
                                                 debt_payment=40_000, employment="unemployed_short"))
            service.add_follow_up(session=session, actor=officer, case_id=case.id, today=case.opened_on,
                                  due_on=today - timedelta(days=3) if number == 0 else today + timedelta(days=10),
                                  purpose="Узнать решение страховой компании по выплате")
    session.flush()


def _walk(session, actor, case: Case, number: int, rng, today) -> None:
    """Bring one displaced operator's case to a stage that depends on its number."""
    start = case.opened_on
    stage = number % 10
    if stage == 0:
        return  # intake: consent not recorded yet
    if stage == 1 and number < 20:
        service.record_consent(session=session, actor=actor, case_id=case.id, given=False,
                               note="Работник отказался, нашёл работу сам", today=start + timedelta(days=3))
        return
    service.record_consent(session=session, actor=actor, case_id=case.id, given=True, family=rng.random() < 0.4,
                           note="Подписано заявление", today=start + timedelta(days=2))
    size = rng.randint(1, 5)
    answers = scale.Answers(household_income=rng.randint(60, 420) * 1000, household_size=size,
                            dependants=rng.randint(0, max(0, size - 1)), health=rng.choice(["none", "none", "chronic",
                                                                                            "disability_3"]),
                            housing=rng.choice(["own", "rented", "rented", "shared"]),
                            debt_payment=rng.choice([0, 20_000, 60_000, 120_000]), debt_overdue=rng.random() < 0.15,
                            employment="at_risk")
    service.assess(session=session, actor=actor, case_id=case.id, answers=answers, today=start + timedelta(days=5))
    retraining = next((s for s in case.services if s.kind == "retraining"), None)
    service.add_service(session=session, actor=actor, case_id=case.id, kind="placement",
                        title="Подбор вакансий через центр занятости и Enbek.kz", due_on=start + timedelta(days=150))
    if case.level in ("D", "E"):
        service.add_service(session=session, actor=actor, case_id=case.id, kind="material_aid",
                            title="Единовременная помощь из фонда профсоюза", amount_kzt=80_000,
                            due_on=start + timedelta(days=20))
    service.add_follow_up(session=session, actor=actor, case_id=case.id, due_on=start + timedelta(days=30),
                          purpose="Проверить ход обучения и поиска работы", today=start + timedelta(days=5))
    if retraining is not None and stage >= 3:
        _move(session, actor, retraining, "in_progress", "", start + timedelta(days=10))
    if stage in (5, 6, 7, 8, 9) and retraining is not None:
        _move(session, actor, retraining, "done", "Курс окончен, сертификат получен", start + timedelta(days=120))
    if stage in (6, 7, 8):
        placement = next(s for s in case.services if s.kind == "placement")
        _move(session, actor, placement, "in_progress", "", start + timedelta(days=20))
        _move(session, actor, placement, "done", "Принят на работу аналитиком обращений", start + timedelta(days=130))
        service.close(session=session, actor=actor, case_id=case.id, outcome="reemployed",
                      outcome_on=start + timedelta(days=125 + number % 10), today=start + timedelta(days=140))
    elif stage == 9:
        answers.employment = "employed"
        answers.household_income = (answers.household_income or 0) + 150_000
        service.assess(session=session, actor=actor, case_id=case.id, answers=answers, today=start + timedelta(days=150))
        if scale.better(case.level, case.first_level):
            service.close(session=session, actor=actor, case_id=case.id, outcome="level_improved",
                          today=start + timedelta(days=155))
        else:
            service.close(session=session, actor=actor, case_id=case.id, outcome="retrained",
                          today=start + timedelta(days=155))
    elif stage == 5:
        service.close(session=session, actor=actor, case_id=case.id, outcome="retrained",
                      today=start + timedelta(days=125))


def _move(session, actor, item: CaseService, target: str, outcome: str, when) -> None:
    service.move_service(session=session, actor=actor, service_id=item.id, target=target, outcome=outcome, today=when)

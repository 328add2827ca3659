"""A dozen demo filings (invented, not real deployments) in every state of the procedure: warehouse task
allocation, CV screening at a bank, camera-based PPE detection at the smelter, a call-centre chatbot
replacing 40 operators, predictive maintenance, and others; with questions, answers, votes,
conditions (one overdue and escalated), an override, and the smelter's human-only roles and quotas."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy.orm import Session

from qorgau.airegister import service
from qorgau.airegister.models import FilingStatus
from qorgau.airegister.schemas import FilingIn
from qorgau.core.db import utcnow
from qorgau.core.models import User
from qorgau.core.policy import Role


def _plan(workers: int, group: str, training: str, target: str, start: date) -> list[dict]:
    return [{"group": group, "workers": workers, "training": training, "target_jobs": target,
             "funding": "Работодатель 70%, фонд профсоюза 10%, Enbek.kz 20%",
             "start_on": start.isoformat(), "end_on": (start + timedelta(days=120)).isoformat()}]


def filings(today: date) -> list[dict]:
    """The demo filings: content, the sector to place each at, and the state to bring it to."""
    soon = today + timedelta(days=30)
    return [
        {"sector": "H", "state": FilingStatus.APPROVED_WITH_CONDITIONS, "data": {
            "name": "Распределение задач на складе (WMS-AI)", "vendor": "ТОО «Логистик Софт»",
            "purpose": "Назначает комплектовщикам задачи и маршруты по складу с учётом темпа каждого работника.",
            "areas": ["task_allocation", "monitoring"], "decides": "Очерёдность и маршрут задач каждого комплектовщика",
            "autonomy": "acts_human_can_override", "oversight": "Начальник смены может переназначить задачу",
            "personal_data": True, "profiling": True, "system_status": "pilot",
            "occupations": [{"isco08": "4321", "headcount": 90, "removed": 0},
                            {"isco08": "9333", "headcount": 30, "removed": 0}],
            "headcount": 120, "jobs_changed": 120}},
        {"sector": "K", "state": FilingStatus.VOTING, "data": {
            "name": "Отбор резюме (CV screening)", "vendor": "HR-Tech Vendor",
            "purpose": "Ранжирует отклики на вакансии и отсеивает кандидатов ниже порога.",
            "areas": ["hiring"], "decides": "Кого пригласить на собеседование", "autonomy": "acts_human_can_override",
            "personal_data": True, "profiling": True,
            "occupations": [{"isco08": "3312", "headcount": 0, "removed": 0}], "headcount": 15}},
        {"sector": "smelter", "state": FilingStatus.APPROVED_WITH_CONDITIONS, "overdue": True, "data": {
            "name": "Видеоконтроль СИЗ в цехе электролиза", "vendor": "ТОО «Vision Safety»",
            "purpose": "Камеры распознают отсутствие каски, респиратора и очков и сообщают мастеру.",
            "areas": ["safety_monitoring"], "decides": "Сигнал мастеру о нарушении", "autonomy": "recommends",
            "oversight": "Мастер смены проверяет каждый сигнал", "personal_data": True,
            "data_description": "Видео с камер цеха, хранение 30 дней",
            "occupations": [{"isco08": "8121", "headcount": 420, "removed": 0}], "headcount": 420,
            "jobs_changed": 0, "unit": "Цех электролиза"}},
        {"sector": "J", "state": FilingStatus.APPROVED, "data": {
            "name": "Чат-бот колл-центра", "vendor": "ТОО «Диалог AI»",
            "purpose": "Отвечает клиентам в чате и по телефону, сложные вопросы передаёт оператору.",
            "areas": ["customer_service"], "decides": "Ответ клиенту", "autonomy": "acts_human_can_override",
            "personal_data": True, "occupations": [{"isco08": "4222", "headcount": 60, "removed": 40}],
            "headcount": 60, "jobs_changed": 20, "jobs_removed": 40, "jobs_created": 6,
            "unit": "Колл-центр", "unit_positions": 60, "unit_human_before": 60,
            "retraining_plan": _plan(40, "Операторы колл-центра", "Курсы аналитика данных и продаж (160 ч)",
                                     "Аналитик обращений, менеджер по продажам", today - timedelta(days=60))}},
        {"sector": "smelter", "state": FilingStatus.APPROVED, "data": {
            "name": "Предиктивное обслуживание насосов", "vendor": "ТОО «Индастриал Аналитикс»",
            "purpose": "Предсказывает отказы насосов и электродвигателей по вибрации и температуре.",
            "areas": ["maintenance"], "decides": "Рекомендация о ремонте", "autonomy": "recommends",
            "occupations": [{"isco08": "7233", "headcount": 35, "removed": 0}], "headcount": 35, "jobs_changed": 35}},
        {"sector": "J", "state": FilingStatus.REJECTED, "data": {
            "name": "Распознавание эмоций операторов", "vendor": "Emotion Analytics Ltd",
            "purpose": "Оценивает тон голоса операторов и их эмоциональное состояние во время звонков.",
            "areas": ["monitoring", "performance"], "autonomy": "recommends", "personal_data": True,
            "biometric_data": True, "emotion_recognition": True,
            "occupations": [{"isco08": "4222", "headcount": 60, "removed": 0}], "headcount": 60}},
        {"sector": "Q", "state": FilingStatus.UNDER_REVIEW, "question": True, "data": {
            "name": "Составление графика смен медсестёр", "vendor": "ТОО «МедПлан»",
            "purpose": "Составляет график дежурств с учётом пожеланий и нормы часов.",
            "areas": ["scheduling"], "decides": "Проект графика, утверждает старшая медсестра",
            "autonomy": "recommends", "personal_data": True,
            "occupations": [{"isco08": "2221", "headcount": 140, "removed": 0}], "headcount": 140, "jobs_changed": 0}},
        {"sector": "H", "state": FilingStatus.DRAFT, "data": {
            "name": "Контроль усталости водителей", "vendor": "DriverGuard",
            "purpose": "Камера в кабине отслеживает признаки усталости водителя и подаёт сигнал.",
            "areas": ["safety_monitoring"], "decides": "Сигнал водителю и диспетчеру",
            "autonomy": "acts_human_can_override", "personal_data": True, "biometric_data": True,
            "safety_critical": True, "occupations": [{"isco08": "8332", "headcount": 80, "removed": 0}],
            "headcount": 80}},
        {"sector": "B", "state": FilingStatus.UNDER_REVIEW, "data": {
            "name": "Автоматическая сортировка руды", "vendor": "ТОО «Майнинг Автоматика»",
            "purpose": "Рентгеновский сортировщик заменяет ручную сортировку руды на ленте.",
            "areas": ["production_automation"], "decides": "Отбраковка кусков руды", "autonomy": "acts_no_override",
            "occupations": [{"isco08": "8112", "headcount": 25, "removed": 25}], "headcount": 25,
            "jobs_removed": 25, "jobs_created": 3}},
        {"sector": "smelter", "state": FilingStatus.VOTING, "data": {
            "name": "Рейтинг эффективности и дисциплинарные меры", "vendor": "ТОО «HR Метрика»",
            "purpose": "Считает рейтинг эффективности рабочих и автоматически снимает премию при низком рейтинге.",
            "areas": ["performance", "discipline"], "decides": "Снятие премии", "autonomy": "acts_no_override",
            "personal_data": True, "profiling": True,
            "occupations": [{"isco08": "8121", "headcount": 300, "removed": 0}], "headcount": 300}},
        {"sector": "G", "state": FilingStatus.WITHDRAWN, "data": {
            "name": "Индекс лояльности сотрудников", "vendor": "Loyalty Score",
            "purpose": "Оценивает сотрудников по поведению в соцсетях и на работе для продвижения.",
            "areas": ["performance"], "autonomy": "recommends", "personal_data": True, "profiling": True,
            "social_scoring": True, "occupations": [{"isco08": "5223", "headcount": 50, "removed": 0}],
            "headcount": 50}},
        {"sector": "smelter", "state": FilingStatus.UNDER_REVIEW, "data": {
            "name": "Роботизированная сварка в ремонтном цехе", "vendor": "ТОО «РобоТех»",
            "purpose": "Сварочные роботы заменяют ручную сварку типовых узлов.",
            "areas": ["production_automation"], "decides": "Режим сварки", "autonomy": "acts_human_can_override",
            "safety_critical": True, "occupations": [{"isco08": "7212", "headcount": 30, "removed": 12}],
            "headcount": 30, "jobs_removed": 12, "jobs_changed": 18, "unit": "Ремонтный цех", "unit_positions": 40,
            "unit_human_before": 40,
            "retraining_plan": _plan(12, "Сварщики ремонтного цеха", "Оператор сварочного робота (120 ч)",
                                     "Оператор роботизированного комплекса", soon)}},
    ]


def generate(session: Session, ctx) -> None:
    if not ctx.enterprises:
        return
    today = utcnow().date()
    smelter = ctx.enterprises[0]
    admin: User = next(u for u in ctx.users.values() if u.role == Role.ADMIN)
    employer, officer, inspector = ctx.users["employer"], ctx.users["officer"], ctx.users["inspector"]

    others = [e for e in ctx.enterprises[1:] if e.primary_union_id] or ctx.enterprises[1:] or [smelter]

    def place(sector: str, number: int):
        """The smelter, else the first unionised enterprise of the sector, else another unionised one."""
        if sector == "smelter":
            return smelter
        union = [e for e in others if e.sector_code == sector]
        return union[0] if union else others[number % len(others)]

    def act(user: User):
        session.info["actor"] = f"user:{user.username}"
        return user

    service.set_human_only(session=session, actor=act(officer), enterprise_id=smelter.id, isco08="7212",
                           clause="Коллективный договор, п. 7.4: ручная сварка ответственных узлов")
    service.set_human_only(session=session, actor=officer, enterprise_id=smelter.id, isco08="3257",
                           clause="Коллективный договор, п. 7.5: инспекторы по охране труда")
    service.set_quota(session=session, actor=officer, enterprise_id=smelter.id, unit="*", min_human_pct=85,
                      clause="Коллективный договор, п. 7.1")
    for number, spec in enumerate(filings(today)):
        enterprise = place(spec["sector"], number)
        own = enterprise.id == smelter.id
        filer = act(employer if own else admin)
        union_side = officer if own else admin
        started = today - timedelta(days=150 - number * 9)
        filing = service.create(session=session, actor=filer, enterprise_id=enterprise.id,
                                filing_in=FilingIn.model_validate(spec["data"], strict=False), today=started)
        state = spec["state"]
        if state == FilingStatus.DRAFT:
            continue
        service.submit(session=session, actor=filer, filing_id=filing.id, today=started + timedelta(days=1))
        if state == FilingStatus.WITHDRAWN:
            service.withdraw(session=session, actor=filer, filing_id=filing.id)
            continue
        if spec.get("question") or state in (FilingStatus.APPROVED_WITH_CONDITIONS, FilingStatus.VOTING):
            question = service.comment(session=session, actor=act(union_side), filing_id=filing.id, kind="question",
                                       body="Кто может отменить решение системы и как работник узнает о нём?")
            if state != FilingStatus.UNDER_REVIEW:
                service.comment(session=session, actor=act(filer), filing_id=filing.id, kind="answer",
                                answers_id=question.id,
                                body="Решение отменяет начальник смены; работник видит его в терминале и может "
                                     "обжаловать в течение 3 дней.")
        if state == FilingStatus.UNDER_REVIEW:
            continue
        if "CV" in filing.name:
            service.override(session=session, actor=act(union_side), filing_id=filing.id, dimension="risk_kz",
                             value="high", reason="Отбор кандидатов решает судьбу людей: высокий риск по смыслу ст. 17.")
        service.open_vote(session=session, actor=act(union_side), filing_id=filing.id)
        voter = act(union_side)
        choice = "against" if state == FilingStatus.REJECTED else "for"
        service.vote(session=session, actor=voter, filing_id=filing.id, choice=choice)
        if own:
            service.vote(session=session, actor=act(inspector), filing_id=filing.id, choice=choice)
        if state == FilingStatus.VOTING:
            continue
        conditions = []
        if state == FilingStatus.APPROVED_WITH_CONDITIONS:
            due = started + timedelta(days=40) if spec.get("overdue") else today + timedelta(days=60)
            conditions = [("Провести обучение работников и разместить памятку о системе в цехе", due),
                          ("Представить профсоюзу отчёт о проверке на дискриминацию", today + timedelta(days=90))]
        reasons = ("Распознавание эмоций работников запрещено (ст. 17 Закона об ИИ; ст. 5(1)(f) AI Act)."
                   if state == FilingStatus.REJECTED else "")
        service.decide(session=session, actor=act(union_side), filing_id=filing.id, reasons=reasons,
                       conditions=conditions, today=started + timedelta(days=20))
    session.info["actor"] = "system:demo"
    service.escalate(session, today)
    session.flush()

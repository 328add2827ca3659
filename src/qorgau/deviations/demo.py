"""Demo violations: three years of union technical inspectors' findings at unionised enterprises, with
corrective actions closed on time, late or not yet; inspectors and committees; a worked example at the
demo smelter (evidence, a rejected fix, escalation). Texts are written for the demo, not real records."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.deviations import ladder, service
from qorgau.deviations.models import (
    ActionEscalation,
    ActionStatus,
    CorrectiveAction,
    Violation,
    ViolationStatus,
)
from qorgau.deviations.schemas import ActionIn, ViolationIn
from qorgau.registry.models import SafetyCommittee, Site, TechnicalInspector, Zone
from qorgau.training import service as training

# (category, typical severity, what the inspector wrote, what must be done)
FINDINGS = [
    ("machinery_equipment", "gross", "Снято защитное ограждение приводного вала конвейера", "Установить ограждение, запретить пуск без него"),
    ("machinery_equipment", "significant", "Не работает аварийный тросовый выключатель конвейера", "Отремонтировать и проверить тросовый выключатель"),
    ("machinery_equipment", "minor", "Нет таблички с датой следующего освидетельствования крана", "Нанести данные освидетельствования"),
    ("electrical", "gross", "Открыт электрощит, оголённые токоведущие части под напряжением", "Закрыть щит на замок, изолировать жилы"),
    ("electrical", "significant", "Переносной светильник 220 В в сырой зоне вместо 12 В", "Заменить светильник на 12 В"),
    ("falls_heights", "gross", "Работа на высоте 6 м без страховочной привязи", "Остановить работы, выдать привязи, провести инструктаж"),
    ("falls_heights", "significant", "Нет ограждения проёма в перекрытии", "Установить ограждение высотой 1,1 м"),
    ("chemical_gas_dust", "gross", "Не работает местная вытяжка у ванн электролиза", "Отремонтировать вытяжку, замерить концентрации"),
    ("chemical_gas_dust", "significant", "Газоанализатор не поверен, срок истёк", "Поверить газоанализатор"),
    ("fire_explosion", "significant", "Загромождён эвакуационный выход", "Освободить выход, проверить ежедневно"),
    ("fire_explosion", "minor", "Огнетушитель без отметки о перезарядке", "Перезарядить огнетушитель"),
    ("ppe", "significant", "Работники без респираторов на участке обжига", "Выдать респираторы, контроль мастера"),
    ("ppe", "minor", "Просрочены сроки замены спецодежды", "Заменить спецодежду по нормам выдачи"),
    ("transport_vehicles", "significant", "Погрузчик без звукового сигнала заднего хода", "Отремонтировать сигнал"),
    ("transport_vehicles", "minor", "Нет разметки пешеходного прохода на складе", "Нанести разметку"),
    ("confined_space", "gross", "Вход в ёмкость без наряда-допуска и замера воздуха", "Остановить работы, оформить наряд-допуск"),
    ("physical_environment", "significant", "Шум в дробильном отделении выше нормы, нет наушников", "Выдать СИЗ органов слуха, замерить шум"),
    ("physical_environment", "minor", "Недостаточное освещение прохода", "Заменить светильники"),
    ("ergonomics_workload", "minor", "Ручной подъём грузов свыше 30 кг", "Обеспечить средства механизации"),
    ("biological", "minor", "Не работает умывальник в бытовке", "Отремонтировать умывальник"),
    ("psychosocial_harassment", "significant", "Работники жалуются на сверхурочные без учёта", "Навести порядок в учёте рабочего времени"),
    ("labor_rights", "significant", "Не проведён вводный инструктаж у новых работников", "Провести инструктаж, оформить журнал"),
    ("chemical_gas_dust", "significant", "Цехте шаң жинағыш жұмыс істемейді", "Шаң жинағышты жөндеу"),
    ("falls_heights", "significant", "Баспалдақтың қоршауы сынған", "Қоршауды жөндеу"),
    ("other", "minor", "Журнал осмотра лесов не заполняется", "Вести журнал осмотра ежедневно"),
]
NAMES = ["Ахметов Б.К.", "Сергеева О.Н.", "Жумабаева А.С.", "Ким В.П.", "Оспанов Е.Т.", "Иванов Д.А.",
         "Нурланұлы Ғ.", "Сапарова Д.М.", "Тулегенов А.Б.", "Петренко И.С.", "Бекова Ж.К.", "Смагулов Р.Е."]
YEARS = 3
BATCH = 9_000  # violations written per transaction


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("deviations")
    today = utcnow().date()
    unionised = [e for e in ctx.enterprises if e.has_union]
    zones_of = _places(session, [e.id for e in unionised])
    inspectors, committees, violations, actions = [], [], [], []
    now, steps = utcnow(), ladder.steps()
    trainings: dict[tuple[int, str], date] = {}  # (enterprise, unit) -> last paper-recorded safety training
    for enterprise in unionised:
        count = max(1, min(25, enterprise.headcount // rng.randint(60, 160)))
        for n in range(count):
            trained = today - timedelta(days=rng.randint(30, 1600)) if rng.random() < 0.85 else None
            inspectors.append({"enterprise_id": enterprise.id, "full_name": rng.choice(NAMES),
                               "unit": f"{n + 1}", "appointed_on": today - timedelta(days=rng.randint(90, 3000))})
            if trained:
                trainings[(enterprise.id, f"{n + 1}")] = trained
        if enterprise.safety_committee:
            members = rng.randint(4, 12)
            committees.append({"enterprise_id": enterprise.id, "name": "Производственный совет по безопасности",
                               "established_on": today - timedelta(days=rng.randint(200, 3000)), "members": members,
                               "worker_members": members // 2, "chair": rng.choice(NAMES),
                               "last_meeting_on": today - timedelta(days=rng.randint(5, 200))})
        places = zones_of.get(enterprise.id, [])
        # About 12 findings a year per 100 workers (a mining group of 40,000 people records ~40,000 a year at
        # most): a million violations over three years at 30,000 enterprises.
        per_year = min(1500, max(3, int(enterprise.headcount * rng.uniform(0.04, 0.2))))
        last_seen: dict[tuple, date] = {}
        found_days = sorted(rng.randint(1, 365 * YEARS) for _ in range(per_year * YEARS))
        for days_ago in reversed(found_days):
            found_on = today - timedelta(days=days_ago)
            category, severity, text, fix = rng.choice(FINDINGS)
            if rng.random() < 0.25:
                severity = rng.choice(("gross", "significant", "minor"))
            site_id, zone_id = rng.choice(places) if places else (None, None)
            key = (zone_id or site_id, category)
            repeat = key[0] is not None and key in last_seen and (found_on - last_seen[key]).days <= 365
            last_seen[key] = found_on
            due = service.due_date(severity, "corrective", found_on)
            allowed = (due - found_on).days
            closed_on = None
            if rng.random() < 0.93:
                late = rng.random() < 0.2
                took = rng.randint(allowed + 1, allowed * 3 + 5) if late else rng.randint(0, allowed)
                if found_on + timedelta(days=took) < today:
                    closed_on = found_on + timedelta(days=took)
            violations.append({"enterprise_id": enterprise.id, "site_id": site_id, "zone_id": zone_id,
                               "category": category, "severity": severity, "description": text,
                               "found_on": found_on,
                               "status": ViolationStatus.CLOSED if closed_on else ViolationStatus.OPEN,
                               "closed_on": closed_on, "inspector_name": rng.choice(NAMES), "source": "field",
                               "source_reference": "", "is_repeat": repeat, "work_stopped": severity == "gross"
                               and rng.random() < 0.3, "rule_reference": ""})
            actions.append({"kind": "corrective", "description": fix, "responsible": "Начальник участка",
                            "due_on": due, "status": ActionStatus.VERIFIED if closed_on else ActionStatus.OPEN,
                            "done_on": closed_on,
                            "verified_on": closed_on, "escalation_level": 0})
        if len(violations) >= BATCH:  # written and committed in batches: memory stays bounded at national size
            _write_violations(session, violations, actions, now=now, today=today, steps=steps)
            session.commit()
            violations, actions = [], []
    _write_violations(session, violations, actions, now=now, today=today, steps=steps)
    if inspectors:
        session.execute(insert(TechnicalInspector), inspectors)
        # Their last safety training, recorded from paper, goes to the training centre (the one source).
        rows = session.execute(select(TechnicalInspector.id, TechnicalInspector.enterprise_id, TechnicalInspector.unit,
                                      TechnicalInspector.full_name)).all()
        training.record_inspector_trainings(session, [{"inspector_id": i, "enterprise_id": e, "person_name": name,
                                     "trained_on": trainings[(e, unit)],
                                     "title": "Обучение по безопасности и охране труда (40 ч)"}
                                    for i, e, unit, name in rows if (e, unit) in trainings])
    if committees:
        session.execute(insert(SafetyCommittee), committees)
    _worked_example(session, ctx, today)
    session.info["actor"] = "system:escalation"
    ladder.escalate(session=session, today=today)
    session.info["actor"] = "system:demo"
    session.flush()



def _write_violations(session: Session, violations: list[dict], actions: list[dict], *, now, today: date,
                      steps) -> None:
    """Insert violations with their corrective actions and the escalation steps the ladder took in the past."""
    for start in range(0, len(violations), 900):
        chunk = violations[start:start + 900]
        ids = _insert_ids(session, Violation, [{**v, "created_at": now} for v in chunk])
        part = [{**a, "violation_id": vid} for vid, a in zip(ids, actions[start:start + 900], strict=True)]
        for action in part:  # the steps the ladder took in the past, as if escalation had run daily
            overdue = (today - action["due_on"]).days
            action["escalation_level"] = sum(1 for _n, days in steps if action["status"] == ActionStatus.OPEN
                                             and overdue >= max(days, 1))
        action_ids = _insert_ids(session, CorrectiveAction, part)
        history = [{"violation_id": a["violation_id"], "action_id": aid, "step": name, "level": level,
                    "on": a["due_on"] + timedelta(days=max(days, 1)), "days_overdue": max(days, 1), "notified": []}
                   for aid, a in zip(action_ids, part, strict=True)
                   for level, (name, days) in enumerate(steps[:a["escalation_level"]], start=1)]
        if history:
            session.execute(insert(ActionEscalation), history)

def _insert_ids(session: Session, model, rows: list[dict]) -> list[int]:
    """Insert in one statement and return the new ids in row order (the demo is the only writer)."""
    session.execute(insert(model), rows)
    newest = session.execute(select(model.id).order_by(model.id.desc()).limit(len(rows))).scalars().all()
    return sorted(newest)


def _places(session: Session, enterprise_ids: list[int]) -> dict[int, list[tuple[int, int | None]]]:
    places: dict[int, list[tuple[int, int | None]]] = {}
    for site_id, enterprise_id, zone_id in session.execute(
            select(Site.id, Site.enterprise_id, Zone.id).outerjoin(Zone, Zone.site_id == Site.id)
            .where(Site.enterprise_id.in_(enterprise_ids))):
        places.setdefault(enterprise_id, []).append((site_id, zone_id))
    return places


def _worked_example(session: Session, ctx, today: date) -> None:
    """At the smelter: a fix rejected then verified, one waiting for verification, one overdue."""
    inspector, employer = ctx.users["inspector"], ctx.users["employer"]
    smelter = ctx.enterprises[0]
    zone = session.execute(select(Zone).join(Site).where(Site.enterprise_id == smelter.id).limit(1)).scalar()
    session.info["actor"] = f"user:{inspector.username}"
    first, _ = service.record(session=session, actor=inspector, today=today - timedelta(days=12),
                              violation_in=ViolationIn(
        enterprise_id=smelter.id, zone_id=zone.id if zone else None, category="chemical_gas_dust", severity="gross",
        description="Не работает местная вытяжка у ванн электролиза, концентрация SO2 выше ПДК по показаниям датчика",
        rule_reference="Правила обеспечения промышленной безопасности, п. 12", work_stopped=True,
        found_on=today - timedelta(days=12), actions=[ActionIn(kind="immediate", description="Вывести людей, "
                                                                "включить резервный вентилятор", responsible="Мастер смены",
                                                                due_on=today - timedelta(days=11))]))
    second, _ = service.record(session=session, actor=inspector, today=today - timedelta(days=9),
                               violation_in=ViolationIn(
        enterprise_id=smelter.id, zone_id=zone.id if zone else None, category="falls_heights", severity="significant",
        description="Нет ограждения площадки обслуживания на отметке +4,2 м", found_on=today - timedelta(days=9),
        actions=[ActionIn(description="Установить ограждение высотой 1,1 м с бортовой доской",
                          responsible="Начальник цеха", due_on=today - timedelta(days=2))]))
    third, _ = service.record(session=session, actor=inspector, today=today - timedelta(days=3),
                              violation_in=ViolationIn(
        enterprise_id=smelter.id, category="ppe", severity="minor", found_on=today - timedelta(days=3),
        description="У двух работников участка разливки просрочены защитные очки",
        actions=[ActionIn(description="Заменить защитные очки", responsible="Кладовщик СИЗ")]))
    session.info["actor"] = f"user:{employer.username}"
    service.submit_evidence(session=session, actor=employer, action_id=first.actions[0].id,
                            note="Включён резервный вентилятор", today=today - timedelta(days=11))
    session.info["actor"] = f"user:{inspector.username}"
    service.verify(session=session, actor=inspector, action_id=first.actions[0].id, accept=False,
                   note="Резервный вентилятор не обеспечивает кратность воздухообмена, нужен ремонт основного",
                   new_due_on=today - timedelta(days=5), today=today - timedelta(days=10))
    session.info["actor"] = f"user:{employer.username}"
    service.submit_evidence(session=session, actor=employer, action_id=first.actions[0].id,
                            note="Основной вентилятор отремонтирован, замер SO2 в норме (протокол №118)",
                            today=today - timedelta(days=6))
    session.info["actor"] = f"user:{inspector.username}"
    service.verify(session=session, actor=inspector, action_id=first.actions[0].id, accept=True,
                   note="Проверено на месте", today=today - timedelta(days=5))
    session.info["actor"] = f"user:{employer.username}"
    service.submit_evidence(session=session, actor=employer, action_id=third.actions[0].id,
                            note="Очки заменены, ведомость выдачи подписана", today=today)
    del second  # left overdue: the ladder below reaches the safety manager and the management
    session.info["actor"] = "system:demo"

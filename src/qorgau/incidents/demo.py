"""Several years of demo accidents consistent with the seeds' national figures (invented events):

- about 0.17 recorded injuries per 1,000 workers a year (≈1,200 cases among ≈7 million employees), of
  which ≈17% fatal (≈200 deaths a year);
- 69% of accidents at enterprises without a union;
- 70% of deaths put down to employer negligence; up to 60% of injuries to worn-out equipment.
Sector risk multipliers put mining, metallurgy and construction on top.

Investigations: most notifications on time, some a few days late; commissions of three or four (invented)
members with the workers' representative; a few investigations extended once. Occupational disease cases
(no national figure in the seeds; assumed 0.05 per 1,000 workers a year, in dusty, noisy and vibrating work)
with ICD-10 codes typical of each harmful factor.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.incidents.engine import deadlines
from qorgau.incidents.engine.calendar_kz import Calendar
from qorgau.incidents.models import (
    Accident,
    CommissionMember,
    Denominator,
    DiseaseCase,
    Extension,
    SourceRecord,
    Victim,
)

CASES_PER_WORKER_YEAR = 0.17 / 1000
FATAL_SHARE = 0.17
NON_UNION_ACCIDENT_SHARE = 0.69
SECTOR_RISK = {"B": 3.0, "C": 2.0, "F": 2.5, "H": 1.8, "A": 1.5, "D": 1.5, "E": 1.2}
YEARS = 6
# Unregistered cases per registered one: the seeds say official statistics under-report badly.
CONCEALED_PER_REGISTERED = 2.0
DISEASE_PER_WORKER_YEAR = 0.05 / 1000
DISEASE_SECTOR_RISK = {"B": 6.0, "C": 3.0, "F": 1.5, "D": 1.5}
# Harmful factor, typical ICD-10 codes, typical occupation (ISCO-08) of the diagnosed worker.
DISEASES = [("dust", ["J60", "J62.8", "J44.8"], "8111"), ("noise", ["H83.3", "H90.3"], "8121"),
            ("vibration", ["T75.2"], "8113"), ("chemical", ["J68.4", "L24.5", "T56.0"], "8131"),
            ("physical_load", ["M51.1", "M54.1"], "9313")]
MEMBER_NAMES = ["Серик Ахметов", "Айгуль Нурланова", "Ержан Касымов", "Мария Ковалёва", "Дамир Сейтказы",
                "Алия Жумабекова", "Олег Петренко", "Гульнар Омарова"]
MEMBER_ROLES = ["председатель комиссии, главный инженер", "специалист по безопасности и охране труда",
                "государственный инспектор труда", "начальник участка"]
REPRESENTATIVE_ROLE = "представитель работников, технический инспектор профсоюза"


def _poisson(rng, lam: float) -> int:
    # Knuth's method is fine for the small means here.
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def generate(session: Session, ctx) -> None:
    rng = ctx.rng("incidents")
    today = utcnow().date()
    enterprises = ctx.enterprises
    workers = sum(e.headcount for e in enterprises) or 1
    non_union = sum(e.headcount for e in enterprises if not e.has_union) / workers
    # Relative risk at non-union enterprises that yields the 69% share given their share of workers.
    factor = NON_UNION_ACCIDENT_SHARE * (1 - non_union) / max((1 - NON_UNION_ACCIDENT_SHARE) * non_union, 1e-9)
    weight_sum = sum(e.headcount * SECTOR_RISK.get(e.sector_code, 0.4) * (factor if not e.has_union else 1)
                     for e in enterprises)
    scale = CASES_PER_WORKER_YEAR * workers / max(weight_sum, 1e-9)
    calendar = Calendar()
    for year_offset in range(YEARS):
        year = today.year - YEARS + 1 + year_offset
        days_in_year = (today - date(year, 1, 1)).days + 1 if year == today.year else 365
        for enterprise in enterprises:
            if enterprise.headcount >= 250:
                session.add(Denominator(enterprise_id=enterprise.id, year=year, source="entered",
                                        workers=round(enterprise.headcount * rng.uniform(0.93, 1.02)),
                                        hours=round(enterprise.headcount * rng.uniform(1750, 1950))))
            risk = SECTOR_RISK.get(enterprise.sector_code, 0.4) * (factor if not enterprise.has_union else 1)
            lam = enterprise.headcount * risk * scale * days_in_year / 365
            for _ in range(_poisson(rng, lam)):
                occurred = date(year, 1, 1) + timedelta(days=rng.randrange(days_in_year))
                victims = 1 if rng.random() < 0.9 else rng.randint(2, 4)
                outcomes = ["fatal" if rng.random() < FATAL_SHARE else "serious" if rng.random() < 0.35 else "light"
                            for _ in range(victims)]
                fatal = "fatal" in outcomes
                cause = ("employer_negligence" if rng.random() < 0.7 else rng.choice(["unsafe_act", "organisation"])) \
                    if fatal else ("worn_equipment" if rng.random() < 0.6 else
                                   rng.choice(["organisation", "unsafe_act", "ppe", "training", "employer_negligence"]))
                classification = deadlines.classify(victims, outcomes.count("fatal"), outcomes.count("serious"))
                notified = occurred + timedelta(days=rng.choice([0, 0, 0, 0, 1, 1, 3]))
                formed = occurred + timedelta(days=rng.choice([1, 1, 2]))
                due = calendar.add_working_days(occurred, deadlines.INVESTIGATION_DAYS + 1)
                members, extensions = [], []
                if formed <= today:
                    due = calendar.add_working_days(formed, deadlines.INVESTIGATION_DAYS)
                    names = rng.sample(MEMBER_NAMES, 4)
                    members = [CommissionMember(name=names[i], role=role) for i, role in
                               enumerate(rng.sample(MEMBER_ROLES, rng.choice([2, 3])))]
                    members.append(CommissionMember(name=names[-1], role=REPRESENTATIVE_ROLE,
                                                    workers_representative=True))
                    if classification.special_investigation and rng.random() < 0.15:
                        new_due = calendar.add_working_days(due, rng.randint(5, 10))
                        extensions.append(Extension(previous_due=due, new_due=new_due,
                                                    reason="ожидание заключения экспертизы оборудования"))
                        due = new_due
                finished = due < today - timedelta(days=20) or rng.random() < 0.5
                act_on = min(due + timedelta(days=rng.randint(-6, 4)), today) if finished and due < today else None
                if act_on and members and rng.random() < 0.1:
                    members[-1].dissent = "не согласен с долей вины работника: работодатель не обеспечил СИЗ"
                    members[-1].dissent_on = act_on
                accident = Accident(
                    enterprise_id=enterprise.id, occurred_on=occurred, category=classification.category,
                    commission=classification.commission, cause=cause, union_present=enterprise.has_union,
                    source=rng.choice(["employer"] * 8 + ["union_inspector", "hospital"]), investigation_due=due,
                    notified_on=notified if notified <= today else None,
                    commission_formed_on=formed if members else None, members=members, extensions=extensions,
                    act_on=act_on, employer_fault_percent=rng.choice([100, 80, 70, 50]) if act_on else None,
                    worker_fault_percent=0 if not act_on else rng.choice([0, 0, 20, 30]),
                    victims=[Victim(outcome=o, days_lost=0 if o == "fatal" else int(rng.expovariate(1 / (60 if o == "serious" else 14))),
                                    sex="m" if rng.random() < 0.8 else "f",
                                    age_band=rng.choice(["15-24", "25-34", "35-44", "45-54", "55-64"]))
                             for o in outcomes])
                session.add(accident)
                _other_sources(session, rng, enterprise, occurred, accident.victims)
            disease_risk = DISEASE_SECTOR_RISK.get(enterprise.sector_code, 0.2)
            for _ in range(_poisson(rng, enterprise.headcount * DISEASE_PER_WORKER_YEAR * disease_risk
                                    * days_in_year / 365)):
                factor_code, codes, isco = rng.choice(DISEASES)
                session.add(DiseaseCase(
                    enterprise_id=enterprise.id, diagnosed_on=date(year, 1, 1) + timedelta(days=rng.randrange(days_in_year)),
                    icd10=rng.choice(codes), harmful_factor=factor_code, exposure_years=round(rng.uniform(5, 30), 1),
                    isco08=isco, sex="m" if rng.random() < 0.85 else "f", age_band=rng.choice(["35-44", "45-54", "55-64"])))
            # Cases the employer never registered: seen, if at all, only by a hospital or the union.
            for _ in range(_poisson(rng, lam * CONCEALED_PER_REGISTERED)):
                occurred = date(year, 1, 1) + timedelta(days=rng.randrange(days_in_year))
                hidden = Victim(outcome="serious" if rng.random() < 0.3 else "light", sex="m" if rng.random() < 0.8 else "f",
                                age_band=rng.choice(["15-24", "25-34", "35-44", "45-54", "55-64"]))
                _other_sources(session, rng, enterprise, occurred, [hidden], hidden_case=True)
    session.flush()


def _other_sources(session: Session, rng, enterprise, occurred: date, victims, hidden_case: bool = False) -> None:
    """Hospital and union-inspector lists see some of the same cases (dates may differ by a day)."""
    for victim in victims:
        hospital_chance = 0.9 if victim.outcome in ("fatal", "serious") else (0.45 if hidden_case else 0.55)
        union_chance = (0.6 if enterprise.has_union else 0.2) * (0.5 if hidden_case else 1)
        for source, chance in (("hospital", hospital_chance), ("union_inspector", union_chance)):
            if rng.random() < chance:
                session.add(SourceRecord(source=source, enterprise_id=enterprise.id, sex=victim.sex,
                                         event_date=occurred + timedelta(days=rng.choice([0, 0, 0, 1])),
                                         severity=victim.outcome, age_band=victim.age_band))

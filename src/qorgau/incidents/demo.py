"""Several years of demo accidents consistent with the seeds' national figures (invented events):

- about 0.17 recorded injuries per 1,000 workers a year (≈1,200 cases among ≈7 million employees), of
  which ≈17% fatal (≈200 deaths a year);
- 69% of accidents at enterprises without a union;
- 70% of deaths put down to employer negligence; up to 60% of injuries to worn-out equipment.
Sector risk multipliers put mining, metallurgy and construction on top.
"""

from __future__ import annotations

import math
from datetime import date, timedelta

from sqlalchemy.orm import Session

from qorgau.core.db import utcnow
from qorgau.incidents import deadlines
from qorgau.incidents.calendar_kz import Calendar
from qorgau.incidents.models import Accident, Denominator, SourceRecord, Victim

CASES_PER_WORKER_YEAR = 0.17 / 1000
FATAL_SHARE = 0.17
NON_UNION_ACCIDENT_SHARE = 0.69
SECTOR_RISK = {"B": 3.0, "C": 2.0, "F": 2.5, "H": 1.8, "A": 1.5, "D": 1.5, "E": 1.2}
YEARS = 6
# Unregistered cases per registered one: the seeds say official statistics under-report badly.
CONCEALED_PER_REGISTERED = 2.0


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
                due = calendar.add_working_days(occurred, deadlines.INVESTIGATION_DAYS + 1)
                finished = due < today - timedelta(days=20) or rng.random() < 0.5
                act_on = min(due + timedelta(days=rng.randint(-6, 4)), today) if finished and due < today else None
                accident = Accident(
                    enterprise_id=enterprise.id, occurred_on=occurred, category=classification.category,
                    commission=classification.commission, cause=cause, union_present=enterprise.has_union,
                    source=rng.choice(["employer"] * 8 + ["union_inspector", "hospital"]), investigation_due=due,
                    act_on=act_on, employer_fault_percent=rng.choice([100, 80, 70, 50]) if act_on else None,
                    worker_fault_percent=0 if not act_on else rng.choice([0, 0, 20, 30]),
                    victims=[Victim(outcome=o, days_lost=0 if o == "fatal" else int(rng.expovariate(1 / (60 if o == "serious" else 14))),
                                    sex="m" if rng.random() < 0.8 else "f",
                                    age_band=rng.choice(["15-24", "25-34", "35-44", "45-54", "55-64"]))
                             for o in outcomes])
                session.add(accident)
                _other_sources(session, rng, enterprise, occurred, accident.victims)
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

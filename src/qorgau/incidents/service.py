"""Accident registry logic: record and classify accidents (art. 188), investigation deadlines,
denominators, and the rate tables computed by the engine in rates.py."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
from sqlalchemy import Integer, Select, func, select
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents import deadlines, exposure, rates
from qorgau.incidents.calendar_kz import Calendar
from qorgau.incidents.models import Accident, Denominator, Victim
from qorgau.incidents.schemas import AccidentIn
from qorgau.registry.models import Enterprise

DIMENSIONS = ("region", "sector", "size_band", "union", "year", "enterprise", "cause")


def _classify(victims: list[str]) -> deadlines.Classification:
    return deadlines.classify(len(victims), fatalities=victims.count("fatal"), serious=victims.count("serious"))


def record(*, session: Session, actor: User, accident_in: AccidentIn, source_reference: str = "") -> Accident:
    """Register an accident: its Labour Code category, commission level and investigation deadline."""
    policy.require_enterprise(session, actor, "incidents.write", accident_in.enterprise_id)
    if accident_in.occurred_on > utcnow().date():
        raise ValidationFailed(N_("The date of the accident cannot be in the future."), field="occurred_on")
    enterprise = session.get(Enterprise, accident_in.enterprise_id)
    outcomes = [v.outcome for v in accident_in.victims]
    classification = _classify(outcomes)
    accident = Accident(
        enterprise_id=enterprise.id, occurred_on=accident_in.occurred_on, category=classification.category,
        commission=classification.commission, description=accident_in.description, cause=accident_in.cause,
        union_present=enterprise.has_union, source=accident_in.source, source_reference=source_reference,
        investigation_due=Calendar().add_working_days(accident_in.occurred_on, deadlines.INVESTIGATION_DAYS + 1),
        victims=[Victim(**v.model_dump()) for v in accident_in.victims])
    session.add(accident)
    session.flush()
    return accident


def create_from_report(*, session: Session, actor: User, enterprise_id: int, description: str,
                       source_reference: str, reported_on: date) -> Accident:
    """A Worker Speaks report recorded as an accident to be confirmed (one light case until investigated)."""
    from qorgau.incidents.schemas import VictimIn

    return record(session=session, actor=actor, source_reference=source_reference, accident_in=AccidentIn(
        enterprise_id=enterprise_id, occurred_on=reported_on, description=description, source="worker_report",
        victims=[VictimIn(outcome="light")]))


def accidents_query(*, session: Session, actor: User, year: int | None = None, category: str = "") -> Select:
    policy.require(actor, "incidents.read")
    query = select(Accident).where(policy.scoped(session, actor, Accident.enterprise_id)) \
        .order_by(Accident.occurred_on.desc(), Accident.id.desc())
    if year:
        query = query.where(Accident.occurred_on >= date(year, 1, 1), Accident.occurred_on < date(year + 1, 1, 1))
    if category:
        query = query.where(Accident.category == category)
    return query


def get(*, session: Session, actor: User, accident_id: int) -> Accident:
    accident = session.get(Accident, accident_id)
    if accident is None:
        raise NotFound(N_("Not found."))
    policy.require_enterprise(session, actor, "incidents.read", accident.enterprise_id)
    return accident


def close_investigation(*, session: Session, actor: User, accident_id: int, act_on: date,
                        employer_fault_percent: int, worker_fault_percent: int, dissent: str = "") -> Accident:
    """Record the investigation act with the split of fault (percentages add up to at most 100)."""
    accident = get(session=session, actor=actor, accident_id=accident_id)
    policy.require(actor, "incidents.write")
    if employer_fault_percent + worker_fault_percent > 100:
        raise ValidationFailed(N_("The fault split cannot exceed 100%."), field="worker_fault_percent")
    if act_on < accident.occurred_on:
        raise ValidationFailed(N_("The act cannot be dated before the accident."), field="act_on")
    accident.act_on, accident.dissent = act_on, dissent
    accident.employer_fault_percent, accident.worker_fault_percent = employer_fault_percent, worker_fault_percent
    session.flush()
    return accident


def overdue_investigations(*, session: Session, actor: User, today: date) -> list[Accident]:
    query = accidents_query(session=session, actor=actor).where(Accident.act_on.is_(None),
                                                                 Accident.investigation_due < today)
    return list(session.execute(query).scalars())


def summary(accident: Accident) -> dict:
    outcomes = [v.outcome for v in accident.victims]
    return {"victims": len(outcomes), "fatal": outcomes.count("fatal"), "serious": outcomes.count("serious")}


# ---- statistics --------------------------------------------------------------------------------


def exposure_frame(*, session: Session, actor: User, years: list[int]) -> pd.DataFrame:
    """One row per enterprise-year in scope: entered denominators, else estimated from headcount (flagged)."""
    policy.require(actor, "incidents.stats")
    enterprises = session.execute(select(Enterprise.id, Enterprise.region_kato, Enterprise.sector_code,
                                         Enterprise.headcount, Enterprise.has_union)
                                  .where(policy.enterprise_scope(session, actor))).all()
    entered = {(d.enterprise_id, d.year): d for d in session.execute(
        select(Denominator).where(Denominator.year.in_(years))).scalars()}
    rows = []
    for enterprise_id, region, sector, headcount, has_union in enterprises:
        for year in years:
            found = entered.get((enterprise_id, year))
            workers = found.workers if found else float(headcount)
            hours = found.hours if found else float(exposure.estimate_hours([headcount])[0])
            rows.append({"enterprise_id": enterprise_id, "year": year, "workers": workers, "hours": hours,
                         "hours_estimated": found is None or found.hours_estimated, "region": region,
                         "sector": sector, "size_band": exposure.size_band(workers),
                         "union": "union" if has_union else "no_union"})
    return pd.DataFrame(rows)


def cases_frame(*, session: Session, actor: User, years: list[int]) -> pd.DataFrame:
    """One row per victim in scope and years, with the accident's attributes."""
    policy.require(actor, "incidents.stats")
    year_of = func.extract("year", Accident.occurred_on)
    query = (select(Accident.enterprise_id, year_of.label("year"), Victim.outcome, Victim.days_lost, Accident.cause,
                    Accident.union_present)
             .join(Victim).where(policy.scoped(session, actor, Accident.enterprise_id),
                                 Accident.occurred_on >= date(min(years), 1, 1),
                                 Accident.occurred_on < date(max(years) + 1, 1, 1)))
    frame = pd.DataFrame(session.execute(query).all(),
                         columns=["enterprise_id", "year", "outcome", "days_lost", "cause", "union_present"])
    frame["year"] = frame["year"].astype(int) if len(frame) else frame["year"]
    return frame


def rates_for(*, session: Session, actor: User, by: list[str], base: str = "per_1000_workers",
              severity: str = "all", years: list[int] | None = None) -> list[dict]:
    """Rates with exact Poisson 95% intervals for any slice, its base named in every row."""
    unknown = [d for d in by if d not in DIMENSIONS]
    if unknown:
        raise ValidationFailed(N_("Unknown dimension."), field="by")
    if base not in rates.BASES:
        raise ValidationFailed(N_("Unknown rate base."), field="base")
    if years is None:
        last = utcnow().year - 1
        years = list(range(last - 4, last + 1))
    expo = exposure_frame(session=session, actor=actor, years=years)
    cases = cases_frame(session=session, actor=actor, years=years)
    if expo.empty:
        return []
    try:
        return rates.rates_table(cases, expo, by or None, base=base, severity=severity)
    except rates.RateError as error:
        raise ValidationFailed(str(error), field="severity" if "severity" in str(error) else None)


def counts_for_enterprises(*, session: Session, start: date, end: date) -> list[dict]:
    """Cases per enterprise in [start, end): all, serious or fatal, fatal, days lost (for the index and risk)."""
    query = (select(Accident.enterprise_id, func.count(Victim.id).label("cases"),
                    func.sum((Victim.outcome != "light").cast(Integer())).label("serious_or_fatal"),
                    func.sum((Victim.outcome == "fatal").cast(Integer())).label("fatal"),
                    func.sum(Victim.days_lost).label("days_lost"))
             .join(Victim).where(Accident.occurred_on >= start, Accident.occurred_on < end)
             .group_by(Accident.enterprise_id))
    return [dict(row._mapping) for row in session.execute(query)]


def year_window(years: int, today: date | None = None) -> tuple[date, date]:
    today = today or utcnow().date()
    return today - timedelta(days=365 * years), today


def under_reporting(*, session: Session, actor: User, year: int) -> dict:
    """Estimate the true number of cases in a year from overlapping sources (registry, hospitals, union
    inspectors, ...) by record linkage and capture-recapture, and the concealment ratio against the registry."""
    from qorgau.incidents import capture_recapture, linkage
    from qorgau.incidents.models import SourceRecord

    policy.require(actor, "incidents.stats")
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    registry_rows = session.execute(
        select(Accident.enterprise_id, Accident.occurred_on, Victim.outcome, Victim.sex, Victim.age_band)
        .join(Victim).where(policy.scoped(session, actor, Accident.enterprise_id),
                            Accident.occurred_on >= start, Accident.occurred_on < end)).all()
    other_rows = session.execute(
        select(SourceRecord.source, SourceRecord.enterprise_id, SourceRecord.event_date, SourceRecord.severity,
               SourceRecord.sex, SourceRecord.age_band)
        .where(policy.scoped(session, actor, SourceRecord.enterprise_id),
               SourceRecord.event_date >= start, SourceRecord.event_date < end)).all()
    records = pd.DataFrame(
        [("registry", e, d, o, s, a) for e, d, o, s, a in registry_rows] + [tuple(r) for r in other_rows],
        columns=["source", "enterprise_id", "event_date", "severity", "sex", "age_band"])
    registered = len(registry_rows)
    sources = sorted(records["source"].unique()) if len(records) else []
    result = {"year": year, "registered": registered, "sources": sources, "records": len(records)}
    if registered == 0 or len(sources) < 2:
        return {**result, "estimate": None, "reason": N_("At least two sources with cases are needed.")}
    linked = linkage.link_records(records)
    patterns = linkage.pattern_counts(linked, sources)
    try:
        if len(sources) == 2:
            counts = {tuple(int(row[s]) for s in sources): int(row["count"]) for _, row in patterns.iterrows()}
            n1 = sum(c for p, c in counts.items() if p[0])
            n2 = sum(c for p, c in counts.items() if p[1])
            estimate = capture_recapture.chapman(n1, n2, counts.get((1, 1), 0))
        else:
            estimate, _fits = capture_recapture.select_loglinear(patterns, sources)
    except capture_recapture.CaptureRecaptureError as error:
        return {**result, "estimate": None, "reason": str(error)}
    return {**result, "estimate": estimate.as_dict(), "patterns": patterns.to_dict("records"),
            "concealment": capture_recapture.concealment(estimate, registered)}

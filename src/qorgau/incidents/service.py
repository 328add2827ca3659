"""Accident registry logic: record and classify accidents (art. 188), investigation deadlines,
denominators, and the rate tables computed by the engine in rates.py."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import ColumnElement, Integer, Select, func, select
from sqlalchemy.orm import Session, selectinload

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents import lookup, workflow
from qorgau.incidents.engine import deadlines, exposure, rates
from qorgau.incidents.engine.calendar_kz import Calendar
from qorgau.incidents.models import Accident, Denominator, DiseaseCase, Victim
from qorgau.incidents.schemas import AccidentIn
from qorgau.registry import access
from qorgau.registry.models import Enterprise

DIMENSIONS = ("region", "sector", "size_band", "union", "year", "enterprise", "cause")


def _classify(victims: list[str]) -> deadlines.Classification:
    return deadlines.classify(len(victims), fatalities=victims.count("fatal"), serious=victims.count("serious"))


def record(*, session: Session, actor: User, accident_in: AccidentIn, source_reference: str = "") -> Accident:
    """Register an accident: its Labour Code category, commission level and investigation deadline."""
    access.require_enterprise(session, actor, "incidents.write", accident_in.enterprise_id)
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


def accidents_query(*, session: Session, actor: User, year: int | None = None, category: str = "",
                    children: bool = False) -> Select:
    """Accidents in the actor's scope, newest first; `children` loads the victims, commission members and
    extensions a list shows (deadlines, outcomes) in one statement per kind for the whole page."""
    policy.require(actor, "incidents.read")
    query = select(Accident).where(access.scoped(session, actor, Accident.enterprise_id)) \
        .order_by(Accident.occurred_on.desc(), Accident.id.desc())
    if children:
        query = query.options(selectinload(Accident.victims), selectinload(Accident.members),
                              selectinload(Accident.extensions))
    if year:
        query = query.where(Accident.occurred_on >= date(year, 1, 1), Accident.occurred_on < date(year + 1, 1, 1))
    if category:
        query = query.where(Accident.category == category)
    return query


def get(*, session: Session, actor: User, accident_id: int) -> Accident:
    """One accident, if the actor may read it (not found, or refused)."""
    return lookup.get(session=session, actor=actor, accident_id=accident_id)


def close_investigation(*, session: Session, actor: User, accident_id: int, act_on: date,
                        employer_fault_percent: int, worker_fault_percent: int,
                        dissents: dict[int, str] | None = None, contents=None) -> Accident:
    """Record the investigation act with the split of fault and the members' dissent (see workflow.close)."""
    return workflow.close(session=session, actor=actor, accident_id=accident_id, act_on=act_on,
                          employer_fault_percent=employer_fault_percent, worker_fault_percent=worker_fault_percent,
                          dissents=dissents, contents=contents)


def overdue_investigations(*, session: Session, actor: User, today: date) -> list[Accident]:
    """Open investigations with a step past its term: the notification or the investigation itself."""
    query = accidents_query(session=session, actor=actor).where(workflow.overdue_condition(today))
    return list(session.execute(query).scalars())


def source_of(actor: User) -> str:
    """Who reports an accident entered on the form: the employer's own safety manager, else a union inspector."""
    return "employer" if actor.role == policy.Role.EMPLOYER_SAFETY_MANAGER else "union_inspector"


def enterprise_accidents(*, session: Session, actor: User, enterprise_id: int, limit: int = 50) -> list[Accident]:
    """The newest accidents of one enterprise the caller may see."""
    query = accidents_query(session=session, actor=actor).where(Accident.enterprise_id == enterprise_id)
    return list(session.execute(query.limit(limit)).scalars())


def summary(accident: Accident) -> dict:
    outcomes = [v.outcome for v in accident.victims]
    return {"victims": len(outcomes), "fatal": outcomes.count("fatal"), "serious": outcomes.count("serious")}


# ---- statistics --------------------------------------------------------------------------------


def exposure_frame(*, session: Session, actor: User, years: list[int]) -> pd.DataFrame:
    """One row per enterprise-year in scope: entered denominators, else estimated from headcount (flagged)."""
    policy.require(actor, "incidents.stats")
    return enterprise_exposure(session=session, years=years, where=access.enterprise_scope(session, actor))


def enterprise_exposure(*, session: Session, years: list[int], where: ColumnElement[bool]) -> pd.DataFrame:
    """Exposure rows of the enterprises matching `where` (the caller has decided what the reader may see)."""
    enterprises = pd.DataFrame(session.execute(
        select(Enterprise.id, Enterprise.region_kato, Enterprise.sector_code, Enterprise.headcount,
               Enterprise.has_union).where(where)).all(),
        columns=["enterprise_id", "region", "sector", "headcount", "has_union"])
    columns = ["enterprise_id", "year", "workers", "hours", "hours_estimated", "region", "sector", "size_band",
               "union"]
    if enterprises.empty or not years:
        return pd.DataFrame(columns=columns)
    entered = pd.DataFrame(session.execute(
        select(Denominator.enterprise_id, Denominator.year, Denominator.workers, Denominator.hours,
               Denominator.hours_estimated)
        .join(Enterprise, Enterprise.id == Denominator.enterprise_id)
        .where(where, Denominator.year.in_(years))).all(),
        columns=["enterprise_id", "year", "d_workers", "d_hours", "d_estimated"])
    frame = enterprises.merge(pd.DataFrame({"year": list(years)}), how="cross")
    frame = frame.merge(entered, on=["enterprise_id", "year"], how="left")
    found = frame["d_workers"].notna().to_numpy()
    headcount = frame["headcount"].to_numpy(dtype=float)
    frame["workers"] = np.where(found, frame["d_workers"].to_numpy(dtype=float), headcount)
    frame["hours"] = np.where(found, frame["d_hours"].to_numpy(dtype=float), exposure.estimate_hours(headcount))
    frame["hours_estimated"] = ~found | frame["d_estimated"].astype("boolean").fillna(True).to_numpy(dtype=bool)
    frame["size_band"] = exposure.size_bands(frame["workers"].to_numpy())
    frame["union"] = np.where(frame["has_union"].astype(bool), "union", "no_union")
    return frame[columns]


def cases_frame(*, session: Session, actor: User, years: list[int]) -> pd.DataFrame:
    """One row per victim in scope and years, with the accident's attributes."""
    policy.require(actor, "incidents.stats")
    return victim_cases(session=session, years=years, where=access.scoped(session, actor, Accident.enterprise_id))


def victim_cases(*, session: Session, years: list[int], where: ColumnElement[bool]) -> pd.DataFrame:
    """Victim rows of the accidents matching `where` (the caller has decided what the reader may see)."""
    year_of = func.extract("year", Accident.occurred_on)
    query = (select(Accident.enterprise_id, year_of.label("year"), Victim.outcome, Victim.days_lost, Accident.cause,
                    Accident.union_present)
             .join(Victim).where(where, Accident.occurred_on >= date(min(years), 1, 1),
                                 Accident.occurred_on < date(max(years) + 1, 1, 1)))
    frame = pd.DataFrame(session.execute(query).all(),
                         columns=["enterprise_id", "year", "outcome", "days_lost", "cause", "union_present"])
    frame["year"] = frame["year"].astype(int) if len(frame) else frame["year"]
    return frame


def default_years(count: int = 5) -> list[int]:
    """The last `count` full calendar years."""
    last = utcnow().year - 1
    return list(range(last - count + 1, last + 1))


def check_breakdown(by: list[str], base: str, dimensions: tuple[str, ...]) -> None:
    """A clear error for a slice dimension or rate base the table does not know."""
    if any(d not in dimensions for d in by):
        raise ValidationFailed(N_("Unknown dimension."), field="by")
    if base not in rates.BASES:
        raise ValidationFailed(N_("Unknown rate base."), field="base")


def rates_for(*, session: Session, actor: User, by: list[str], base: str = "per_1000_workers",
              severity: str = "all", years: list[int] | None = None) -> list[dict]:
    """Rates with exact Poisson 95% intervals for any slice, its base named in every row."""
    check_breakdown(by, base, DIMENSIONS)
    years = years or default_years()
    expo = exposure_frame(session=session, actor=actor, years=years)
    cases = cases_frame(session=session, actor=actor, years=years)
    if expo.empty:
        return []
    try:
        return rates.rates_table(cases, expo, by or None, base=base, severity=severity)
    except rates.RateError as error:
        raise ValidationFailed(str(error), field="severity" if "severity" in str(error) else None)


def dashboard_tables(*, session: Session, actor: User, base: str = "per_1000_workers", severity: str = "all",
                     years: list[int] | None = None) -> dict[str, list[dict]]:
    """The dashboard's rates by region, union, year and cause and its days lost by year, from one read of the
    exposure and the cases (each table used to read both again)."""
    slices = {"by_region": ["region"], "by_union": ["union"], "by_year": ["year"], "by_cause": ["cause"]}
    for by in slices.values():
        check_breakdown(by, base, DIMENSIONS)
    years = years or default_years()
    expo = exposure_frame(session=session, actor=actor, years=years)
    if expo.empty:
        return {**{name: [] for name in slices}, "severity_by_year": []}
    cases = cases_frame(session=session, actor=actor, years=years)
    try:
        out = {name: rates.rates_table(cases.copy(), expo.copy(), by, base=base, severity=severity)
               for name, by in slices.items()}
        out["severity_by_year"] = rates.severity_table(cases.copy(), expo.copy(), ["year"], base=base,
                                                       severity=severity)
    except rates.RateError as error:
        raise ValidationFailed(str(error), field="severity" if "severity" in str(error) else None)
    return out


def severity_for(*, session: Session, actor: User, by: list[str], base: str = "per_1m_hours",
                 severity: str = "all", years: list[int] | None = None) -> list[dict]:
    """Days lost per base with a compound-Poisson 95% interval; victims whose days lost are unknown are left
    out of the days and counted in each row's `days_unknown`."""
    check_breakdown(by, base, DIMENSIONS)
    years = years or default_years()
    expo = exposure_frame(session=session, actor=actor, years=years)
    if expo.empty:
        return []
    try:
        return rates.severity_table(cases_frame(session=session, actor=actor, years=years), expo, by or None,
                                    base=base, severity=severity)
    except rates.RateError as error:
        raise ValidationFailed(str(error), field="severity" if "severity" in str(error) else None)


def counts_for_enterprises(*, session: Session, start: date, end: date) -> list[dict]:
    """Cases per enterprise in [start, end): all, serious or fatal, fatal, days lost (for the index and risk).

    `days_lost` sums the known days; `days_unknown` counts the victims whose days lost are not known."""
    query = (select(Accident.enterprise_id, func.count(Victim.id).label("cases"),
                    func.sum((Victim.outcome != "light").cast(Integer())).label("serious_or_fatal"),
                    func.sum((Victim.outcome == "fatal").cast(Integer())).label("fatal"),
                    func.coalesce(func.sum(Victim.days_lost), 0).label("days_lost"),
                    func.sum(Victim.days_lost.is_(None).cast(Integer())).label("days_unknown"))
             .join(Victim).where(Accident.occurred_on >= start, Accident.occurred_on < end)
             .group_by(Accident.enterprise_id))
    return [dict(row._mapping) for row in session.execute(query)]


def year_window(years: int, today: date | None = None) -> tuple[date, date]:
    today = today or utcnow().date()
    return today - timedelta(days=365 * years), today


def under_reporting(*, session: Session, actor: User, year: int) -> dict:
    """Estimate the true number of cases in a year from overlapping sources (registry, hospitals, union
    inspectors, ...) by record linkage and capture-recapture, and the concealment ratio against the registry."""
    from qorgau.incidents.engine import capture_recapture, linkage
    from qorgau.incidents.models import SourceRecord

    policy.require(actor, "incidents.stats")
    start, end = date(year, 1, 1), date(year + 1, 1, 1)
    registry_rows = session.execute(
        select(Accident.enterprise_id, Accident.occurred_on, Victim.outcome, Victim.sex, Victim.age_band)
        .join(Victim).where(access.scoped(session, actor, Accident.enterprise_id),
                            Accident.occurred_on >= start, Accident.occurred_on < end)).all()
    other_rows = session.execute(
        select(SourceRecord.source, SourceRecord.enterprise_id, SourceRecord.event_date, SourceRecord.severity,
               SourceRecord.sex, SourceRecord.age_band)
        .where(access.scoped(session, actor, SourceRecord.enterprise_id),
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


# ---- for other packages (support cases, equipment, biological safety) ------------------------------------------


def accident_by_id(*, session: Session, accident_id: int) -> Accident | None:
    """The accident, without a scope check (the caller checks its own permission at the accident's enterprise)."""
    return session.get(Accident, accident_id)


def disease_case_by_id(*, session: Session, disease_case_id: int) -> DiseaseCase | None:
    """The occupational-disease case, without a scope check (as accident_by_id)."""
    return session.get(DiseaseCase, disease_case_id)


def victims_with_outcome(*, session: Session, actor: User, outcomes: tuple[str, ...], without: Select | None = None,
                         limit: int = 50) -> list[tuple[Accident, Victim]]:
    """Accidents at the enterprises in the actor's scope, each with a victim whose outcome is one of `outcomes`,
    newest first; `without` selects accident ids to leave out. The caller checks its own permission."""
    query = select(Accident, Victim).join(Victim).where(Victim.outcome.in_(outcomes),
                                                        access.scoped(session, actor, Accident.enterprise_id))
    if without is not None:
        query = query.where(Accident.id.not_in(without))
    return [(accident, victim) for accident, victim in
            session.execute(query.order_by(Accident.occurred_on.desc()).limit(limit)).all()]


def disease_cases_in_scope(*, session: Session, actor: User, without: Select | None = None,
                           limit: int = 50) -> list[DiseaseCase]:
    """Occupational-disease cases at the enterprises in the actor's scope, newest first; `without` selects case
    ids to leave out. The caller checks its own permission."""
    query = select(DiseaseCase).where(access.scoped(session, actor, DiseaseCase.enterprise_id))
    if without is not None:
        query = query.where(DiseaseCase.id.not_in(without))
    return list(session.execute(query.order_by(DiseaseCase.diagnosed_on.desc()).limit(limit)).scalars())


def disease_cases_between(*, session: Session, since: date, until: date, actor: User | None = None) -> list[DiseaseCase]:
    """Occupational-disease cases diagnosed from `since` to `until`: those the actor may read (newest first)
    when an actor is given, every case for a run of the system."""
    if actor is None:
        query = select(DiseaseCase)
    else:
        policy.require(actor, "incidents.read")
        query = select(DiseaseCase).where(access.scoped(session, actor, DiseaseCase.enterprise_id)) \
            .order_by(DiseaseCase.diagnosed_on.desc(), DiseaseCase.id.desc())
    query = query.where(DiseaseCase.diagnosed_on >= since, DiseaseCase.diagnosed_on <= until)
    return list(session.execute(query).scalars())


def accidents_in_categories(*, session: Session, categories: tuple[str, ...]) -> list[Accident]:
    """Every accident of one of `categories`, in the order recorded (for a run of the system: the demo)."""
    return list(session.execute(select(Accident).where(Accident.category.in_(categories))
                                .order_by(Accident.id)).scalars())


def accidents_caused_by(*, session: Session, cause: str) -> list[tuple[int, int]]:
    """(accident id, enterprise id) of every accident with that cause, newest first (for a run of the system)."""
    return [(accident_id, enterprise_id) for accident_id, enterprise_id in session.execute(
        select(Accident.id, Accident.enterprise_id).where(Accident.cause == cause)
        .order_by(Accident.occurred_on.desc(), Accident.id))]


def enterprise_accidents_caused_by(*, session: Session, actor: User, enterprise_id: int, cause: str,
                                   limit: int = 50) -> list[Accident]:
    """The newest accidents of one enterprise with that cause that the caller may see."""
    query = accidents_query(session=session, actor=actor).where(Accident.enterprise_id == enterprise_id,
                                                                Accident.cause == cause)
    return list(session.execute(query.limit(limit)).scalars())

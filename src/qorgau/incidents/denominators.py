"""Exposure denominators on the database: workers (annual average) and hours worked per enterprise and year,
entered one by one or imported (CSV/XLSX, incl. the OSHA Form 300A layout; see importer.py). Hours left blank
are estimated from the workers (1,800 h a worker a year, `exposure.py`) and flagged as estimated."""

from __future__ import annotations

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.errors import ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.incidents.engine import exposure
from qorgau.incidents.models import Denominator
from qorgau.registry import access
from qorgau.registry.models import Enterprise


def save(*, session: Session, actor: User, enterprise_id: int, year: int, workers: float,
         hours: float | None) -> Denominator:
    """Enter (or correct) one enterprise-year; blank hours are estimated from the workers and flagged."""
    access.require_enterprise(session, actor, "incidents.write", enterprise_id)
    if not 1990 <= year <= utcnow().year:
        raise ValidationFailed(N_("The year must be between 1990 and the current year."), field="year")
    if not 0 < workers <= 1_000_000:
        raise ValidationFailed(N_("Workers must be above 0 and at most 1,000,000."), field="workers")
    if hours is not None and not 0 < hours <= workers * 8784:
        raise ValidationFailed(N_("Hours must be above 0 and at most 8,784 a worker."), field="hours")
    estimated = hours is None
    hours = float(exposure.estimate_hours([workers])[0]) if estimated else float(hours)
    row = session.execute(select(Denominator).where(Denominator.enterprise_id == enterprise_id,
                                                    Denominator.year == year)).scalar_one_or_none()
    if row is None:
        row = Denominator(enterprise_id=enterprise_id, year=year)
        session.add(row)
    row.workers, row.hours, row.hours_estimated, row.source = float(workers), hours, estimated, "entered"
    session.flush()
    return row


def query(*, session: Session, actor: User, year: int) -> Select:
    policy.require(actor, "incidents.read")
    return (select(Denominator).join(Enterprise, Enterprise.id == Denominator.enterprise_id)
            .where(access.enterprise_scope(session, actor), Denominator.year == year)
            .order_by(Enterprise.name_ru, Enterprise.id))


def missing_count(*, session: Session, actor: User, year: int) -> int:
    """Enterprises in scope without a row for the year: their exposure is estimated from the registry headcount."""
    policy.require(actor, "incidents.read")
    entered = select(Denominator.enterprise_id).where(Denominator.year == year)
    return session.execute(select(func.count()).select_from(Enterprise).where(
        access.enterprise_scope(session, actor), Enterprise.id.not_in(entered))).scalar_one()

"""Registry of union technical inspectors and safety committees, and inspector coverage."""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import case, func, or_, select
from sqlalchemy.orm import Session

from qorgau.core import policy
from qorgau.core.db import utcnow
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.deviations.schemas import CommitteeIn, InspectorIn
from qorgau.registry import access
from qorgau.registry.models import Enterprise, SafetyCommittee, TechnicalInspector
from qorgau.training import service as training


def _writer(session: Session, actor: User, enterprise_id: int) -> None:
    # Inspectors are elected by the union: the union side keeps this registry.
    access.require_enterprise(session, actor, "deviations.verify", enterprise_id)


def add_inspector(*, session: Session, actor: User, inspector_in: InspectorIn) -> TechnicalInspector:
    _writer(session, actor, inspector_in.enterprise_id)
    if inspector_in.trained_on and inspector_in.trained_on > utcnow().date():
        raise ValidationFailed(N_("The date cannot be in the future."), field="trained_on")
    inspector = TechnicalInspector(**inspector_in.model_dump(exclude={"trained_on", "training"}))
    session.add(inspector)
    session.flush()
    if inspector_in.trained_on:
        # The training itself is kept by the training centre, the one source of the three-year cycle.
        training.record_inspector_training(
            session, inspector_id=inspector.id, enterprise_id=inspector.enterprise_id,
            person_name=inspector.full_name, trained_on=inspector_in.trained_on, title=inspector_in.training)
    return inspector


def end_inspector(*, session: Session, actor: User, inspector_id: int, ended_on: date) -> TechnicalInspector:
    inspector = session.get(TechnicalInspector, inspector_id)
    if inspector is None:
        raise NotFound(N_("Not found."))
    _writer(session, actor, inspector.enterprise_id)
    if ended_on < inspector.appointed_on:
        raise ValidationFailed(N_("The end date is before the appointment."), field="ended_on")
    inspector.ended_on = ended_on
    session.flush()
    return inspector


def add_committee(*, session: Session, actor: User, committee_in: CommitteeIn) -> SafetyCommittee:
    _writer(session, actor, committee_in.enterprise_id)
    if committee_in.worker_members > committee_in.members:
        raise ValidationFailed(N_("Worker members cannot exceed all members."), field="worker_members")
    committee = SafetyCommittee(**committee_in.model_dump())
    session.add(committee)
    session.flush()
    return committee


def inspectors(*, session: Session, actor: User, enterprise_id: int | None = None, active_on: date | None = None,
               limit: int = 500) -> list[TechnicalInspector]:
    policy.require(actor, "deviations.read")
    active_on = active_on or utcnow().date()
    query = (select(TechnicalInspector).where(access.scoped(session, actor, TechnicalInspector.enterprise_id),
                                     TechnicalInspector.appointed_on <= active_on,
                                     or_(TechnicalInspector.ended_on.is_(None), TechnicalInspector.ended_on > active_on))
             .order_by(TechnicalInspector.enterprise_id, TechnicalInspector.full_name).limit(limit))
    if enterprise_id:
        query = query.where(TechnicalInspector.enterprise_id == enterprise_id)
    return list(session.execute(query).scalars())


def committees(*, session: Session, actor: User, enterprise_id: int | None = None, limit: int = 500) -> list[SafetyCommittee]:
    policy.require(actor, "deviations.read")
    query = (select(SafetyCommittee).where(access.scoped(session, actor, SafetyCommittee.enterprise_id))
             .order_by(SafetyCommittee.enterprise_id).limit(limit))
    if enterprise_id:
        query = query.where(SafetyCommittee.enterprise_id == enterprise_id)
    return list(session.execute(query).scalars())


def last_trained(session: Session, inspectors: list[TechnicalInspector]) -> dict[int, date]:
    """Inspector id -> day of the last periodic safety training, from the training centre."""
    return training.inspectors_last_trained(session, [i.id for i in inspectors])


def training_due(trained_on: date | None, today: date) -> bool:
    """No training on record, or the last one is more than three years old."""
    return training.inspector_training_due(trained_on, today)


def coverage(*, session: Session, actor: User, by: str, today: date | None = None) -> list[dict]:
    """Active inspectors per 100 workers, trained share and enterprises with a committee, by
    enterprise, region or sector (unionised enterprises in scope)."""
    policy.require(actor, "deviations.stats")
    if by not in ("enterprise", "region", "sector"):
        raise ValidationFailed(N_("Unknown grouping."), field="by")
    today = today or utcnow().date()
    latest = training.latest_inspector_training().subquery()
    active = select(TechnicalInspector.enterprise_id, func.count().label("n"),
                    func.sum(case((training.inspector_training_in_date(latest.c.valid_until, today), 1), else_=0)).label("trained")) \
        .outerjoin(latest, latest.c.inspector_id == TechnicalInspector.id) \
        .where(TechnicalInspector.appointed_on <= today, or_(TechnicalInspector.ended_on.is_(None), TechnicalInspector.ended_on > today)) \
        .group_by(TechnicalInspector.enterprise_id).subquery()
    with_committee = select(SafetyCommittee.enterprise_id).distinct().subquery()
    key = {"enterprise": Enterprise.id, "region": Enterprise.region_kato, "sector": Enterprise.sector_code}[by]
    rows = session.execute(
        select(key, Enterprise.headcount, active.c.n, active.c.trained, with_committee.c.enterprise_id)
        .outerjoin(active, active.c.enterprise_id == Enterprise.id)
        .outerjoin(with_committee, with_committee.c.enterprise_id == Enterprise.id)
        .where(access.enterprise_scope(session, actor), Enterprise.has_union.is_(True))).all()
    groups: dict = defaultdict(lambda: {"enterprises": 0, "workers": 0, "inspectors": 0, "trained": 0,
                                        "with_committee": 0})
    for group, headcount, n, trained, committee in rows:
        g = groups[group]
        g["enterprises"] += 1
        g["workers"] += headcount or 0
        g["inspectors"] += n or 0
        g["trained"] += trained or 0
        g["with_committee"] += committee is not None
    out = []
    for group, g in groups.items():
        per_100 = 100.0 * g["inspectors"] / g["workers"] if g["workers"] else None
        out.append({"group": group, **g, "per_100_workers": per_100,
                    "trained_share": 100.0 * g["trained"] / g["inspectors"] if g["inspectors"] else None,
                    "committee_share": 100.0 * g["with_committee"] / g["enterprises"]})
    return sorted(out, key=lambda r: (r["per_100_workers"] is None, r["per_100_workers"] or 0))

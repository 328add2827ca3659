"""Agreements of social partnership above the enterprise (Labour Code art. 148-155): the general agreement between
the Government and the republican associations of workers and employers, sectoral agreements and regional
agreements. Each covers the enterprises of its sector and/or region, and its safety clauses count in their coverage
beside their own collective agreement. Functions never commit."""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, and_, exists, or_, select
from sqlalchemy.orm import Session

from qorgau.agreements.models import CORE_KINDS, PartnershipAgreement, PartnershipClause, PartnershipLevel
from qorgau.agreements.schemas import PartnershipClauseIn, PartnershipIn
from qorgau.core import policy
from qorgau.core.errors import NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.registry.models import Enterprise, Region, Sector


def in_force(on: date) -> ColumnElement[bool]:
    return and_(PartnershipAgreement.valid_from <= on,
                or_(PartnershipAgreement.valid_to.is_(None), PartnershipAgreement.valid_to >= on))


def _reaches(sector_code, region_kato) -> ColumnElement[bool]:
    """The agreement's sector and region (where it names them) are those of the enterprise."""
    return and_(or_(PartnershipAgreement.sector_code.is_(None), PartnershipAgreement.sector_code == sector_code),
                or_(PartnershipAgreement.region_kato.is_(None), PartnershipAgreement.region_kato == region_kato))


def covers_enterprise(on: date, kinds) -> ColumnElement[bool]:
    """SQL, correlated with Enterprise: an agreement in force on `on` that reaches the enterprise holds a clause of
    one of `kinds`."""
    return exists(select(PartnershipClause.id).join(PartnershipAgreement)
                  .where(in_force(on), PartnershipClause.kind.in_([str(k) for k in kinds]),
                         _reaches(Enterprise.sector_code, Enterprise.region_kato)))


def create(*, session: Session, actor: User, partnership_in: PartnershipIn) -> PartnershipAgreement:
    """Record a general, sectoral or regional agreement (the federation, at national scope)."""
    policy.require(actor, "agreements.partnership")
    data = partnership_in
    level = PartnershipLevel(data.level)
    if level == PartnershipLevel.GENERAL and (data.sector_code or data.region_kato):
        raise ValidationFailed(N_("The general agreement covers the whole republic: name no sector or region."),
                               field="sector_code" if data.sector_code else "region_kato")
    if level == PartnershipLevel.SECTORAL and not data.sector_code:
        raise ValidationFailed(N_("Name the sector (OKED section) a sectoral agreement covers."), field="sector_code")
    if level == PartnershipLevel.REGIONAL and not data.region_kato:
        raise ValidationFailed(N_("Name the region a regional agreement covers."), field="region_kato")
    if data.sector_code and session.get(Sector, data.sector_code) is None:
        raise ValidationFailed(N_("Unknown OKED section."), field="sector_code")
    if data.region_kato and session.get(Region, data.region_kato) is None:
        raise ValidationFailed(N_("Unknown region KATO code."), field="region_kato")
    if data.valid_to and data.valid_to < data.valid_from:
        raise ValidationFailed(N_("The agreement cannot end before it starts."), field="valid_to")
    agreement = PartnershipAgreement(**data.model_dump(), created_by=actor.id)
    agreement.title, agreement.parties = data.title.strip(), data.parties.strip()
    session.add(agreement)
    session.flush()
    return agreement


def add_clause(*, session: Session, actor: User, agreement_id: int,
               clause_in: PartnershipClauseIn) -> PartnershipClause:
    policy.require(actor, "agreements.partnership")
    agreement = session.get(PartnershipAgreement, agreement_id)
    if agreement is None:
        raise NotFound(N_("Not found."))
    position = max((c.position for c in agreement.clauses), default=0) + 1
    clause = PartnershipClause(agreement_id=agreement.id, position=position, kind=clause_in.kind,
                               number=clause_in.number.strip(), language=clause_in.language,
                               text=clause_in.text.strip())
    agreement.clauses.append(clause)
    session.flush()
    return clause


def listed(*, session: Session, actor: User | None, on: date | None = None) -> list[PartnershipAgreement]:
    """The agreements on record (their texts are public), general first; `on`: only those in force that day.
    Readers of the agreements and of their coverage statistics see them."""
    if not policy.allowed(actor, "agreements.stats"):
        policy.require(actor, "agreements.read")
    query = select(PartnershipAgreement)
    if on is not None:
        query = query.where(in_force(on))
    order = {PartnershipLevel.GENERAL: 0, PartnershipLevel.SECTORAL: 1, PartnershipLevel.REGIONAL: 2}
    found = list(session.execute(query.order_by(PartnershipAgreement.id)).scalars())
    return sorted(found, key=lambda a: (order.get(a.level, 3), a.sector_code or "", a.region_kato or "", a.id))


def get(*, session: Session, actor: User | None, agreement_id: int) -> PartnershipAgreement:
    policy.require(actor, "agreements.read")
    agreement = session.get(PartnershipAgreement, agreement_id)
    if agreement is None:
        raise NotFound(N_("Not found."))
    return agreement


def covering(*, session: Session, enterprise: Enterprise, on: date) -> list[PartnershipAgreement]:
    """The agreements in force on `on` that cover the enterprise (its sector and region)."""
    query = (select(PartnershipAgreement).where(in_force(on), _reaches(enterprise.sector_code, enterprise.region_kato))
             .order_by(PartnershipAgreement.id))
    return list(session.execute(query).scalars())


def core_kinds_of(agreements: list[PartnershipAgreement]) -> set[str]:
    return {c.kind for a in agreements for c in a.clauses if c.kind in {str(k) for k in CORE_KINDS}}


def out(agreement: PartnershipAgreement, *, clauses: bool = True) -> dict:
    data = {"id": agreement.id, "level": agreement.level, "title": agreement.title, "parties": agreement.parties,
            "sector_code": agreement.sector_code, "region_kato": agreement.region_kato,
            "language": agreement.language,
            "signed_on": agreement.signed_on.isoformat() if agreement.signed_on else None,
            "valid_from": agreement.valid_from.isoformat(),
            "valid_to": agreement.valid_to.isoformat() if agreement.valid_to else None,
            "source": agreement.source, "synthetic": agreement.synthetic,
            "kinds": sorted({c.kind for c in agreement.clauses})}
    if clauses:
        data["clauses"] = [{"id": c.id, "number": c.number, "kind": c.kind, "language": c.language, "text": c.text}
                           for c in agreement.clauses]
    return data

"""The equipment register, its shares past the service life, accidents caused by worn equipment, and the
re-equipment plans. Keyword-only functions over a Session; they never commit.

An item's end of life is the last day of the year its normative service life runs out (commissioning year +
life, from the passport or, where the passport gives none, the type's typical life with its source), or the
date a life-extension after an expert examination set. Without a commissioning year or a life it is unknown:
such an item is counted as unknown, never as new.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Select, case, func, select
from sqlalchemy.orm import Session

from qorgau.core import i18n, policy
from qorgau.core.db import utcnow
from qorgau.core.errors import Conflict, NotFound, ValidationFailed
from qorgau.core.i18n_markers import N_
from qorgau.core.models import User
from qorgau.equipment import catalogue
from qorgau.equipment.models import (
    CONDITION_MOVES,
    OPEN_PLAN,
    PLAN_MOVES,
    AccidentLink,
    Condition,
    EquipmentItem,
    ItemCertificate,
    LifeState,
    PlanStatus,
    RenewalComment,
    RenewalItem,
)
from qorgau.equipment.schemas import CertificateIn, ItemIn, PlanItemIn
from qorgau.incidents import service as incidents
from qorgau.registry import access
from qorgau.registry import service as registry
from qorgau.registry.models import Enterprise, Site, Zone

WORN_EQUIPMENT = "worn_equipment"  # the incidents registry's cause code
GROUPS = {"enterprise": Enterprise.id, "sector": Enterprise.sector_code, "region": Enterprise.region_kato}


# ---- service life ---------------------------------------------------------------------------------

def resolve_life(type_code: str, passport_years: int | None) -> tuple[int | None, str | None]:
    """The normative service life and where it comes from: the passport first, then the type's typical life."""
    if passport_years:
        return passport_years, "passport"
    kind = catalogue.TYPES.get(type_code)
    if kind is not None and kind.life_years:
        return kind.life_years, "type"
    return None, None


def life_end(commissioned_year: int | None, life_years: int | None, extended_until: date | None) -> date | None:
    """The last day of the service life (the extended date when one was granted); None when unknown."""
    if extended_until is not None:
        return extended_until
    if commissioned_year is None or not life_years:
        return None
    return date(min(commissioned_year + life_years, 9999), 12, 31)


def _refresh_life(item: EquipmentItem) -> None:
    item.life_ends_on = life_end(item.commissioned_year, item.service_life_years, item.extended_until)


def life_state(item: EquipmentItem, on: date) -> LifeState:
    if item.life_ends_on is None:
        return LifeState.unknown
    return LifeState.past if item.life_ends_on < on else LifeState.within


def expired_certificates(item: EquipmentItem, on: date) -> list[str]:
    """The kinds of examination whose latest certificate has run out on that day."""
    latest: dict[str, date | None] = {}
    for certificate in item.certificates:
        if certificate.expires_on is not None:
            latest[certificate.kind] = max(filter(None, (latest.get(certificate.kind), certificate.expires_on)))
    return sorted(kind for kind, until in latest.items() if until is not None and until < on)


# ---- the register ---------------------------------------------------------------------------------

def items_query(*, session: Session, actor: User, enterprise_id: int | None = None, past_life_on: date | None = None,
                type_code: str = "") -> Select:
    policy.require(actor, "equipment.read")
    query = (select(EquipmentItem).where(access.scoped(session, actor, EquipmentItem.enterprise_id))
             .order_by(EquipmentItem.enterprise_id, EquipmentItem.inventory_number, EquipmentItem.id))
    if enterprise_id:
        query = query.where(EquipmentItem.enterprise_id == enterprise_id)
    if past_life_on is not None:
        query = query.where(EquipmentItem.life_ends_on < past_life_on,
                            EquipmentItem.condition != Condition.decommissioned)
    if type_code:
        query = query.where(EquipmentItem.type_code == type_code)
    return query


def get_item(*, session: Session, actor: User, item_id: int, permission: str = "equipment.read") -> EquipmentItem:
    item = session.get(EquipmentItem, item_id)
    if item is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, permission, item.enterprise_id)
    return item


def _place(session: Session, enterprise_id: int, site_id: int | None, zone_id: int | None) -> tuple[int | None,
                                                                                                    int | None]:
    """The site and zone checked to be the enterprise's (a zone gives its site)."""
    if zone_id is not None:
        zone = session.get(Zone, zone_id)
        if zone is None or zone.site.enterprise_id != enterprise_id or (site_id and zone.site_id != site_id):
            raise ValidationFailed(N_("No zone of this name at the enterprise."), field="zone_id")
        return zone.site_id, zone.id
    if site_id is not None:
        site = session.get(Site, site_id)
        if site is None or site.enterprise_id != enterprise_id:
            raise ValidationFailed(N_("No site of this name at the enterprise."), field="site_id")
    return site_id, None


def _enterprise(session: Session, actor: User, enterprise_id: int) -> Enterprise:
    access.require_enterprise(session, actor, "equipment.write", enterprise_id)
    enterprise = session.get(Enterprise, enterprise_id)
    if enterprise is None:
        raise NotFound(N_("Not found."))
    return enterprise


def create_item(*, session: Session, actor: User, item_in: ItemIn, synthetic: bool = False) -> EquipmentItem:
    _enterprise(session, actor, item_in.enterprise_id)
    if item_in.type_code not in catalogue.TYPES:
        raise ValidationFailed(N_("Unknown equipment type."), field="type_code")
    if item_in.commissioned_year and item_in.commissioned_year > utcnow().year:
        raise ValidationFailed(N_("The year is in the future."), field="commissioned_year")
    number = item_in.inventory_number.strip()
    if session.execute(select(EquipmentItem.id).where(EquipmentItem.enterprise_id == item_in.enterprise_id,
                                                      EquipmentItem.inventory_number == number)).first():
        raise Conflict(N_("This inventory number is already registered at the enterprise."),
                       field="inventory_number")
    site_id, zone_id = _place(session, item_in.enterprise_id, item_in.site_id, item_in.zone_id)
    years, source = resolve_life(item_in.type_code, item_in.service_life_years)
    item = EquipmentItem(enterprise_id=item_in.enterprise_id, site_id=site_id, zone_id=zone_id,
                         type_code=item_in.type_code, inventory_number=number, name=item_in.name.strip(),
                         manufacturer=item_in.manufacturer.strip(), commissioned_year=item_in.commissioned_year,
                         service_life_years=years, service_life_source=source,
                         condition=CONDITION_MOVES.parse(item_in.condition, field="condition"), synthetic=synthetic)
    _refresh_life(item)
    session.add(item)
    session.flush()
    return item


def set_condition(*, session: Session, actor: User, item_id: int, condition: str) -> EquipmentItem:
    item = get_item(session=session, actor=actor, item_id=item_id, permission="equipment.write")
    item.condition = CONDITION_MOVES.move(item.condition, condition, field="condition")
    session.flush()
    return item


def extend_life(*, session: Session, actor: User, item_id: int, until: date, basis: str) -> EquipmentItem:
    """Record a life-extension granted after an industrial-safety expert examination: the extended date counts."""
    item = get_item(session=session, actor=actor, item_id=item_id, permission="equipment.write")
    if not any(c.kind == "expert_examination" for c in item.certificates):
        raise ValidationFailed(N_("Record the expert examination that granted the extension first."),
                               field="extended_until")
    if item.commissioned_year and until.year < item.commissioned_year:
        raise ValidationFailed(N_("The date is before the commissioning year."), field="extended_until")
    item.extended_until, item.extension_basis = until, basis.strip()[:300]
    _refresh_life(item)
    session.flush()
    return item


def add_certificate(*, session: Session, actor: User, item_id: int, certificate_in: CertificateIn) -> ItemCertificate:
    item = get_item(session=session, actor=actor, item_id=item_id, permission="equipment.write")
    if certificate_in.issued_on > utcnow().date():
        raise ValidationFailed(N_("The date is in the future."), field="issued_on")
    if certificate_in.expires_on is not None and certificate_in.expires_on <= certificate_in.issued_on:
        raise ValidationFailed(N_("The expiry date must come after the date of issue."), field="expires_on")
    certificate = ItemCertificate(item=item, kind=certificate_in.kind, number=certificate_in.number.strip(),
                                  issued_on=certificate_in.issued_on, expires_on=certificate_in.expires_on,
                                  issued_by=certificate_in.issued_by.strip())
    session.add(certificate)
    session.flush()
    return certificate


# ---- accidents caused by worn equipment ------------------------------------------------------------

def link_accident(*, session: Session, actor: User, item_id: int, accident_id: int, note: str = "") -> AccidentLink:
    """Link an accident of the incidents registry whose cause is worn equipment to the item (same enterprise)."""
    item = get_item(session=session, actor=actor, item_id=item_id, permission="equipment.write")
    accident = incidents.get(session=session, actor=actor, accident_id=accident_id)
    if accident.enterprise_id != item.enterprise_id:
        raise ValidationFailed(N_("The accident happened at another enterprise."), field="accident_id")
    if accident.cause != WORN_EQUIPMENT:
        raise ValidationFailed(N_("The accident's established cause is not worn-out or faulty equipment."),
                               field="accident_id")
    if any(link.accident_id == accident_id for link in item.accidents):
        raise Conflict(N_("This accident is already linked to the item."), field="accident_id")
    link = AccidentLink(item_id=item.id, accident_id=accident_id, enterprise_id=item.enterprise_id,
                        note=note.strip()[:1000], linked_by_id=actor.id)
    item.accidents.append(link)
    session.flush()
    return link


def linked_accidents(*, session: Session, actor: User, item: EquipmentItem) -> list:
    """The accidents linked to the item, read through the incidents registry (its permission and scope)."""
    if not policy.allowed(actor, "incidents.read"):
        return []
    return [incidents.get(session=session, actor=actor, accident_id=link.accident_id) for link in item.accidents]


def worn_equipment_accidents(*, session: Session, actor: User, enterprise_id: int) -> list:
    """The enterprise's accidents whose cause is worn equipment (to choose one to link)."""
    if not policy.allowed(actor, "incidents.read"):
        return []
    return incidents.enterprise_accidents_caused_by(session=session, actor=actor, enterprise_id=enterprise_id,
                                                    cause=WORN_EQUIPMENT)


# ---- shares past the service life -----------------------------------------------------------------

def _expired_item_ids(on: date) -> Select:
    """Items whose latest certificate of some kind has run out on that day."""
    latest = (select(ItemCertificate.item_id, ItemCertificate.kind,
                     func.max(ItemCertificate.expires_on).label("until"))
              .group_by(ItemCertificate.item_id, ItemCertificate.kind).subquery())
    return select(latest.c.item_id).where(latest.c.until < on)


def shares(*, session: Session, actor: User, by: str, on: date) -> list[dict]:
    """Per enterprise, sector (OKED section) or region (KATO): items in use, those whose end of life is known,
    unknown, past their life, with an expired certificate, and the shares (of known items; of all items)."""
    policy.require(actor, "equipment.stats")
    return _share_rows(session=session, actor=actor, by=by, on=on)


def share_rows(*, session: Session, actor: User, by: str, on: date) -> list[dict]:
    """The shares of `shares`, for a reader of the register (its own enterprises' counts on the register page)."""
    policy.require(actor, "equipment.read")
    return _share_rows(session=session, actor=actor, by=by, on=on)


def _share_rows(*, session: Session, actor: User, by: str, on: date) -> list[dict]:
    if by not in GROUPS:
        raise ValidationFailed(N_("Unknown grouping."), field="by")
    group = GROUPS[by]
    known = func.count(EquipmentItem.life_ends_on)
    past = func.sum(case((EquipmentItem.life_ends_on < on, 1), else_=0))
    expired = func.sum(case((EquipmentItem.id.in_(_expired_item_ids(on)), 1), else_=0))
    query = (select(group.label("group"), func.count(EquipmentItem.id).label("items"), known.label("known"),
                    past.label("past"), expired.label("expired"))
             .join(Enterprise, Enterprise.id == EquipmentItem.enterprise_id)
             .where(access.scoped(session, actor, EquipmentItem.enterprise_id),
                    EquipmentItem.condition != Condition.decommissioned)
             .group_by(group).order_by(group))
    out = []
    for row in session.execute(query):
        items, known_n, past_n, expired_n = int(row.items), int(row.known), int(row.past or 0), int(row.expired or 0)
        out.append({"group": str(row.group), "items": items, "known": known_n, "unknown": items - known_n,
                    "past_life": past_n,
                    "past_life_percent": round(100 * past_n / known_n, 1) if known_n else None,
                    "expired_certificates": expired_n,
                    "expired_certificates_percent": round(100 * expired_n / items, 1) if items else None})
    return out


def renewal_for_enterprises(*, session: Session, on: date) -> dict[int, float]:
    """For the Safety Index: per enterprise with at least one registered item in use whose commissioning year
    (and so whose end of life) is known, the percentage (0-100) of those items within their normative or
    extended service life on `on`. Items of unknown age are left out, never counted as new."""
    within = func.sum(case((EquipmentItem.life_ends_on >= on, 1), else_=0))
    query = (select(EquipmentItem.enterprise_id, func.count(EquipmentItem.id), within)
             .where(EquipmentItem.life_ends_on.is_not(None), EquipmentItem.condition != Condition.decommissioned,
                    (EquipmentItem.commissioned_year.is_not(None)) | (EquipmentItem.extended_until.is_not(None)))
             .group_by(EquipmentItem.enterprise_id))
    return {int(enterprise_id): round(100.0 * int(inside or 0) / int(total), 2)
            for enterprise_id, total, inside in session.execute(query) if total}


def mean_age_by_year(*, session: Session, years: list[int]) -> dict[int, dict[int, float]]:
    """For the risk model: per enterprise and calendar year, the mean age in whole years (year − commissioning
    year) of its registered items commissioned by that year and not decommissioned. Items of unknown
    commissioning year are left out, and an enterprise or year with no such item is absent: unknown, never new.
    The register keeps no date of decommissioning, so an item decommissioned since is left out of every year."""
    rows = session.execute(select(EquipmentItem.enterprise_id, EquipmentItem.commissioned_year)
                           .where(EquipmentItem.commissioned_year.is_not(None),
                                  EquipmentItem.condition != Condition.decommissioned)).all()
    by_enterprise: dict[int, list[int]] = {}
    for enterprise_id, commissioned in rows:
        by_enterprise.setdefault(int(enterprise_id), []).append(int(commissioned))
    out: dict[int, dict[int, float]] = {}
    for enterprise_id, commissioned_years in by_enterprise.items():
        ages = {}
        for year in years:
            standing = [year - c for c in commissioned_years if c <= year]
            if standing:
                ages[year] = sum(standing) / len(standing)
        if ages:
            out[enterprise_id] = ages
    return out


def enterprise_overview(*, session: Session, actor: User, enterprise_id: int, on: date) -> dict:
    """The enterprise's register seen on a day: counts, the items past their life (those with a linked accident
    first), the plan."""
    access.require_enterprise(session, actor, "equipment.read", enterprise_id)
    items = list(session.execute(items_query(session=session, actor=actor, enterprise_id=enterprise_id)).scalars())
    in_use = [i for i in items if i.condition != Condition.decommissioned]
    past = [i for i in in_use if life_state(i, on) == LifeState.past]
    past.sort(key=lambda i: (not i.accidents, i.life_ends_on or on, i.inventory_number))
    return {"items": items, "in_use": len(in_use), "past": past,
            "unknown": sum(1 for i in in_use if life_state(i, on) == LifeState.unknown),
            "expired": [i for i in in_use if expired_certificates(i, on)],
            "with_accidents": [i for i in in_use if i.accidents],
            "plan": plan_items(session=session, actor=actor, enterprise_id=enterprise_id)}


def has_demo(session: Session) -> bool:
    """Whether synthetic demonstration items or plan lines are loaded (the pages say so)."""
    return any(session.execute(select(model.id).where(model.synthetic.is_(True)).limit(1)).first() is not None
               for model in (EquipmentItem, RenewalItem))


CARD_LIMIT = 10  # items past their life listed on an enterprise's card; the equipment page lists them all


def card_block(*, session: Session, actor: User, enterprise: Enterprise) -> dict | None:
    """The block on the registry's enterprise card: the items in use past their service life (those whose wear
    caused an accident first, with the accidents linked), for a reader of the equipment register. None when the
    reader may not read it or the enterprise has no registered item."""
    if not policy.allowed(actor, "equipment.read") or not access.can_reach_enterprise(session, actor, enterprise.id):
        return None
    overview = enterprise_overview(session=session, actor=actor, enterprise_id=enterprise.id, on=utcnow().date())
    if not overview["items"]:
        return None
    locale = i18n.get_locale()
    past = [{"id": item.id, "inventory_number": item.inventory_number, "life_ends_on": item.life_ends_on,
             "type": catalogue.TYPES[item.type_code].name(locale) if item.type_code in catalogue.TYPES
             else item.type_code,
             "accidents": linked_accidents(session=session, actor=actor, item=item) if item.accidents else []}
            for item in overview["past"][:CARD_LIMIT]]
    return {"template": "equipment/_enterprise_card.html", "enterprise_id": enterprise.id,
            "in_use": overview["in_use"], "past_count": len(overview["past"]), "unknown": overview["unknown"],
            "past": past, "more": max(0, len(overview["past"]) - CARD_LIMIT),
            "synthetic": any(item.synthetic for item in overview["items"])}


def show_on_enterprise_card() -> None:
    """Equipment reads the registry; the registry does not import it. It hands the registry its block instead."""
    registry.show_on_enterprise_card("equipment", card_block)


# ---- re-equipment plans ---------------------------------------------------------------------------

def plan_items(*, session: Session, actor: User, enterprise_id: int | None = None, overdue_on: date | None = None
               ) -> list[RenewalItem]:
    policy.require(actor, "equipment.read")
    query = (select(RenewalItem).where(access.scoped(session, actor, RenewalItem.enterprise_id))
             .order_by(RenewalItem.due_on, RenewalItem.id))
    if enterprise_id:
        query = query.where(RenewalItem.enterprise_id == enterprise_id)
    if overdue_on is not None:
        query = query.where(RenewalItem.status.in_(OPEN_PLAN), RenewalItem.due_on < overdue_on)
    return list(session.execute(query).scalars())


def get_plan_item(*, session: Session, actor: User, plan_item_id: int, permission: str = "equipment.read"
                  ) -> RenewalItem:
    row = session.get(RenewalItem, plan_item_id)
    if row is None:
        raise NotFound(N_("Not found."))
    access.require_enterprise(session, actor, permission, row.enterprise_id)
    return row


def create_plan_item(*, session: Session, actor: User, plan_in: PlanItemIn, synthetic: bool = False) -> RenewalItem:
    _enterprise(session, actor, plan_in.enterprise_id)
    if plan_in.item_id is not None:
        item = get_item(session=session, actor=actor, item_id=plan_in.item_id)
        if item.enterprise_id != plan_in.enterprise_id:
            raise ValidationFailed(N_("The item belongs to another enterprise."), field="item_id")
    row = RenewalItem(enterprise_id=plan_in.enterprise_id, item_id=plan_in.item_id, action=plan_in.action,
                      description=plan_in.description.strip(), due_on=plan_in.due_on,
                      responsible=plan_in.responsible.strip(), budget=plan_in.budget, synthetic=synthetic)
    session.add(row)
    session.flush()
    return row


def move_plan_item(*, session: Session, actor: User, plan_item_id: int, status: str) -> RenewalItem:
    row = get_plan_item(session=session, actor=actor, plan_item_id=plan_item_id, permission="equipment.write")
    row.status = PLAN_MOVES.move(row.status, status)
    if row.status == PlanStatus.done:
        row.done_on, row.progress = utcnow().date(), 100
    else:
        row.done_on = None
    session.flush()
    return row


def set_progress(*, session: Session, actor: User, plan_item_id: int, progress: int) -> RenewalItem:
    row = get_plan_item(session=session, actor=actor, plan_item_id=plan_item_id, permission="equipment.write")
    if row.status not in OPEN_PLAN:
        raise Conflict(N_("The plan line is closed."), field="progress")
    if not 0 <= progress <= 100:
        raise ValidationFailed(N_("Progress is a percentage from 0 to 100."), field="progress")
    row.progress = progress
    if progress and row.status == PlanStatus.planned:
        row.status = PLAN_MOVES.move(row.status, PlanStatus.in_progress)
    session.flush()
    return row


def comment(*, session: Session, actor: User, plan_item_id: int, body: str) -> RenewalComment:
    row = get_plan_item(session=session, actor=actor, plan_item_id=plan_item_id)
    if not (policy.allowed(actor, "equipment.comment") or policy.allowed(actor, "equipment.write")):
        policy.require(actor, "equipment.comment")
    note = RenewalComment(plan_item_id=row.id, author_id=actor.id, body=body.strip()[:2000])
    row.comments.append(note)
    session.flush()
    return note


def escalate_now(*, session: Session, actor: User, plan_item_id: int, today: date | None = None):
    """A union officer or inspector takes an overdue plan line one step up the ladder at once."""
    from qorgau.equipment import escalation

    row = get_plan_item(session=session, actor=actor, plan_item_id=plan_item_id, permission="equipment.comment")
    today = today or utcnow().date()
    if row.status not in OPEN_PLAN or row.due_on >= today:
        raise Conflict(N_("Only an overdue open plan line can be escalated."), field="status")
    return escalation.climb(session=session, row=row, today=today, by=actor)


def sites_of_enterprise(*, session: Session, enterprise_id: int) -> list[Site]:
    """The enterprise's sites by name, for the item form."""
    return list(session.execute(select(Site).where(Site.enterprise_id == enterprise_id).order_by(Site.name)).scalars())

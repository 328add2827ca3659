"""The equipment register (items per site and zone, their certificates), links of accidents caused by worn
equipment, and the re-equipment plans (items to replace or repair, with their escalations and comments)."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class Condition(StrEnum):
    good = "good"
    needs_repair = "needs_repair"
    out_of_service = "out_of_service"
    decommissioned = "decommissioned"  # written off: kept for the record, left out of the shares


CONDITION_MOVES = Transitions(Condition, {
    Condition.good: {Condition.needs_repair, Condition.out_of_service, Condition.decommissioned},
    Condition.needs_repair: {Condition.good, Condition.out_of_service, Condition.decommissioned},
    Condition.out_of_service: {Condition.good, Condition.needs_repair, Condition.decommissioned},
})
CONDITION_LABELS = {Condition.good: N_("good"), Condition.needs_repair: N_("needs repair"),
                    Condition.out_of_service: N_("out of service"), Condition.decommissioned: N_("written off")}


class LifeState(StrEnum):
    """Where an item stands against its service life on a day (computed, never stored)."""

    past = "past"
    within = "within"
    unknown = "unknown"


class PlanStatus(StrEnum):
    planned = "planned"
    in_progress = "in_progress"
    done = "done"
    cancelled = "cancelled"


PLAN_MOVES = Transitions(PlanStatus, {
    PlanStatus.planned: {PlanStatus.in_progress, PlanStatus.done, PlanStatus.cancelled},
    PlanStatus.in_progress: {PlanStatus.done, PlanStatus.cancelled, PlanStatus.planned},
})
PLAN_LABELS = {PlanStatus.planned: N_("planned"), PlanStatus.in_progress: N_("in progress"),
               PlanStatus.done: N_("done"), PlanStatus.cancelled: N_("cancelled")}
OPEN_PLAN = (PlanStatus.planned, PlanStatus.in_progress)

ACTIONS = {"replace": N_("replace"), "repair": N_("repair"), "modernise": N_("modernise")}
CERTIFICATES = {"expert_examination": N_("industrial-safety expert examination"),
                "technical_examination": N_("technical examination")}
LIFE_SOURCES = {"passport": N_("from the passport"), "type": N_("typical for the type")}


class EquipmentItem(Base):
    """One piece of hazardous equipment at an enterprise (by its inventory number)."""

    __tablename__ = "equipment_item"
    __table_args__ = (UniqueConstraint("enterprise_id", "inventory_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("registry_site.id"), nullable=True, index=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("registry_zone.id"), nullable=True, index=True)
    type_code: Mapped[str] = mapped_column(String(32), index=True)  # catalogue.TYPES
    inventory_number: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200), default="")
    manufacturer: Mapped[str] = mapped_column(String(200), default="")
    commissioned_year: Mapped[int | None] = mapped_column(Integer, nullable=True)  # None: unknown, never "new"
    service_life_years: Mapped[int | None] = mapped_column(Integer, nullable=True)
    service_life_source: Mapped[str | None] = mapped_column(String(16), nullable=True)  # passport / type
    extended_until: Mapped[date | None] = mapped_column(Date, nullable=True)  # life extended by an expert examination
    extension_basis: Mapped[str] = mapped_column(String(300), default="")
    # The last day of the (normative or extended) service life, kept by the service on every write so that the
    # shares are one GROUP BY; None when it cannot be known (no commissioning year or no service life).
    life_ends_on: Mapped[date | None] = mapped_column(Date, nullable=True, index=True)
    condition: Mapped[str] = mapped_column(String(16), default=Condition.good, index=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    certificates: Mapped[list[ItemCertificate]] = relationship(back_populates="item",
                                                               order_by="ItemCertificate.issued_on",
                                                           cascade="all, delete-orphan")
    accidents: Mapped[list[AccidentLink]] = relationship(order_by="AccidentLink.id", cascade="all, delete-orphan")


class ItemCertificate(Base):
    """An examination of the item: the industrial-safety expert examination or the technical examination."""

    __tablename__ = "equipment_certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_item.id"), index=True)
    kind: Mapped[str] = mapped_column(String(24))  # CERTIFICATES
    number: Mapped[str] = mapped_column(String(64), default="")
    issued_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    issued_by: Mapped[str] = mapped_column(String(200), default="")

    item: Mapped[EquipmentItem] = relationship(back_populates="certificates")


class AccidentLink(Base):
    """An accident of the incidents registry whose cause was this worn equipment (the accident is not changed)."""

    __tablename__ = "equipment_accident_link"
    __table_args__ = (UniqueConstraint("item_id", "accident_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("equipment_item.id"), index=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("incidents_accident.id"), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    note: Mapped[str] = mapped_column(String(1000), default="")
    linked_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class RenewalItem(Base):
    """A line of an enterprise's re-equipment plan: replace, repair or modernise an item by a deadline."""

    __tablename__ = "equipment_plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("equipment_item.id"), nullable=True, index=True)
    action: Mapped[str] = mapped_column(String(16))  # ACTIONS
    description: Mapped[str] = mapped_column(Text, default="")
    due_on: Mapped[date] = mapped_column(Date, index=True)
    responsible: Mapped[str] = mapped_column(String(200))
    budget: Mapped[float | None] = mapped_column(Numeric(16, 2), nullable=True)  # tenge; None: not given
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    status: Mapped[str] = mapped_column(String(16), default=PlanStatus.planned, index=True)
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    reminded_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    item: Mapped[EquipmentItem | None] = relationship()
    escalations: Mapped[list[RenewalEscalation]] = relationship(order_by="RenewalEscalation.id",
                                                             cascade="all, delete-orphan")
    comments: Mapped[list[RenewalComment]] = relationship(order_by="RenewalComment.id",
                                                          cascade="all, delete-orphan")


class RenewalEscalation(Base):
    """A step of the escalation ladder reached by an overdue plan line (or asked for by a union officer)."""

    __tablename__ = "equipment_plan_escalation"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_item_id: Mapped[int] = mapped_column(ForeignKey("equipment_plan_item.id"), index=True)
    step: Mapped[str] = mapped_column(String(24))
    level: Mapped[int] = mapped_column(Integer)
    on: Mapped[date] = mapped_column(Date)
    days_overdue: Mapped[int] = mapped_column(Integer, default=0)
    notified: Mapped[list] = mapped_column(JSON, default=list)
    by_user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)


class RenewalComment(Base):
    """A remark on a plan line by the union, an inspector or the employer."""

    __tablename__ = "equipment_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_item_id: Mapped[int] = mapped_column(ForeignKey("equipment_plan_item.id"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    body: Mapped[str] = mapped_column(String(2000))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

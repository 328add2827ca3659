"""Support cases: the case, its needs assessments (history kept), services, follow-ups, the case record,
and the union's scale settings (the subsistence minimum the income criterion compares with).

Health and income are personal data of a special kind: they are kept only inside `*_encrypted`
columns (AES-GCM, core.crypto) and every reading of them is audited with a reason."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow


class Case(Base):
    """One worker (and, with consent, the family): no name, the employer's personnel reference only."""

    __tablename__ = "support_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(12), unique=True)  # e.g. SC-7K2P9Q
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    region_kato: Mapped[str | None] = mapped_column(String(9), nullable=True, index=True)  # from the enterprise
    sector_code: Mapped[str | None] = mapped_column(String(1), nullable=True, index=True)
    cause: Mapped[str] = mapped_column(String(16), index=True)  # states.CAUSES
    status: Mapped[str] = mapped_column(String(16), default="intake", index=True)  # states.CaseStatus
    worker_reference: Mapped[str] = mapped_column(String(40))
    isco08: Mapped[str | None] = mapped_column(String(4), nullable=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("airegister_filing.id"), nullable=True, index=True)
    accident_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_accident.id"), nullable=True, index=True)
    disease_case_id: Mapped[int | None] = mapped_column(ForeignKey("incidents_disease_case.id"), nullable=True)
    opened_on: Mapped[date] = mapped_column(Date, index=True)
    opened_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    case_worker_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True, index=True)
    consent_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    consent_family: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_note: Mapped[str] = mapped_column(String(1000), default="")
    level: Mapped[str | None] = mapped_column(String(1), nullable=True, index=True)  # the latest assessment's
    first_level: Mapped[str | None] = mapped_column(String(1), nullable=True)
    closed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(24), nullable=True, index=True)  # states.OUTCOMES
    outcome_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # re-employed / paid on
    outcome_note: Mapped[str] = mapped_column(Text, default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)  # demo data
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    assessments: Mapped[list[NeedsAssessment]] = relationship(back_populates="case", order_by="NeedsAssessment.id",
                                                         cascade="all, delete-orphan")
    services: Mapped[list[CaseService]] = relationship(back_populates="case", order_by="CaseService.id",
                                                   cascade="all, delete-orphan")
    follow_ups: Mapped[list[FollowUp]] = relationship(back_populates="case", order_by="FollowUp.due_on",
                                                      cascade="all, delete-orphan")
    events: Mapped[list[CaseEvent]] = relationship(back_populates="case", order_by="CaseEvent.id",
                                               cascade="all, delete-orphan")


class NeedsAssessment(Base):
    """One assessment of the needs level. The scores of health and income (and their inputs) are encrypted;
    the other criteria's scores are kept in clear for the explanation."""

    __tablename__ = "support_assessment"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id"), index=True)
    assessed_on: Mapped[date] = mapped_column(Date)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    method: Mapped[str] = mapped_column(String(16))  # scale version
    automatic_level: Mapped[str] = mapped_column(String(1))
    level: Mapped[str] = mapped_column(String(1))  # = automatic unless overridden
    points: Mapped[float] = mapped_column(Float)  # weighted need, 0..1
    open_scores: Mapped[dict] = mapped_column(JSON, default=dict)  # criterion -> score (non-sensitive ones)
    assessed: Mapped[list] = mapped_column(JSON, default=list)  # criteria with an answer
    subsistence_minimum: Mapped[int | None] = mapped_column(Integer, nullable=True)
    personal_encrypted: Mapped[bytes] = mapped_column(LargeBinary)  # inputs and scores of health and income
    override_reason: Mapped[str] = mapped_column(Text, default="")
    overridden_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)

    case: Mapped[Case] = relationship(back_populates="assessments")


class CaseService(Base):
    """A service in the case's plan: retraining, job placement, legal aid, material aid, psychological support."""

    __tablename__ = "support_service"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # states.SERVICE_KINDS
    title: Mapped[str] = mapped_column(String(300))
    detail: Mapped[str] = mapped_column(Text, default="")
    responsible_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    status: Mapped[str] = mapped_column(String(20), default="planned", index=True)  # states.ServiceStatus
    outcome: Mapped[str] = mapped_column(Text, default="")
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    target_isco: Mapped[str | None] = mapped_column(String(4), nullable=True)  # retraining / placement
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("aiwork_plan.id"), nullable=True)
    plan_progress: Mapped[str | None] = mapped_column(String(16), nullable=True)  # aiwork WorkerProgress
    legal_basis: Mapped[str] = mapped_column(String(1000), default="")
    amount_kzt: Mapped[int | None] = mapped_column(Integer, nullable=True)  # material aid
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    approved_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    approved_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    case: Mapped[Case] = relationship(back_populates="services")


class FollowUp(Base):
    """A check with the worker on a date; escalated to the case worker's union when it is missed."""

    __tablename__ = "support_follow_up"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id"), index=True)
    due_on: Mapped[date] = mapped_column(Date, index=True)
    purpose: Mapped[str] = mapped_column(String(500))
    done_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    note: Mapped[str] = mapped_column(Text, default="")
    escalation_level: Mapped[int] = mapped_column(Integer, default=0)
    escalated_on: Mapped[date | None] = mapped_column(Date, nullable=True)

    case: Mapped[Case] = relationship(back_populates="follow_ups")


class CaseEvent(Base):
    """One step of the case, for the record shown on the case (the audit log holds the rest)."""

    __tablename__ = "support_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("support_case.id"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    kind: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict] = mapped_column(JSON, default=dict)

    case: Mapped[Case] = relationship(back_populates="events")


class SupportSetting(Base):
    """The union's settings of the scale: the subsistence minimum and where the figure comes from."""

    __tablename__ = "support_setting"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(String(300))
    source: Mapped[str] = mapped_column(String(500), default="")
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    set_on: Mapped[date] = mapped_column(Date)

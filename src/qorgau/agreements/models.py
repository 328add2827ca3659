"""Collective agreements of enterprises, their clauses (by kind, with concrete commitments), amendments
(versions), the signed document and comments proposed by the employer's side."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow
from qorgau.core.i18n_markers import N_
from qorgau.core.states import Transitions


class AgreementStatus(StrEnum):
    DRAFT = "draft"
    IN_FORCE = "in_force"
    EXPIRED = "expired"
    TERMINATED = "terminated"


AGREEMENT_FLOW = Transitions(AgreementStatus, {
    AgreementStatus.DRAFT: {AgreementStatus.IN_FORCE, AgreementStatus.TERMINATED},
    AgreementStatus.IN_FORCE: {AgreementStatus.EXPIRED, AgreementStatus.TERMINATED},
    AgreementStatus.EXPIRED: set(),
    AgreementStatus.TERMINATED: set(),
})

STATUS_LABELS = {
    AgreementStatus.DRAFT: N_("draft"),
    AgreementStatus.IN_FORCE: N_("in force"),
    AgreementStatus.EXPIRED: N_("expired"),
    AgreementStatus.TERMINATED: N_("terminated"),
}


class ClauseKind(StrEnum):
    OCCUPATIONAL_SAFETY = "occupational_safety"
    BIOSAFETY = "biosafety"
    PPE = "ppe"
    AI_AUTOMATION = "ai_automation"
    RE_EQUIPMENT = "re_equipment"
    MEDICAL_EXAMINATIONS = "medical_examinations"
    HAZARD_COMPENSATION = "hazard_compensation"
    SAFETY_REPRESENTATIVES = "safety_representatives"
    ACCIDENT_COMPENSATION = "accident_compensation"


# The five kinds the Safety Index counts (its collective-agreement indicator).
CORE_KINDS = (ClauseKind.OCCUPATIONAL_SAFETY, ClauseKind.BIOSAFETY, ClauseKind.PPE, ClauseKind.AI_AUTOMATION,
              ClauseKind.RE_EQUIPMENT)

KIND_LABELS = {
    ClauseKind.OCCUPATIONAL_SAFETY: N_("Occupational safety"),
    ClauseKind.BIOSAFETY: N_("Biological safety"),
    ClauseKind.PPE: N_("Personal protective equipment"),
    ClauseKind.AI_AUTOMATION: N_("AI and automation"),
    ClauseKind.RE_EQUIPMENT: N_("Technical re-equipment"),
    ClauseKind.MEDICAL_EXAMINATIONS: N_("Medical examinations"),
    ClauseKind.HAZARD_COMPENSATION: N_("Compensation for harmful and hazardous work"),
    ClauseKind.SAFETY_REPRESENTATIVES: N_("Safety council and technical inspectors"),
    ClauseKind.ACCIDENT_COMPENSATION: N_("Payments after accidents at work"),
}


class Unit(StrEnum):
    PERCENT_PAYROLL = "percent_payroll"
    KZT = "kzt"
    KZT_PER_WORKER = "kzt_per_worker"
    DAYS = "days"
    HOURS = "hours"
    TIMES_PER_YEAR = "times_per_year"
    MONTHS = "months"
    YEARS_EARNINGS = "years_earnings"
    PERCENT = "percent"


UNIT_LABELS = {
    Unit.PERCENT_PAYROLL: N_("percent of the payroll"),
    Unit.KZT: N_("tenge a year"),
    Unit.KZT_PER_WORKER: N_("tenge per worker a year"),
    Unit.DAYS: N_("days"),
    Unit.HOURS: N_("hours"),
    Unit.TIMES_PER_YEAR: N_("times a year"),
    Unit.MONTHS: N_("months"),
    Unit.YEARS_EARNINGS: N_("years' earnings"),
    Unit.PERCENT: N_("percent of the tariff rate"),
}

LANGUAGES = ("kk", "ru", "en")


class Agreement(Base):
    """An enterprise's collective agreement (Labour Code art. 156-158): the parties, the dates and the
    submission to the territorial labour unit (art. 156 p.11, within a month of signing)."""

    __tablename__ = "agreements_agreement"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    union_id: Mapped[int | None] = mapped_column(ForeignKey("registry_union_org.id"), nullable=True, index=True)
    workers_party: Mapped[str] = mapped_column(String(300), default="")  # as written when no union signs
    employer_party: Mapped[str] = mapped_column(String(300))  # the employer's representative, as signed
    title: Mapped[str] = mapped_column(String(300))
    number: Mapped[str] = mapped_column(String(60), default="")
    language: Mapped[str] = mapped_column(String(2), default="ru")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_from: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    submitted_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # to the territorial labour unit
    registration_ref: Mapped[str] = mapped_column(String(100), default="")
    status: Mapped[str] = mapped_column(String(16), default=AgreementStatus.DRAFT, index=True)
    took_effect: Mapped[bool] = mapped_column(Boolean, default=False)  # was ever in force (not a dropped draft)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # terminated early: the last day
    end_reason: Mapped[str] = mapped_column(String(500), default="")
    version: Mapped[int] = mapped_column(Integer, default=1)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    clauses: Mapped[list[Clause]] = relationship(back_populates="agreement", order_by="Clause.position")
    amendments: Mapped[list[Amendment]] = relationship(back_populates="agreement", order_by="Amendment.version")
    documents: Mapped[list[AgreementDocument]] = relationship(back_populates="agreement",
                                                              order_by="AgreementDocument.id")
    comments: Mapped[list[Remark]] = relationship(back_populates="agreement", order_by="Remark.id")


class Clause(Base):
    """A clause in its original language; a removed clause stays, marked with the version that removed it."""

    __tablename__ = "agreements_clause"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_agreement.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20), default="")  # as numbered in the agreement, e.g. "5.3"
    kind: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)
    commitment: Mapped[str] = mapped_column(String(500), default="")  # the concrete commitment, in short
    amount: Mapped[Decimal | None] = mapped_column(Numeric(14, 2), nullable=True)
    unit: Mapped[str] = mapped_column(String(20), default="")
    legal_minimum: Mapped[str] = mapped_column(String(300), default="")  # the Labour Code article it goes beyond
    model_key: Mapped[str] = mapped_column(String(64), default="")  # inserted from this model clause
    added_in: Mapped[int] = mapped_column(Integer, default=1)
    removed_in: Mapped[int | None] = mapped_column(Integer, nullable=True)

    agreement: Mapped[Agreement] = relationship(back_populates="clauses")


class Amendment(Base):
    """A change agreed by both parties (art. 156 p.8): it opens a new version of the agreement."""

    __tablename__ = "agreements_amendment"
    __table_args__ = (UniqueConstraint("agreement_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_agreement.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    signed_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str] = mapped_column(String(1000))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="amendments")


class AgreementDocument(Base):
    """The signed text (PDF) of one version of the agreement."""

    __tablename__ = "agreements_document"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_agreement.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    filename: Mapped[str] = mapped_column(String(160))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    content: Mapped[bytes] = mapped_column(LargeBinary)
    added_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="documents")

    __audit_exclude__ = ("content",)


class Remark(Base):
    """A remark or a proposed wording from either side, on the agreement or one clause."""

    __tablename__ = "agreements_comment"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_agreement.id"), index=True)
    clause_id: Mapped[int | None] = mapped_column(ForeignKey("agreements_clause.id"), nullable=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    side: Mapped[str] = mapped_column(String(16))  # union | employer
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    agreement: Mapped[Agreement] = relationship(back_populates="comments")


class PartnershipLevel(StrEnum):
    """Agreements of social partnership above the enterprise (Labour Code art. 148-155): the general agreement
    of the republic, sectoral agreements, regional agreements."""

    GENERAL = "general"
    SECTORAL = "sectoral"
    REGIONAL = "regional"


LEVEL_LABELS = {
    PartnershipLevel.GENERAL: N_("General agreement"),
    PartnershipLevel.SECTORAL: N_("Sectoral agreement"),
    PartnershipLevel.REGIONAL: N_("Regional agreement"),
}


class PartnershipAgreement(Base):
    """A general, sectoral or regional agreement: it covers every enterprise of its sector (OKED section) and, for
    a regional one or a sectoral one concluded in a region, of its region. Its safety clauses count in the
    coverage of each enterprise it covers, beside the enterprise's own collective agreement."""

    __tablename__ = "agreements_partnership"

    id: Mapped[int] = mapped_column(primary_key=True)
    level: Mapped[str] = mapped_column(String(16), index=True)
    title: Mapped[str] = mapped_column(String(300))
    parties: Mapped[str] = mapped_column(String(1000))  # the signatories, as signed
    sector_code: Mapped[str | None] = mapped_column(ForeignKey("registry_sector.code"), nullable=True)
    region_kato: Mapped[str | None] = mapped_column(ForeignKey("registry_region.kato"), nullable=True)
    language: Mapped[str] = mapped_column(String(2), default="ru")
    signed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date | None] = mapped_column(Date, nullable=True)
    source: Mapped[str] = mapped_column(String(500), default="")  # where its text was published
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    clauses: Mapped[list[PartnershipClause]] = relationship(back_populates="agreement",
                                                            order_by="PartnershipClause.position")


class PartnershipClause(Base):
    """A clause of a general, sectoral or regional agreement, in its original language."""

    __tablename__ = "agreements_partnership_clause"

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("agreements_partnership.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(20), default="")
    kind: Mapped[str] = mapped_column(String(32), index=True)
    language: Mapped[str] = mapped_column(String(2))
    text: Mapped[str] = mapped_column(Text)

    agreement: Mapped[PartnershipAgreement] = relationship(back_populates="clauses")

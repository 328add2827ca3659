"""The accident and occupational-disease registry (Labour Code art. 186-190) and exposure denominators."""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import Boolean, Date, Float, ForeignKey, Integer, String, Text, Time, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow

SOURCES = ("employer", "union_inspector", "worker_report", "hospital", "insurer", "import")


class Accident(Base):
    __tablename__ = "incidents_accident"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("registry_site.id"), nullable=True)
    occurred_on: Mapped[date] = mapped_column(Date, index=True)
    category: Mapped[str] = mapped_column(String(16), index=True)  # light, group, serious, fatal
    commission: Mapped[str] = mapped_column(String(32))
    description: Mapped[str] = mapped_column(Text, default="")
    cause: Mapped[str] = mapped_column(String(32), default="unknown", index=True)
    esaw_deviation: Mapped[str | None] = mapped_column(String(2), nullable=True)
    esaw_contact: Mapped[str | None] = mapped_column(String(2), nullable=True)
    union_present: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="employer", index=True)
    source_reference: Mapped[str] = mapped_column(String(64), default="")
    notified_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    commission_formed_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    investigation_due: Mapped[date] = mapped_column(Date)
    act_on: Mapped[date | None] = mapped_column(Date, nullable=True)
    employer_fault_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    worker_fault_percent: Mapped[int | None] = mapped_column(Integer, nullable=True)
    dissent: Mapped[str] = mapped_column(Text, default="")
    # What the act states beyond the registry's fields (art. 189 p.5): the time and place, the causes the
    # commission established and the persons who violated safety requirements.
    occurred_time: Mapped[time | None] = mapped_column(Time, nullable=True)
    place: Mapped[str] = mapped_column(String(300), default="")
    causes_found: Mapped[str] = mapped_column(Text, default="")
    responsible_persons: Mapped[str] = mapped_column(Text, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    victims: Mapped[list[Victim]] = relationship(back_populates="accident", order_by="Victim.id",
                                                 cascade="all, delete-orphan")
    members: Mapped[list[CommissionMember]] = relationship(order_by="CommissionMember.id",
                                                           cascade="all, delete-orphan")
    extensions: Mapped[list[Extension]] = relationship(order_by="Extension.id", cascade="all, delete-orphan")
    measures: Mapped[list[ActMeasure]] = relationship(order_by="ActMeasure.id", cascade="all, delete-orphan")


class CommissionMember(Base):
    """A member of the investigation commission (art. 188): name and role as officials, whether they represent
    the workers, and their dissenting opinion on the act (art. 190 p.2), if any."""

    __tablename__ = "incidents_commission_member"

    id: Mapped[int] = mapped_column(primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("incidents_accident.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(200))
    workers_representative: Mapped[bool] = mapped_column(Boolean, default=False)
    dissent: Mapped[str] = mapped_column(Text, default="")
    dissent_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class ActMeasure(Base):
    """A measure the act prescribes to prevent a recurrence (art. 189 p.5), with its term and who carries it out."""

    __tablename__ = "incidents_act_measure"

    id: Mapped[int] = mapped_column(primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("incidents_accident.id"), index=True)
    measure: Mapped[str] = mapped_column(Text)
    due_on: Mapped[date] = mapped_column(Date)
    responsible: Mapped[str] = mapped_column(String(200), default="")


class Extension(Base):
    """An extension of the investigation term by the commission's protocol (art. 189 p.1), logged."""

    __tablename__ = "incidents_extension"

    id: Mapped[int] = mapped_column(primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("incidents_accident.id"), index=True)
    previous_due: Mapped[date] = mapped_column(Date)
    new_due: Mapped[date] = mapped_column(Date)
    reason: Mapped[str] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Victim(Base):
    """One injured worker: an ICLS 'case'. No names: sex, age band and occupation only."""

    __tablename__ = "incidents_victim"

    id: Mapped[int] = mapped_column(primary_key=True)
    accident_id: Mapped[int] = mapped_column(ForeignKey("incidents_accident.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(8))  # fatal, serious, light
    # None: not known (a blank in an import). Statistics leave unknown days out and say how many there were.
    days_lost: Mapped[int | None] = mapped_column(Integer, nullable=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(8), nullable=True)
    isco08: Mapped[str | None] = mapped_column(String(4), nullable=True)
    employment_status: Mapped[str] = mapped_column(String(16), default="employee")

    accident: Mapped[Accident] = relationship(back_populates="victims")


class DiseaseCase(Base):
    """An occupational disease case (ICD-10), by harmful factor and years of exposure."""

    __tablename__ = "incidents_disease_case"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    diagnosed_on: Mapped[date] = mapped_column(Date, index=True)
    icd10: Mapped[str] = mapped_column(String(8))
    harmful_factor: Mapped[str] = mapped_column(String(120))
    exposure_years: Mapped[float] = mapped_column(Float, default=0)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(8), nullable=True)
    isco08: Mapped[str | None] = mapped_column(String(4), nullable=True)


class Denominator(Base):
    """Workers (annual average) and hours worked of an enterprise in a year."""

    __tablename__ = "incidents_denominator"
    __table_args__ = (UniqueConstraint("enterprise_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    year: Mapped[int] = mapped_column(Integer, index=True)
    workers: Mapped[float] = mapped_column(Float)
    hours: Mapped[float] = mapped_column(Float)
    hours_estimated: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(16), default="entered")


class SourceRecord(Base):
    """A case as another source saw it (hospital, union inspector, insurer, Worker Speaks), kept apart from
    the official registry: it feeds only the capture-recapture estimate of under-reporting."""

    __tablename__ = "incidents_source_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(16), index=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    event_date: Mapped[date] = mapped_column(Date, index=True)
    severity: Mapped[str | None] = mapped_column(String(8), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(1), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(8), nullable=True)
    reference: Mapped[str] = mapped_column(String(64), default="")

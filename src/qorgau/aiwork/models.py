"""Employment tables (uploaded with provenance, flagged synthetic or not), saved scenario assumptions and
reskilling plans drafted for an enterprise or a union organisation."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.aiwork.states import PlanStatus, WorkerProgress
from qorgau.core.db import Base, UTCDateTime, utcnow


class EmploymentTable(Base):
    """One employment table: counts by ISCO-08 code and optional dimensions, with where it came from."""

    __tablename__ = "aiwork_employment_table"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    source: Mapped[str] = mapped_column(Text)  # provenance: who published it, which survey, which year
    year: Mapped[int | None] = mapped_column(Integer, nullable=True)
    filename: Mapped[str] = mapped_column(String(200), default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    # None: a national (or regional/sectoral) table; otherwise the workforce of one enterprise.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True, index=True)
    dimensions: Mapped[list] = mapped_column(JSON, default=list)  # e.g. ["region", "sector", "sex"]
    row_count: Mapped[int] = mapped_column(Integer, default=0)
    employed: Mapped[float] = mapped_column(Float, default=0.0)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class EmploymentRow(Base):
    """One disjoint count of workers. Bulk content of a table: the table itself is audited, its rows are
    written in one batch with it and never edited, so they are not audited row by row."""

    __tablename__ = "aiwork_employment_row"
    __audited__ = False

    id: Mapped[int] = mapped_column(primary_key=True)
    table_id: Mapped[int] = mapped_column(ForeignKey("aiwork_employment_table.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)  # line of the uploaded file (header = 1)
    isco08: Mapped[str] = mapped_column(String(4))
    region: Mapped[str | None] = mapped_column(String(9), nullable=True)
    sector: Mapped[str | None] = mapped_column(String(7), nullable=True)
    sex: Mapped[str | None] = mapped_column(String(7), nullable=True)
    age_band: Mapped[str | None] = mapped_column(String(40), nullable=True)
    unit: Mapped[str | None] = mapped_column(String(120), nullable=True)  # enterprise / bargaining unit label
    employed: Mapped[float] = mapped_column(Float)


class Scenario(Base):
    """Saved scenario assumptions (the engine's `Assumptions.to_dict()` form), to rerun and compare."""

    __tablename__ = "aiwork_scenario"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    preset: Mapped[str] = mapped_column(String(16))
    assumptions: Mapped[dict] = mapped_column(JSON)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Plan(Base):
    """A retraining plan drafted for an enterprise (and the union organisation that negotiates it)."""

    __tablename__ = "aiwork_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True, index=True)
    union_id: Mapped[int | None] = mapped_column(ForeignKey("registry_union_org.id"), nullable=True, index=True)
    table_id: Mapped[int | None] = mapped_column(ForeignKey("aiwork_employment_table.id"), nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)  # drafted from a synthetic table
    status: Mapped[str] = mapped_column(String(16), default=PlanStatus.DRAFT)
    notes: Mapped[str] = mapped_column(Text, default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # "union": drafted by the union side (the employer sees it from "proposed" on); "employer": the employer's own.
    drafted_by: Mapped[str] = mapped_column(String(16), default="union", server_default="union")
    employer_signatory: Mapped[str | None] = mapped_column(String(200), nullable=True)  # who signed for the employer
    agreed_on: Mapped[date | None] = mapped_column(Date, nullable=True)  # the date of the employer's signature
    abandoned_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    items: Mapped[list[PlanItem]] = relationship(back_populates="plan", order_by="PlanItem.id",
                                                 cascade="all, delete-orphan")
    steps: Mapped[list[PlanStep]] = relationship(back_populates="plan", order_by="PlanStep.id",
                                                 cascade="all, delete-orphan")


class PlanStep(Base):
    """One move of a plan from one status to another: who, when, and what they said."""

    __tablename__ = "aiwork_plan_step"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("aiwork_plan.id"), index=True)
    from_status: Mapped[str] = mapped_column(String(16))
    to_status: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(Text, default="")
    by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    plan: Mapped[Plan] = relationship(back_populates="steps")


class PlanWorker(Base):
    """Progress of one affected worker through a plan item, under a reference the employer keeps (a personnel
    number): no name is stored."""

    __tablename__ = "aiwork_plan_worker"
    __table_args__ = (UniqueConstraint("item_id", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(ForeignKey("aiwork_plan_item.id"), index=True)
    reference: Mapped[str] = mapped_column(String(40))
    progress: Mapped[str] = mapped_column(String(16), default=WorkerProgress.ENROLLED)
    note: Mapped[str] = mapped_column(Text, default="")
    updated_on: Mapped[date] = mapped_column(Date)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)


class PlanItem(Base):
    """Workers of one occupation moving to a target occupation: how many, which training, when."""

    __tablename__ = "aiwork_plan_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("aiwork_plan.id"), index=True)
    source_isco: Mapped[str] = mapped_column(String(4))
    target_isco: Mapped[str] = mapped_column(String(4))
    people: Mapped[int] = mapped_column(Integer)
    training: Mapped[str] = mapped_column(Text, default="")
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    similarity: Mapped[float | None] = mapped_column(Float, nullable=True)
    score: Mapped[float | None] = mapped_column(Float, nullable=True)
    skill_gaps: Mapped[list] = mapped_column(JSON, default=list)  # skill names the training has to close

    plan: Mapped[Plan] = relationship(back_populates="items")

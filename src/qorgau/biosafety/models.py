"""Bio-safety tables: the exposure register (per enterprise, site and zone), imported disease cases, detection
runs, and the clusters they found with their alert status.

Cases carry no name: a reference of the sending organisation, the place (KATO), the OKED section, the date and
the disease. Cases of the incidents registry are read from there at detection time and never copied."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from qorgau.core.db import Base, UTCDateTime, utcnow


class BioExposure(Base):
    """Workers exposed to one biological agent at one workplace, and how many of them each control covers.
    A count that is not known is None (never 0): its coverage is shown as unknown."""

    __tablename__ = "biosafety_exposure"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    site_id: Mapped[int | None] = mapped_column(ForeignKey("registry_site.id"), nullable=True)
    zone_id: Mapped[int | None] = mapped_column(ForeignKey("registry_zone.id"), nullable=True)
    activity: Mapped[str] = mapped_column(String(16))  # states.ACTIVITIES
    agent_code: Mapped[str] = mapped_column(String(40), index=True)  # agents.csv
    exposed_workers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    vaccinated: Mapped[int | None] = mapped_column(Integer, nullable=True)
    ppe_issued: Mapped[int | None] = mapped_column(Integer, nullable=True)
    trained: Mapped[int | None] = mapped_column(Integer, nullable=True)
    surveilled: Mapped[int | None] = mapped_column(Integer, nullable=True)  # periodic medical examination
    recorded_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(String(1000), default="")
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BioCase(Base):
    """A case of an occupational or zoonotic infection from a case list (the National Center for Occupational
    Diseases, a sanitary service) or entered here."""

    __tablename__ = "biosafety_case"
    __table_args__ = (UniqueConstraint("source", "reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(40))  # who sent the list, e.g. "ncod"
    reference: Mapped[str] = mapped_column(String(60))  # the sender's case number
    disease: Mapped[str] = mapped_column(String(24), index=True)  # agents.csv disease_key
    icd10: Mapped[str | None] = mapped_column(String(8), nullable=True)
    onset_on: Mapped[date] = mapped_column(Date, index=True)  # onset, or diagnosis when onset is unknown
    kato: Mapped[str] = mapped_column(String(9), index=True)  # district (or region) where exposed
    region_kato: Mapped[str] = mapped_column(String(9), index=True)
    sector_code: Mapped[str | None] = mapped_column(String(1), nullable=True, index=True)
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("registry_enterprise.id"), nullable=True, index=True)
    activity: Mapped[str | None] = mapped_column(String(16), nullable=True)
    laboratory_confirmed: Mapped[bool | None] = mapped_column(Boolean, nullable=True)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DetectionRun(Base):
    """One detection run: its parameters, what it read and what it found."""

    __tablename__ = "biosafety_run"

    id: Mapped[int] = mapped_column(primary_key=True)
    as_of: Mapped[date] = mapped_column(Date)
    params: Mapped[dict] = mapped_column(JSON, default=dict)
    cases_read: Mapped[int] = mapped_column(Integer, default=0)
    clusters: Mapped[int] = mapped_column(Integer, default=0)
    requested_by: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BioCluster(Base):
    """A significant space-time cluster and its alert: open until confirmed or dismissed with a reason."""

    __tablename__ = "biosafety_cluster"

    id: Mapped[int] = mapped_column(primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("biosafety_run.id"), index=True)
    disease: Mapped[str] = mapped_column(String(24), index=True)
    kato: Mapped[str] = mapped_column(String(9), index=True)
    level: Mapped[str] = mapped_column(String(8))  # district | region
    region_kato: Mapped[str] = mapped_column(String(9), index=True)
    sector_code: Mapped[str | None] = mapped_column(String(1), nullable=True)  # None: every section
    start_on: Mapped[date] = mapped_column(Date)
    end_on: Mapped[date] = mapped_column(Date)
    cases: Mapped[int] = mapped_column(Integer)
    expected: Mapped[float] = mapped_column(Float)
    relative_risk: Mapped[float | None] = mapped_column(Float, nullable=True)
    llr: Mapped[float] = mapped_column(Float)
    p_value: Mapped[float] = mapped_column(Float)
    total_cases: Mapped[int] = mapped_column(Integer)
    case_refs: Mapped[list] = mapped_column(JSON, default=list)
    enterprise_ids: Mapped[list] = mapped_column(JSON, default=list)
    status: Mapped[str] = mapped_column(String(12), default="open", index=True)  # states.ClusterStatus
    decision_reason: Mapped[str] = mapped_column(Text, default="")
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    notified: Mapped[int] = mapped_column(Integer, default=0)
    synthetic: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

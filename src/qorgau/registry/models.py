"""Reference data and the union/enterprise tree: regions, sectors, occupations, unions, enterprises,
sites and hazardous zones; the union's technical inspectors and safety committees at each enterprise."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from qorgau.core.db import Base, UTCDateTime, utcnow


class Region(Base):
    """A first-level unit (17 regions and 3 cities of republican significance) by KATO code."""

    __tablename__ = "registry_region"
    __audited__ = False  # reference data loaded by `qorgau db upgrade`

    kato: Mapped[str] = mapped_column(String(9), primary_key=True)
    iso_3166_2: Mapped[str] = mapped_column(String(8))
    name_en: Mapped[str] = mapped_column(String(100))
    name_kk: Mapped[str] = mapped_column(String(100))
    name_ru: Mapped[str] = mapped_column(String(100))
    is_city: Mapped[bool] = mapped_column(Boolean, default=False)


class Sector(Base):
    """An OKED (NACE Rev. 2) section, A to U."""

    __tablename__ = "registry_sector"
    __audited__ = False

    code: Mapped[str] = mapped_column(String(1), primary_key=True)
    name_en: Mapped[str] = mapped_column(String(200))
    name_kk: Mapped[str] = mapped_column(String(200))
    name_ru: Mapped[str] = mapped_column(String(200))


class Occupation(Base):
    """An ISCO-08 group at any of its four levels."""

    __tablename__ = "registry_occupation"
    __audited__ = False

    code: Mapped[str] = mapped_column(String(4), primary_key=True)
    level: Mapped[int] = mapped_column(Integer)
    parent_code: Mapped[str | None] = mapped_column(String(4), nullable=True, index=True)
    title_en: Mapped[str] = mapped_column(String(300))
    title_kk: Mapped[str | None] = mapped_column(String(300), nullable=True)
    title_ru: Mapped[str | None] = mapped_column(String(300), nullable=True)
    definition: Mapped[str] = mapped_column(Text, default="")


UNION_KINDS = ("federation", "sectoral", "regional", "primary")


class UnionOrg(Base):
    """A node of the union tree: federation, sectoral or regional union, primary organisation."""

    __tablename__ = "registry_union_org"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("registry_union_org.id"), nullable=True, index=True)
    name_en: Mapped[str] = mapped_column(String(300))
    name_kk: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    # A sectoral union covers a sector, a regional one a region (also where no primary organisation exists).
    sector_code: Mapped[str | None] = mapped_column(ForeignKey("registry_sector.code"), nullable=True)
    region_kato: Mapped[str | None] = mapped_column(ForeignKey("registry_region.kato"), nullable=True)
    members: Mapped[int] = mapped_column(Integer, default=0)

    parent: Mapped[UnionOrg | None] = relationship(remote_side=[id])


class Enterprise(Base):
    __tablename__ = "registry_enterprise"

    id: Mapped[int] = mapped_column(primary_key=True)
    bin: Mapped[str] = mapped_column(String(12), unique=True)
    name_en: Mapped[str] = mapped_column(String(300), default="")
    name_kk: Mapped[str] = mapped_column(String(300), default="")
    name_ru: Mapped[str] = mapped_column(String(300), default="")
    region_kato: Mapped[str] = mapped_column(ForeignKey("registry_region.kato"), index=True)
    town: Mapped[str] = mapped_column(String(120), default="")
    sector_code: Mapped[str] = mapped_column(ForeignKey("registry_sector.code"), index=True)
    headcount: Mapped[int] = mapped_column(Integer, default=0)
    has_union: Mapped[bool] = mapped_column(Boolean, default=False)
    primary_union_id: Mapped[int | None] = mapped_column(ForeignKey("registry_union_org.id"), nullable=True,
                                                         index=True)
    collective_agreement: Mapped[bool] = mapped_column(Boolean, default=False)
    safety_committee: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    region: Mapped[Region] = relationship()
    sector: Mapped[Sector] = relationship()
    primary_union: Mapped[UnionOrg | None] = relationship()
    sites: Mapped[list[Site]] = relationship(back_populates="enterprise", order_by="Site.id")


class Site(Base):
    __tablename__ = "registry_site"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    address: Mapped[str] = mapped_column(String(300), default="")

    enterprise: Mapped[Enterprise] = relationship(back_populates="sites")
    zones: Mapped[list[Zone]] = relationship(back_populates="site", order_by="Zone.id")


class Zone(Base):
    """A hazardous production zone within a site (e.g. an electrolysis shop)."""

    __tablename__ = "registry_zone"

    id: Mapped[int] = mapped_column(primary_key=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("registry_site.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    hazards: Mapped[str] = mapped_column(String(300), default="")
    max_headcount: Mapped[int | None] = mapped_column(Integer, nullable=True)

    site: Mapped[Site] = relationship(back_populates="zones")


class TechnicalInspector(Base):
    """A union technical inspector: where and since when. Their periodic safety training lives in the
    training centre (`training_completion`, read through `qorgau.training.service`): one source.

    Kept by the deviations package (its registry pages and forms; the table keeps its `deviations_` name
    and its migrations), it sits on the registry floor because the training centre reads it too: who must
    be trained, and whose training is due."""

    __tablename__ = "deviations_inspector"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("core_user.id"), nullable=True)
    full_name: Mapped[str] = mapped_column(String(200))
    unit: Mapped[str] = mapped_column(String(200), default="")  # shop, brigade or site the inspector covers
    appointed_on: Mapped[date] = mapped_column(Date)
    ended_on: Mapped[date | None] = mapped_column(Date, nullable=True)


class SafetyCommittee(Base):
    """A safety committee (production council) of an enterprise."""

    __tablename__ = "deviations_committee"

    id: Mapped[int] = mapped_column(primary_key=True)
    enterprise_id: Mapped[int] = mapped_column(ForeignKey("registry_enterprise.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    established_on: Mapped[date] = mapped_column(Date)
    members: Mapped[int] = mapped_column(Integer)
    worker_members: Mapped[int] = mapped_column(Integer)
    chair: Mapped[str] = mapped_column(String(200), default="")
    last_meeting_on: Mapped[date | None] = mapped_column(Date, nullable=True)

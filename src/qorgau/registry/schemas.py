"""API shapes of the registry."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from qorgau.core.types import JsonInt
from qorgau.registry.identifiers import bin_problem


class RegionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    kato: str
    iso_3166_2: str
    name_en: str
    name_kk: str
    name_ru: str
    is_city: bool


class SectorOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    name_en: str
    name_kk: str
    name_ru: str


class OccupationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    code: str
    level: int
    parent_code: str | None
    title_en: str
    title_kk: str | None
    title_ru: str | None


class UnionOrgOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    parent_id: int | None
    name_en: str
    name_kk: str
    name_ru: str
    sector_code: str | None
    region_kato: str | None


class EnterpriseBase(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name_en: str = Field("", max_length=300)
    name_kk: str = Field("", max_length=300)
    name_ru: str = Field("", max_length=300)
    region_kato: str = Field(..., min_length=9, max_length=9, pattern=r"^\d{9}$")
    town: str = Field("", max_length=120)
    sector_code: str = Field(..., min_length=1, max_length=1, pattern=r"^[A-U]$")
    headcount: JsonInt = Field(0, ge=0, le=1_000_000)
    has_union: bool = False
    primary_union_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)
    collective_agreement: bool = False
    safety_committee: bool = False


class EnterpriseIn(EnterpriseBase):
    bin: str = Field(..., min_length=12, max_length=12, description="12 digits with a valid check digit")

    @field_validator("bin")
    @classmethod
    def _bin_checksum(cls, value: str) -> str:
        problem = bin_problem(value)
        if problem:
            raise ValueError(problem)
        return value


class EnterpriseUpdate(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name_en: str | None = Field(None, max_length=300)
    name_kk: str | None = Field(None, max_length=300)
    name_ru: str | None = Field(None, max_length=300)
    town: str | None = Field(None, max_length=120)
    headcount: JsonInt | None = Field(None, ge=0, le=1_000_000)
    has_union: bool | None = None
    collective_agreement: bool | None = None
    safety_committee: bool | None = None


class EnterpriseOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    bin: str
    name_en: str
    name_kk: str
    name_ru: str
    region_kato: str
    town: str
    sector_code: str
    headcount: int
    has_union: bool
    primary_union_id: int | None
    collective_agreement: bool
    safety_committee: bool


class EnterprisePage(BaseModel):
    items: list[EnterpriseOut]
    total: int
    page: int
    per_page: int
    pages: int


class SiteIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: str = Field(..., min_length=1, max_length=200)
    address: str = Field("", max_length=300)


class SiteOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    name: str
    address: str


class ZoneIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    name: str = Field(..., min_length=1, max_length=200)
    hazards: str = Field("", max_length=300)
    max_headcount: JsonInt | None = Field(None, ge=1, le=100_000)


class ZoneOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    site_id: int
    name: str
    hazards: str
    max_headcount: int | None


class ImportProblem(BaseModel):
    row: int
    column: str
    reason: str


class ImportResult(BaseModel):
    created: int
    updated: int
    errors: list[ImportProblem]


class UnionOrgIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    kind: Literal["federation", "sectoral", "regional", "primary"]
    parent_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)
    name_en: str = Field(..., min_length=1, max_length=300)
    name_kk: str = Field("", max_length=300)
    name_ru: str = Field("", max_length=300)
    sector_code: str | None = Field(None, pattern=r"^[A-U]$")
    region_kato: str | None = Field(None, pattern=r"^\d{9}$")

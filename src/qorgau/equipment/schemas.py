"""API shapes of the equipment register and the re-equipment plans."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import MAX_ID, JsonInt

Id = JsonInt
ConditionName = Literal["good", "needs_repair", "out_of_service", "decommissioned"]
PlanStatusName = Literal["planned", "in_progress", "done", "cancelled"]


class ItemIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    enterprise_id: Id = Field(..., ge=1, le=MAX_ID)
    site_id: Id | None = Field(None, ge=1, le=MAX_ID)
    zone_id: Id | None = Field(None, ge=1, le=MAX_ID)
    type_code: str = Field(..., min_length=1, max_length=32, description="a code of GET /api/v1/equipment/types")
    inventory_number: str = Field(..., min_length=1, max_length=64)
    name: str = Field("", max_length=200)
    manufacturer: str = Field("", max_length=200)
    commissioned_year: Id | None = Field(None, ge=1900, le=2100, description="None: unknown")
    service_life_years: Id | None = Field(None, ge=1, le=100,
                                          description="from the passport; None: the type's typical life, if any")
    condition: ConditionName = "good"


class ConditionIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    condition: ConditionName


class ExtensionIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    extended_until: date = Field(..., strict=False, description="YYYY-MM-DD")
    basis: str = Field(..., min_length=3, max_length=300, description="the expert examination's conclusion")


class CertificateIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    kind: Literal["expert_examination", "technical_examination"]
    number: str = Field("", max_length=64)
    issued_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    expires_on: date | None = Field(None, strict=False, description="YYYY-MM-DD")
    issued_by: str = Field("", max_length=200)


class AccidentLinkIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    accident_id: Id = Field(..., ge=1, le=MAX_ID)
    note: str = Field("", max_length=1000)


class PlanItemIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    enterprise_id: Id = Field(..., ge=1, le=MAX_ID)
    item_id: Id | None = Field(None, ge=1, le=MAX_ID)
    action: Literal["replace", "repair", "modernise"]
    description: str = Field("", max_length=2000)
    due_on: date = Field(..., strict=False, description="YYYY-MM-DD")
    responsible: str = Field(..., min_length=2, max_length=200)
    budget: float | None = Field(None, strict=False, ge=0, le=1e13, description="tenge; None: not given")


class PlanStatusIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    status: PlanStatusName


class ProgressIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    progress: Id = Field(..., ge=0, le=100)


class CommentIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    body: str = Field(..., min_length=2, max_length=2000)


class TypeOut(BaseModel):
    code: str
    name: str
    life_years: int | None
    life_source: str


class CertificateOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    number: str
    issued_on: date
    expires_on: date | None
    issued_by: str


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    site_id: int | None
    zone_id: int | None
    type_code: str
    inventory_number: str
    name: str
    manufacturer: str
    commissioned_year: int | None
    service_life_years: int | None
    service_life_source: str | None
    extended_until: date | None
    life_ends_on: date | None
    condition: str
    synthetic: bool
    accident_ids: list[int] = []
    certificates: list[CertificateOut] = []


class PlanItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    item_id: int | None
    action: str
    description: str
    due_on: date
    responsible: str
    budget: float | None
    progress: int
    status: str
    done_on: date | None
    escalation_level: int


class ShareOut(BaseModel):
    group: str
    items: int
    known: int
    unknown: int
    past_life: int
    past_life_percent: float | None
    expired_certificates: int
    expired_certificates_percent: float | None


class ImportResult(BaseModel):
    rows: int
    created: int
    already_registered: int

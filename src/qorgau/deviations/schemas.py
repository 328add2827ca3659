"""API shapes of violations, corrective actions and the inspectors' registry."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt

Category = Literal["machinery_equipment", "electrical", "falls_heights", "chemical_gas_dust", "fire_explosion",
                   "ppe", "transport_vehicles", "confined_space", "physical_environment", "ergonomics_workload",
                   "biological", "psychosocial_harassment", "labor_rights", "other"]
Severity = Literal["gross", "significant", "minor"]
ActionKind = Literal["immediate", "corrective", "preventive"]
Id = JsonInt


class ActionIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    kind: ActionKind = "corrective"
    description: str = Field(..., min_length=3, max_length=2000)
    responsible: str = Field("", max_length=200)
    due_on: date | None = Field(None, strict=False, description="YYYY-MM-DD; default from the severity")


class ViolationIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    enterprise_id: Id = Field(..., ge=1, le=2_147_483_647)
    site_id: Id | None = Field(None, ge=1, le=2_147_483_647)
    zone_id: Id | None = Field(None, ge=1, le=2_147_483_647)
    category: Category
    severity: Severity
    description: str = Field(..., min_length=3, max_length=2000)
    rule_reference: str = Field("", max_length=300)
    work_stopped: bool = False
    found_on: date | None = Field(None, strict=False, description="YYYY-MM-DD; default today")
    client_key: str | None = Field(None, min_length=8, max_length=64, pattern=r"^[A-Za-z0-9_-]+$",
                                   description="Idempotency key: a resent entry with the same key is stored once")
    actions: list[ActionIn] = Field(default_factory=list, max_length=20)


class EvidenceIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    note: str = Field(..., min_length=3, max_length=2000)


class VerdictIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    accept: bool
    note: str = Field("", max_length=2000)
    new_due_on: date | None = Field(None, strict=False, description="for a rejected fix: the new due date")


class ActionOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    kind: str
    description: str
    responsible: str
    due_on: date
    status: str
    done_on: date | None
    verified_on: date | None
    escalation_level: int


class EscalationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    action_id: int
    step: str
    level: int
    on: date
    days_overdue: int


class ViolationOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    enterprise_id: int
    site_id: int | None
    zone_id: int | None
    category: str
    severity: str
    description: str
    rule_reference: str
    work_stopped: bool
    found_on: date
    status: str
    closed_on: date | None
    source: str
    source_reference: str
    is_repeat: bool
    repeat_of_id: int | None
    actions: list[ActionOut]
    escalations: list[EscalationOut]


class InspectorIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    enterprise_id: Id = Field(..., ge=1, le=2_147_483_647)
    full_name: str = Field(..., min_length=3, max_length=200)
    unit: str = Field("", max_length=200)
    appointed_on: date = Field(..., strict=False)
    trained_on: date | None = Field(None, strict=False)
    training: str = Field("", max_length=300)


class CommitteeIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    enterprise_id: Id = Field(..., ge=1, le=2_147_483_647)
    name: str = Field(..., min_length=3, max_length=200)
    established_on: date = Field(..., strict=False)
    members: JsonInt = Field(..., ge=2, le=500)
    worker_members: JsonInt = Field(..., ge=0, le=500)
    chair: str = Field("", max_length=200)
    last_meeting_on: date | None = Field(None, strict=False)


class ImportMappingIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    mapping: dict[str, str] = Field(..., description="field -> column header of the file")

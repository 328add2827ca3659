"""API shapes of Worker Speaks."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from qorgau.core.types import JsonInt

Category = Literal["machinery_equipment", "electrical", "falls_heights", "chemical_gas_dust", "fire_explosion", "ppe",
                   "transport_vehicles", "confined_space", "physical_environment", "ergonomics_workload",
                   "biological", "psychosocial_harassment", "labor_rights", "other"]
Urgency = Literal["imminent", "high", "normal", "low"]
Status = Literal["new", "acknowledged", "in_progress", "resolved", "closed", "spam"]


class ReportIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    kind: Literal["hazard", "complaint", "suggestion"] = "hazard"
    enterprise_id: JsonInt | None = Field(None, ge=1, le=2_147_483_647)
    region_kato: str | None = Field(None, pattern=r"^\d{9}$")
    sector_code: str | None = Field(None, pattern=r"^[A-U]$")
    category: Category | Literal["not_sure"] = "not_sure"
    description: str = Field(..., min_length=10, max_length=10_000)
    contact: str = Field("", max_length=300, description="Optional; encrypted, revealed only with a logged reason")
    language: Literal["kk", "ru", "en"] = "ru"


class Receipt(BaseModel):
    reference: str
    receipt: str = Field(description="16 digits, shown once: the only way back to the report")


class FollowIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    receipt: str = Field(..., min_length=16, max_length=40)
    challenge: str = Field("", max_length=400, description="From a 429 answer's params, when asked")
    proof: str = Field("", max_length=20, description="Answer to the challenge (see the 429 answer)")


class ReplyIn(FollowIn):
    body: str = Field(..., min_length=1, max_length=5000)


class MessageOut(BaseModel):
    from_reporter: bool
    sent_on: date
    body: str


class ReporterView(BaseModel):
    reference: str
    status: Status
    kind: str
    category: str
    received_on: date
    acknowledge_by: date
    feedback_by: date
    messages: list[MessageOut]


class ReportOut(BaseModel):
    id: int
    reference: str
    kind: str
    enterprise_id: int | None
    region_kato: str | None
    sector_code: str | None
    category: str
    urgency: str
    triage_by: str
    triage_explanation: dict
    status: Status
    union_org_id: int | None
    escalation_level: int
    received_on: date
    acknowledge_by: date
    feedback_by: date
    text: str = Field(description="Personal data masked")
    pii_types: list[str]
    linked_type: str | None
    linked_id: int | None


class ReportPage(BaseModel):
    items: list[ReportOut]
    total: int
    page: int
    per_page: int
    pages: int


class StaffReplyIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    body: str = Field(..., min_length=1, max_length=5000)


class TriageIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    category: Category
    urgency: Urgency


class StatusIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    status: Status


class RevealIn(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid")
    reason: str = Field(..., min_length=10, max_length=500)


class Revealed(BaseModel):
    value: str
